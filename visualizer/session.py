"""One play session, whatever the front end: the loop, and everything it opens and closes.

`Session` takes a front end (`visualizer.frontend`: the pygame window, the terminal), builds
the playlist, the audio, the renderer and the `Player` on the front end's GL context, and
runs the loop: wait for the frame's turn while handling input, render, present, and stop on
quit, at the end of the playlist or at --duration. It saves --screenshot and releases
everything, in reverse order, however the loop ends.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from encoder.features import Features
from visualizer.clock import Clock
from visualizer.frontend import ActionFailed, FrontEnd
from visualizer.looks import Look
from visualizer.pacing import FrameStats, Pacer
from visualizer.player import Player
from visualizer.renderer import Renderer
from visualizer.status_line import StatusLine
from visualizer.autopilot import AutopilotSettings
from visualizer.transitions import PLAYER_OUTGOING_EVERY, TransitionSettings

__all__ = ["Look", "PlayOptions", "PlayerParts", "Session", "build_player"]


@dataclass(frozen=True)
class PlayOptions:
    """How to play, whatever the front end (the `davis play` options).

    seed: random seed for the mappings (None: a fresh one).
    sync_offset_ms: look-ahead override; None derives it from the audio output.
    volume: 0..1.
    fps_limit: frames per second at most; None: the front end's default (read by the front
        end when it opens: the window's refresh rate, 30 in the terminal).
    duration_s: quit once the song clock reaches this (for scripts).
    screenshot: save the last frame shown as PNG on quitting.
    status_line: keep a one-line status up to date on stderr.
    transition: how changes of look blend (`visualizer.transitions.TransitionSettings`).
    autopilot: `--cycle`, `--cycle-presets`, `--favourites` (`AutopilotSettings`).
    report: prints problems the user must not miss (a scene that fails to compile) in the
        terminal that started a window session; None for the terminal front end.
    """

    seed: int | None = None
    sync_offset_ms: float | None = None
    volume: float = 1.0
    loop: bool = False
    fps_limit: int | None = None
    duration_s: float | None = None
    screenshot: Path | None = None
    transition: TransitionSettings = field(default_factory=TransitionSettings)
    autopilot: AutopilotSettings = field(default_factory=AutopilotSettings)
    status_line: bool = False
    report: Callable[[str], None] | None = None


@dataclass
class PlayerParts:
    """What `build_player` opened; `close()` releases it in reverse order."""

    player: Player
    renderer: Renderer
    audio: object                # MixerAudio or SilentAudio (an AudioOutput)
    audio_problem: str | None    # why there is no sound, if there is none
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()


def build_player(ctx, size: tuple[int, int], features: dict[Path, Features], look: Look,
                 options: PlayOptions) -> PlayerParts:
    """The playlist, the audio, the renderer (drawing into `ctx` at `size` pixels) and the
    `Player` around them, with the first look applied. The song starts on `player.start()`."""
    from encoder.audio import song_title
    from visualizer.audio_output import open_audio
    from visualizer.looks import LookChooser
    from visualizer.mapping import Mapping
    from visualizer.playlist import Playlist

    rng = random.Random(options.seed)
    playlist = Playlist(list(features), options.loop)  # `features` is in the play order
    audio, audio_problem = open_audio(options.volume)
    closers = [audio.close]
    try:
        lookahead = (options.sync_offset_ms / 1000 if options.sync_offset_ms is not None
                     else audio.latency_s)
        renderer = Renderer(ctx, size, look.animation, look.mapping or Mapping(tuple(range(10))),
                            seed=options.seed or 0, parameters=look.parameters,
                            transition=options.transition,
                            outgoing_every=PLAYER_OUTGOING_EVERY)
        closers.append(renderer.release)
        player = Player(renderer, audio, playlist, features.__getitem__, rng, lookahead,
                        song_title, autopilot=options.autopilot.autopilot(), report=options.report,
                        looks=LookChooser(rng, options.autopilot.presets,
                                          options.autopilot.in_order),
                        is_ready=getattr(features, "is_ready", None))
        if look.preset is not None:
            player.apply_preset(look.preset.name, look.animation, look.mapping,
                                look.parameters, look.preset.overrides)
    except BaseException:
        while closers:
            closers.pop()()
        raise
    return PlayerParts(player, renderer, audio, audio_problem, closers)


class Session:
    """A context manager around one play session; `run()` plays until it ends.

    Args:
        frontend: where frames go and input comes from; the session closes it.
        features: song path -> its Features, in playlist order.
        look: the first animation (and preset).
        options: see `PlayOptions`.
        build: makes the player's parts (ctx, size, look, options) -> PlayerParts; by
            default `build_player` over `features` (`davis live` gives its own).
    """

    def __init__(self, frontend: FrontEnd, features: dict[Path, Features], look: Look,
                 options: PlayOptions,
                 build: Callable[..., PlayerParts] | None = None) -> None:
        self.frontend = frontend
        self.features = features
        self.look = look
        self.options = options
        self._build = build or (lambda ctx, size, look, options:
                                build_player(ctx, size, features, look, options))
        self.pacer = Pacer(frontend.fps_limit)
        self.stats = FrameStats()
        self.status = StatusLine(options.status_line)
        self.running = True
        self.audio_problem: str | None = None
        self._parts: PlayerParts | None = None

    def __enter__(self) -> "Session":
        try:
            self._parts = self._build(self.frontend.ctx, self.frontend.size(), self.look,
                                      self.options)
            self.player, self.renderer = self._parts.player, self._parts.renderer
            self.clock: Clock = self._parts.audio
            self.audio_problem = self._parts.audio_problem
            self.player.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Release the renderer and the audio, then the front end."""
        if self._parts is not None:
            self._parts.close()
            self._parts = None
        if self.frontend is not None:
            self.frontend.close()
            self.frontend = None

    # --- the loop ---

    def run(self) -> None:
        """Show frames until the user quits, the playlist ends or --duration is reached."""
        try:
            while self.step():
                pass
        finally:
            if self.options.screenshot:
                self.save_screenshot(self.options.screenshot)
            self.status.clear()

    def step(self) -> bool:
        """One frame: input while waiting for its turn, render, show. False once the session
        should end."""
        self._wait_for_turn()
        if not self.running:
            return False
        started = time.perf_counter()
        size = self.frontend.size()
        if size != self.renderer.size:
            self.renderer.resize(size)
        self.player.frame()
        if self.player.finished:
            return False
        snapshot = self.player.now(self.stats.fps())
        self.frontend.present(self.renderer, snapshot)
        self.stats.record(started)
        self.status.show(snapshot, time.perf_counter())
        return self.options.duration_s is None or self.clock.time_s() < self.options.duration_s

    def _wait_for_turn(self) -> None:
        while self.running:
            wait_s = self.pacer.wait_s()
            if wait_s <= 0:
                break
            self.perform(self.frontend.poll(wait_s))
        self.pacer.start_frame()
        self.perform(self.frontend.poll(0.0))

    def perform(self, actions: list[str]) -> None:
        """Quit, the front end's own actions, or the player's."""
        for action in actions:
            if action == "quit":
                self.running = False
            elif action in self.frontend.own_actions:
                try:
                    self.player.notify(self.frontend.perform(action))
                except ActionFailed as error:
                    self.player.notify(str(error), kind="error")
            else:
                self.player.perform(action)

    def save_screenshot(self, path: Path) -> None:
        """What the front end shows (or the picture alone) as a PNG."""
        from visualizer.png import save_png

        pixels = self.frontend.screenshot()
        save_png(self.renderer.read_rgb() if pixels is None else pixels, path)
