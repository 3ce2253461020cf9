"""The terminal front end: frames drawn with half blocks, keys read from the terminal.

The renderer draws offscreen through the process's EGL context (`visualizer.gl`); the
pygame display is never opened (GLX after EGL ends the process). The terminal is taken over
(`TerminalScreen`) on the first frame, so that what is printed before, such as a missing
audio device, stays readable, and given back on `close`.
"""

from __future__ import annotations

from contextlib import ExitStack

from visualizer.frontend import FrontEnd
from visualizer.gl import offscreen_context
from visualizer.keys import KEY_ACTIONS
from visualizer.renderer import Renderer
from visualizer.snapshot import Snapshot
from visualizer.terminal.screen import TerminalScreen
from visualizer.terminal.view import TerminalView, announces_truecolor, picture_size

DEFAULT_FPS = 30
TERMINAL_KEYS = {**KEY_ACTIONS, "ctrl-c": "quit"}  # Ctrl-C reaches us as a key without ISIG


class TerminalFrontEnd(FrontEnd):
    """`davis play --terminal`. The screenshot is the picture alone (the default).

    Args:
        out_fd, in_fd: the terminal (in_fd None: no keys).
        fps_limit: frames per second at most (None: 30; 0: no cap).
        truecolor: 24-bit colour, else 256 colours (None: as COLORTERM says).
    """

    def __init__(self, out_fd: int = 1, in_fd: int | None = 0, *, fps_limit: int | None = None,
                 truecolor: bool | None = None) -> None:
        self.out_fd = out_fd
        self.fps_limit = DEFAULT_FPS if fps_limit is None else fps_limit
        self.screen = TerminalScreen(out_fd, in_fd)
        self.view = TerminalView(announces_truecolor() if truecolor is None else truecolor)
        self.ctx = offscreen_context()
        self._taken: ExitStack | None = None  # holds the screen once taken over

    def size(self) -> tuple[int, int]:
        cells = self.screen.size()
        if cells != self.view.terminal_size:
            self.view.resize(*cells)
        return picture_size(*cells)

    def poll(self, timeout_s: float) -> list[str]:
        self._take_terminal()
        keys = self.screen.read_keys(max(timeout_s, 0.0))
        return [TERMINAL_KEYS[key] for key in keys if key in TERMINAL_KEYS]

    def present(self, renderer: Renderer, snapshot: Snapshot) -> None:
        self._take_terminal()
        if self.screen.redraw:  # a fresh or resumed screen
            self.view.invalidate()
            self.screen.redraw = False
        self.screen.write(self.view.draw(renderer.read_rgb(), snapshot))

    def _take_terminal(self) -> None:
        if self._taken is None:
            self._taken = ExitStack()
            self._taken.enter_context(self.screen)

    def close(self) -> None:
        if self._taken is not None:
            self._taken.close()
