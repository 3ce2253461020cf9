"""Everything a play session holds, opened and closed in one place (window or terminal, GL,
audio). `build_player` is the part both front ends share."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from encoder.features import Features
from visualizer.window import WindowOptions


@dataclass(frozen=True)
class Look:
    """What to show first: an animation, and optionally a preset's mapping and parameters."""

    animation: str
    mapping: object = None       # visualizer.mapping.Mapping
    parameters: tuple = None     # parameters with a preset's overrides
    preset: object = None        # visualizer.presets.Preset


@dataclass(frozen=True)
class PlayOptions:
    """How to play, whatever the front end.

    seed: random seed for mappings and shuffling (None: a fresh one).
    sync_offset_ms: look-ahead override; None derives it from the audio output.
    volume: 0..1.
    """

    seed: int | None = None
    sync_offset_ms: float | None = None
    volume: float = 1.0
    shuffle: bool = False
    loop: bool = False


@dataclass
class PlayerParts:
    """What `build_player` opened; `close()` releases it in reverse order."""

    player: object               # visualizer.player.Player
    renderer: object             # visualizer.renderer.Renderer
    audio: object                # MixerAudio or SilentAudio
    audio_problem: str | None    # why there is no sound, if there is none
    closers: list = field(default_factory=list)

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()


def build_player(ctx, size: tuple[int, int], features: dict[Path, Features], look: Look,
                 options: PlayOptions) -> PlayerParts:
    """The playlist, the audio, the renderer (drawing into `ctx` at `size` pixels) and the
    `Player` around them, with the first look applied. The song starts on `player.start()`."""
    from encoder.audio import song_title
    from visualizer.audio_output import open_audio
    from visualizer.mapping import Mapping
    from visualizer.player import Player
    from visualizer.playlist import Playlist
    from visualizer.renderer import Renderer

    rng = random.Random(options.seed)
    playlist = Playlist.build(list(features), shuffle=options.shuffle, loop=options.loop, rng=rng)
    audio, audio_problem = open_audio(options.volume)
    closers = [audio.close]
    try:
        lookahead = (options.sync_offset_ms / 1000 if options.sync_offset_ms is not None
                     else audio.latency_s)
        renderer = Renderer(ctx, size, look.animation, look.mapping or Mapping(tuple(range(10))),
                            seed=options.seed or 0, parameters=look.parameters)
        closers.append(renderer.release)
        player = Player(renderer, audio, playlist, features.__getitem__, rng, lookahead, song_title)
        if look.preset is not None:
            player.apply_preset(look.preset.name, look.animation, look.mapping,
                                look.parameters, look.preset.overrides)
    except BaseException:
        while closers:
            closers.pop()()
        raise
    return PlayerParts(player, renderer, audio, audio_problem, closers)


class PlaySession:
    """A context manager: opens the window, the audio and the renderer; always releases them.

    Args:
        features: song path -> its Features, in playlist order.
        look: the first animation (and preset).
        options: window options.
        seed, sync_offset_ms, volume, shuffle, loop: see `PlayOptions`.
    """

    def __init__(self, features: dict[Path, Features], look: Look, options: WindowOptions, *,
                 seed: int | None = None, sync_offset_ms: float | None = None,
                 volume: float = 1.0, shuffle: bool = False, loop: bool = False) -> None:
        self.features = features
        self.look = look
        self.options = options
        self.play_options = PlayOptions(seed, sync_offset_ms, volume, shuffle, loop)
        self.seed = seed
        self.audio_problem: str | None = None

    def __enter__(self) -> "PlaySession":
        from visualizer.window import Window, open_window

        self.pygame, self.ctx, size = open_window(self.options)
        self._closers = [self.pygame.quit]
        try:
            parts = build_player(self.ctx, size, self.features, self.look, self.play_options)
            self._closers.append(parts.close)
            self.audio, self.audio_problem = parts.audio, parts.audio_problem
            self.renderer, self.player = parts.renderer, parts.player
            self.window = Window(self.pygame, self.ctx, size, self.player, self.options)
            self._closers.append(self.window.release)
            self.player.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        while self._closers:
            self._closers.pop()()
