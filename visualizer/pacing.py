"""Frame pacing and frame-time statistics for the session loop."""

from __future__ import annotations

import time
from collections import deque
from typing import Callable

FRAME_HISTORY = 3600  # frame times kept for the HUD and the benchmarks
FPS_WINDOW = 30       # frames averaged for the fps shown


class Pacer:
    """At most `fps_limit` frames per second (0: no limit). A late frame moves the schedule
    on instead of making the next frames hurry to catch up."""

    def __init__(self, fps_limit: int, timer: Callable[[], float] = time.perf_counter) -> None:
        self.interval_s = 1.0 / fps_limit if fps_limit else 0.0
        self._timer = timer
        self._next = timer()

    def wait_s(self) -> float:
        """How long until the next frame is due (0 or less: now)."""
        return self._next - self._timer()

    def start_frame(self) -> None:
        self._next = max(self._next + self.interval_s, self._timer() - self.interval_s)


class FrameStats:
    """Time between frames shown, and the work of each frame (for the HUD and benchmarks)."""

    def __init__(self, timer: Callable[[], float] = time.perf_counter) -> None:
        self._timer = timer
        self.frame_times: deque[float] = deque(maxlen=FRAME_HISTORY)
        self.work_times: deque[float] = deque(maxlen=FRAME_HISTORY)
        self._last: float | None = None

    def record(self, work_started: float) -> None:
        """A frame was shown; its work began at `work_started` (same timer)."""
        now = self._timer()
        if self._last is not None:
            self.frame_times.append(now - self._last)
        self.work_times.append(now - work_started)
        self._last = now

    def fps(self) -> float:
        """Frames per second over the last `FPS_WINDOW` frames (0 before two frames)."""
        recent = list(self.frame_times)[-FPS_WINDOW:]
        total = sum(recent)
        return len(recent) / total if total > 0 else 0.0

    def clear(self) -> None:
        self.frame_times.clear()
        self.work_times.clear()
