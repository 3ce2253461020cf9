"""The player with a live input instead of songs: the same keys, HUD, presets and mappings;
what needs a song (seeking, the next song, pause, volume) says it is not available live."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from visualizer.clock import WallClock
from visualizer.mapping import Mapping
from visualizer.player import Player
from visualizer.snapshot import Snapshot

NOT_LIVE = ("seek back", "seek forward", "next song", "previous song", "pause",
            "volume up", "volume down", "mute")
PROBLEM_S = 3600.0  # a capture problem stays on screen until capture resumes


class LiveClock(WallClock):
    """The session's clock for a live input: wall time; never finished, no sound of its own."""

    latency_s = 0.0
    volume = 1.0
    muted = False

    def finished(self) -> bool:
        return False

    def load(self, path, duration_s: float) -> None:
        pass

    def set_volume(self, volume: float) -> None:
        pass

    def set_muted(self, muted: bool) -> None:
        pass

    def close(self) -> None:
        pass


class LivePlayer(Player):
    """`Player` driven by a `LiveSource`; `frame()` pumps the input, then renders.

    Args:
        osc: an `visualizer.live.osc.OscSender` that gets every frame's features, if any.
        report: also prints capture problems (and recoveries) there, once each: the terminal
            that started a window session.
    """

    def __init__(self, renderer, source, rng: random.Random, clock: LiveClock, *,
                 osc=None, report: Callable[[str], None] | None = None,
                 autopilot=None, looks=None) -> None:
        super().__init__(renderer, clock, playlist=None, features_for=None, rng=rng,
                         lookahead_s=0.0, autopilot=autopilot, looks=looks, report=report)
        self.source = source
        self.osc = osc
        self._shown_problem: str | None = None
        self._shown_osc_problem: str | None = None

    def start(self) -> None:
        mapping = None if self.state.locked else Mapping.random(self.rng)
        from visualizer.scenes.inputs import LiveSamples

        self.renderer.set_features(self.source.features, mapping,
                                   samples=LiveSamples(self.source))
        self.title = self.source.device_name
        self.notify(f"Live: {self.title}", kind="title", seconds=4.0)

    def frame(self) -> None:
        self.source.pump()
        self._show_problem(self.source.problem)
        if self.osc is not None:
            self._send_osc()
        time_s = self.song_time_s()
        self.run_autopilot(self.source.features, time_s)
        self.scene_watch.check(self.renderer)
        self.renderer.render(time_s)

    def _send_osc(self) -> None:
        from visualizer.live.osc import PULSE_DECAY_S

        features = self.source.features
        self.osc.send(features.blur(1), features.pulse(PULSE_DECAY_S), self.source.level_db)
        if self.osc.problem != self._shown_osc_problem:
            self._shown_osc_problem = self.osc.problem
            if self.osc.problem is not None:
                self.notify(self.osc.problem, kind="error")

    def _show_problem(self, problem: str | None) -> None:
        if problem == self._shown_problem:
            return
        self._shown_problem = problem
        self.state.messages = [m for m in self.state.messages if m.kind != "error"]
        if problem is None:
            text = self.notify(f"Capturing {self.source.device_name} again")
        else:
            text = self.notify(f"{problem}; retrying", kind="error", seconds=PROBLEM_S)
        if self.report is not None:
            self.report(text)

    def now(self, fps: float = 0.0) -> Snapshot:
        snapshot = super().now(fps)
        return replace(snapshot, input_level_db=self.source.level_db, paused=False)

    def perform(self, action: str) -> str | None:
        if action in NOT_LIVE:
            return self.notify(f"{action.capitalize()}: not available live")
        return super().perform(action)


def build_live_parts(source, ctx, size: tuple[int, int], look, options, *, osc=None,
                     report: Callable[[str], None] | None = None):
    """The `PlayerParts` of a live session (for `Session(build=...)`): renderer and
    `LivePlayer` over `source` (`osc`, `report`: as `LivePlayer`'s), with the first look
    applied; closing releases the renderer and stops the capture."""
    from visualizer.looks import LookChooser
    from visualizer.renderer import Renderer
    from visualizer.session import PlayerParts
    from visualizer.transitions import PLAYER_OUTGOING_EVERY

    rng = random.Random(options.seed)
    clock = LiveClock()
    renderer = Renderer(ctx, size, look.animation, look.mapping or Mapping(tuple(range(10))),
                        seed=options.seed or 0, parameters=look.parameters,
                        transition=options.transition,
                        outgoing_every=PLAYER_OUTGOING_EVERY)
    player = LivePlayer(renderer, source, rng, clock, osc=osc, report=report,
                        autopilot=options.autopilot.autopilot(),
                        looks=LookChooser(rng, options.autopilot.presets,
                                          options.autopilot.in_order))
    if look.preset is not None:
        player.apply_preset(look.preset.name, look.animation, look.mapping, look.parameters,
                            look.preset.overrides)
    closers = [source.close, renderer.release] + ([osc.close] if osc is not None else [])
    return PlayerParts(player, renderer, clock, None, closers)
