"""The one-line status the session keeps up to date on stderr while a window plays."""

from __future__ import annotations

import sys
from typing import TextIO

from visualizer.snapshot import Snapshot

REFRESH_S = 0.25


def status_text(snapshot: Snapshot) -> str:
    """"▶ Song  0:12/3:20  kaleidoscope  60 fps"."""
    state = "⏸" if snapshot.paused else "▶"
    return (f"{state} {snapshot.title}  {snapshot.clock()}  {snapshot.animation}  "
            f"{snapshot.fps:.0f} fps")


class StatusLine:
    """Rewrites one terminal line in place, at most every `REFRESH_S` seconds."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._shown_at: float | None = None

    def show(self, snapshot: Snapshot, now: float) -> None:
        if not self.enabled or (self._shown_at is not None
                                and now - self._shown_at < REFRESH_S):
            return
        self._shown_at = now
        self.stream.write(f"\r\x1b[2K{status_text(snapshot)}")
        self.stream.flush()

    def clear(self) -> None:
        """Leave the terminal line empty (when anything was written)."""
        if self._shown_at is not None:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown_at = None
