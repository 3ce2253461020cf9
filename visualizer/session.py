"""Everything a play session holds, opened and closed in one place (window, GL, audio)."""

from __future__ import annotations

import random
from dataclasses import dataclass
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


class PlaySession:
    """A context manager: opens the window, the audio and the renderer; always releases them.

    Args:
        features: song path -> its Features, in playlist order.
        look: the first animation (and preset).
        options: window options.
        seed: random seed for mappings and shuffling (None: a fresh one).
        sync_offset_ms: look-ahead override; None derives it from the audio output.
        volume: 0..1.
    """

    def __init__(self, features: dict[Path, Features], look: Look, options: WindowOptions, *,
                 seed: int | None = None, sync_offset_ms: float | None = None,
                 volume: float = 1.0, shuffle: bool = False, loop: bool = False) -> None:
        self.features = features
        self.look = look
        self.options = options
        self.seed = seed
        self.sync_offset_ms = sync_offset_ms
        self.volume = volume
        self.shuffle = shuffle
        self.loop = loop
        self.audio_problem: str | None = None

    def __enter__(self) -> "PlaySession":
        from encoder.audio import song_title
        from visualizer.audio_output import open_audio
        from visualizer.mapping import Mapping
        from visualizer.player import Player
        from visualizer.playlist import Playlist
        from visualizer.renderer import Renderer
        from visualizer.window import Window, open_window

        rng = random.Random(self.seed)
        playlist = Playlist.build(list(self.features), shuffle=self.shuffle, loop=self.loop, rng=rng)
        self.pygame, self.ctx, size = open_window(self.options)
        self._closers = [self.pygame.quit]
        self.audio, self.audio_problem = open_audio(self.volume)
        self._closers.append(self.audio.close)
        lookahead = (self.sync_offset_ms / 1000 if self.sync_offset_ms is not None
                     else self.audio.latency_s)
        look = self.look
        self.renderer = Renderer(self.ctx, size, look.animation,
                                 look.mapping or Mapping(tuple(range(10))),
                                 seed=self.seed or 0, parameters=look.parameters)
        self._closers.append(self.renderer.release)
        self.player = Player(self.renderer, self.audio, playlist, self.features.__getitem__, rng,
                             lookahead, song_title)
        self.window = Window(self.pygame, self.ctx, size, self.player, self.options)
        self._closers.append(self.window.release)
        if look.preset is not None:
            self.player.apply_preset(look.preset.name, look.animation, look.mapping,
                                     look.parameters, look.preset.overrides)
        self.player.start()
        return self

    def __exit__(self, *exc_info) -> None:
        while self._closers:
            self._closers.pop()()
