"""The running scene, watched while playing: reloaded when its files are saved, and a warning
when its frames take far longer than the frame budget.

Saves are found by polling the scene's two files (mtime and size) a few times a second: no
watcher thread, and it works the same on every file system (network and container mounts
included, where inotify events may never come). A save is picked up within `POLL_S`.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from typing import Callable

from encoder.errors import DavisError
from visualizer.scenes import scene_changed
from visualizer.scenes.catalogue import file_signature, scene_files

POLL_S = 0.25
ERROR_S = 3600.0          # a failed reload stays on screen until fixed (or another look)
SWITCH_ERROR_S = 8.0      # a scene that could not be switched to: the look did not change
BUDGET_S = 1.0 / 60.0
SLOW_FACTOR = 4.0         # warn when the median frame takes this many budgets
SLOW_FRAMES = 30          # ...over this many frames
SLOW_NOTICE_S = 6.0


class SceneWatch:
    """Call `check(renderer)` once per frame.

    Args:
        notify: shows a message on screen: notify(text, kind, seconds) -> text.
        clear_errors: takes the error messages off the screen (the scene works again).
        report: prints a line in the terminal that started the player (None: nowhere);
            each error is printed once.
    """

    def __init__(self, notify: Callable[..., str], clear_errors: Callable[[], None],
                 report: Callable[[str], None] | None = None,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self.notify = notify
        self.clear_errors = clear_errors
        self.report = report
        self.timer = timer
        self._next_poll = 0.0
        self._failed: tuple | None = None     # the files' signature whose reload failed
        self._frames: deque[float] = deque(maxlen=SLOW_FRAMES)
        self._last_frame: float | None = None
        self._watched: object | None = None   # the animation the frame times belong to
        self._warned = False
        self.errors_reported: list[str] = []

    def failed(self, error: DavisError, seconds: float = SWITCH_ERROR_S) -> str:
        """A scene could not be shown (switching to it, or reloading it): say so on screen
        and, once per message, in the terminal."""
        text = self.notify(str(error), kind="error", seconds=seconds)
        if text not in self.errors_reported:
            self.errors_reported.append(text)
            if self.report is not None:
                self.report(text)
        return text

    def check(self, renderer) -> None:
        now = self.timer()
        animation = renderer.animation
        scene_type = type(animation)
        if animation is not self._watched and self._failed is not None:
            self._failed = None  # another look now: the broken version's error goes
            self.clear_errors()
        if getattr(scene_type, "scene", None) is None:
            self._watched = None
            return
        self._time_frames(animation, now)
        if now < self._next_poll:
            return
        self._next_poll = now + POLL_S
        if not scene_changed(scene_type):
            return
        try:
            signature = file_signature(*scene_files(scene_type.scene.source))
        except DavisError:
            signature = None
        if signature is not None and signature == self._failed:
            return  # this version already failed: wait for the next save
        try:
            renderer.reload_animation()
        except DavisError as error:
            self._failed = signature
            self.failed(error, seconds=ERROR_S)
            return
        self._failed = None
        self.errors_reported.clear()  # the same mistake made again is printed again
        self.clear_errors()
        self.notify(f"Reloaded scene {renderer.animation_name}")

    def _time_frames(self, animation, now: float) -> None:
        if animation is not self._watched:
            self._watched, self._last_frame, self._warned = animation, None, False
            self._frames.clear()
        if self._last_frame is not None:
            self._frames.append(now - self._last_frame)
        self._last_frame = now
        if self._warned or len(self._frames) < SLOW_FRAMES:
            return
        median = statistics.median(self._frames)
        if median > SLOW_FACTOR * BUDGET_S:
            self._warned = True
            self.notify(f"Scene {animation.name} is slow: {median * 1000:.0f} ms a frame (budget "
                        f"{BUDGET_S * 1000:.0f} ms); try a smaller window", kind="error",
                        seconds=SLOW_NOTICE_S)
