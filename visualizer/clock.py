"""Song-time clocks. The renderer asks one question, "what time is it in the song?", and the
audio, wall-clock and fixed-step (video) clocks answer it interchangeably."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    paused: bool

    def time_s(self) -> float: ...
    def pause(self, paused: bool) -> None: ...
    def seek(self, time_s: float) -> None: ...


class WallClock:
    """Song time from the wall clock: for silent playback and tests."""

    def __init__(self, start_s: float = 0.0, timer=time.perf_counter) -> None:
        self._timer = timer
        self._origin_s = start_s
        self._started = timer()
        self.paused = False

    def time_s(self) -> float:
        if self.paused:
            return self._origin_s
        return self._origin_s + (self._timer() - self._started)

    def pause(self, paused: bool) -> None:
        if paused != self.paused:
            self._origin_s = self.time_s()
            self._started = self._timer()
            self.paused = paused

    def seek(self, time_s: float) -> None:
        self._origin_s = max(0.0, time_s)
        self._started = self._timer()


class FixedStepClock:
    """Frame i shows start + i / fps exactly: for video rendering."""

    def __init__(self, fps: float, start_s: float = 0.0) -> None:
        self.fps = fps
        self.start_s = start_s
        self.frame_index = 0
        self.paused = False

    def time_s(self) -> float:
        return self.start_s + self.frame_index / self.fps

    def advance(self) -> None:
        self.frame_index += 1

    def pause(self, paused: bool) -> None:
        self.paused = paused

    def seek(self, time_s: float) -> None:
        self.start_s, self.frame_index = time_s, 0
