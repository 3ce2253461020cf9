"""What the session loop needs from a front end: where pixels go and where input comes from.

A front end gives the GL context the renderer draws with and the picture size, turns its
input into actions (`visualizer.keys`) and shows frames. Everything else (pacing, song
time, --duration, --screenshot, quitting, the status line, cleanup) is the session's.
Subclass `FrontEnd` to inherit the defaults of the optional parts.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from encoder.errors import DavisError
from visualizer.renderer import Renderer
from visualizer.snapshot import Snapshot


class ActionFailed(DavisError):
    """A front end's own action could not be done; the session shows the message."""


class FrontEnd(Protocol):
    ctx: object                   # the moderngl.Context the renderer draws into
    fps_limit: int                # frames per second the session paces at (0: none)
    own_actions: frozenset[str] = frozenset()  # actions it does itself (the window: fullscreen)

    def size(self) -> tuple[int, int]:
        """The picture size in pixels now; the session resizes the renderer to follow it."""
        ...

    def poll(self, timeout_s: float) -> list[str]:
        """The actions of the input since the last call, waiting up to `timeout_s` first."""
        ...

    def present(self, renderer: Renderer, snapshot: Snapshot) -> None:
        """Show the renderer's last frame, with whatever of `snapshot` it shows."""
        ...

    def perform(self, action: str) -> str:
        """Do one of `own_actions`; returns the message to show.

        Raises:
            ActionFailed: with the message to show as an error.
        """
        raise ActionFailed(f"{action} is not available here")

    def screenshot(self) -> np.ndarray | None:
        """What it shows now as (height, width, 3) uint8 RGB, or None to save the renderer's
        picture alone."""
        return None

    def close(self) -> None:
        """Release what it opened (called once, after the renderer has been released)."""
        ...
