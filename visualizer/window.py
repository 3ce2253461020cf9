"""The pygame window front end: shows the renderer's frames with the overlays, turns keys
into actions, and does fullscreen itself."""

from __future__ import annotations

import os
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np

from encoder.errors import DavisError
from visualizer.frontend import ActionFailed, FrontEnd
from visualizer.keys import KEY_ACTIONS, help_rows
from visualizer.overlay import (Fonts, OverlayRenderer, Panel, help_panel, hud_panel,
                                message_panel, title_panel)
from visualizer.renderer import Renderer
from visualizer.shaders import load_program
from visualizer.snapshot import Snapshot

HUD_REFRESH_S = 0.1
NO_VSYNC_FPS = 60  # the cap where the display cannot sync to its refresh (a virtual display)


class NoDisplay(DavisError):
    """No screen to open a window on."""


@dataclass(frozen=True)
class WindowOptions:
    windowed: bool = False
    size: tuple[int, int] | None = None  # None: 1280x720 windowed, the desktop fullscreen


def check_display() -> None:
    """Fail early, before any encoding, when there is no display to open a window on."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplay("no display available (DISPLAY is not set): use `davis play --terminal` "
                        "to play in the terminal, or `davis render` to make a video")


def open_window(options: WindowOptions, fps_limit: int | None = None,
                attempts: int = 3) -> "Window":
    """Open the OpenGL window. `fps_limit` None or 0: as fast as the display's vsync allows.

    A freshly mapped window occasionally has no current GL context yet on a loaded X server;
    opening it again is cheap, so a failure is retried before it is reported.
    """
    for attempt in range(attempts):
        try:
            return _open_window_once(options, fps_limit or 0)
        except NoDisplay:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def _open_window_once(options: WindowOptions, fps_limit: int) -> "Window":
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import moderngl
    import pygame

    try:
        pygame.display.init()
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_MAJOR_VERSION, 3)
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_MINOR_VERSION, 3)
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_PROFILE_MASK,
                                        pygame.GL_CONTEXT_PROFILE_CORE)
        if options.windowed:
            size = options.size or (1280, 720)
            flags = pygame.OPENGL | pygame.DOUBLEBUF | pygame.RESIZABLE
        else:
            size = options.size or pygame.display.get_desktop_sizes()[0]
            flags = pygame.OPENGL | pygame.DOUBLEBUF | pygame.FULLSCREEN
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pygame.display.set_mode(size, flags, vsync=1 if fps_limit == 0 else 0)
        if fps_limit == 0 and any("vsync" in str(w.message) for w in caught):
            fps_limit = NO_VSYNC_FPS
        pygame.display.set_caption("davis")
        ctx = moderngl.create_context()
    except (pygame.error, moderngl.Error, Exception) as error:  # SDL and GL report many ways
        pygame.display.quit()
        raise NoDisplay(f"cannot open an OpenGL window ({error}); use `davis render` instead") from None
    try:
        return Window(pygame, ctx, pygame.display.get_window_size(),
                      fullscreen=not options.windowed, fps_limit=fps_limit)
    except BaseException:
        pygame.quit()
        raise


class Window(FrontEnd):
    """The window around an open pygame display and its GL context (see `open_window`)."""

    own_actions = frozenset({"fullscreen"})

    def __init__(self, pygame, ctx, size: tuple[int, int], *, fullscreen: bool,
                 fps_limit: int) -> None:
        self.pygame = pygame
        self.ctx = ctx
        self.fps_limit = fps_limit
        self.fullscreen = fullscreen
        self._size = size
        self.blit = load_program(ctx, "common/blit.glsl")
        self.blit_vao = ctx.vertex_array(self.blit, [])
        self.overlay = OverlayRenderer(ctx)
        self.fonts = Fonts(size[1])
        self._panels: dict[str, Panel] = {}
        self._panel_text: dict[str, object] = {}
        self._hud_at = 0.0
        self._shown: tuple[Renderer, Snapshot] | None = None

    def size(self) -> tuple[int, int]:
        return self._size

    # --- input ---

    def poll(self, timeout_s: float) -> list[str]:
        if timeout_s > 0:
            time.sleep(timeout_s)
        pygame = self.pygame
        actions = []
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                actions.append("quit")
            elif event.type == pygame.KEYDOWN:
                action = KEY_ACTIONS.get(self._key_name(event.key))
                if action is not None:
                    actions.append(action)
            elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self._resized(pygame.display.get_window_size())
        return actions

    def _key_name(self, key: int) -> str | None:
        """A pygame key code as a `KEY_ACTIONS` key name."""
        pygame = self.pygame
        special = {pygame.K_SPACE: "space", pygame.K_LEFT: "left", pygame.K_RIGHT: "right",
                   pygame.K_UP: "up", pygame.K_DOWN: "down", pygame.K_PAGEDOWN: "page down",
                   pygame.K_PAGEUP: "page up", pygame.K_F1: "f1", pygame.K_F11: "f11",
                   pygame.K_ESCAPE: "escape"}
        if key in special:
            return special[key]
        return chr(key) if 32 < key < 127 else None  # letters and digits: their ASCII codes

    def perform(self, action: str) -> str:
        """Fullscreen on / off (the only action of its own)."""
        try:
            self.pygame.display.toggle_fullscreen()
        except self.pygame.error as error:
            raise ActionFailed(f"Fullscreen unavailable: {error}") from None
        self.fullscreen = not self.fullscreen
        self._resized(self.pygame.display.get_window_size())
        return "Fullscreen" if self.fullscreen else "Windowed"

    def _resized(self, size: tuple[int, int]) -> None:
        size = (max(1, size[0]), max(1, size[1]))
        if size == self._size:
            return
        self._size = size
        self.fonts = Fonts(size[1])
        self._panels.clear()
        self._panel_text.clear()

    # --- output ---

    def present(self, renderer: Renderer, snapshot: Snapshot) -> None:
        self._shown = (renderer, snapshot)
        self._draw()
        self.pygame.display.flip()

    def screenshot(self) -> np.ndarray | None:
        """What the window shows (visuals and overlays)."""
        if self._shown is None:
            return None
        self._draw()  # the back buffer is undefined after a flip: draw it again
        width, height = self._size
        data = self.ctx.screen.read(viewport=(0, 0, width, height), components=3, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1]

    def _draw(self) -> None:
        import moderngl

        renderer, snapshot = self._shown
        self.ctx.screen.use()
        self.ctx.viewport = (0, 0, *self._size)
        self.ctx.disable(moderngl.DEPTH_TEST)
        renderer.texture.use(0)
        self.blit_vao.render(moderngl.TRIANGLES, vertices=3)
        panels = self._current_panels(snapshot)
        if panels:
            self.overlay.draw(panels, self._size)

    def _panel(self, key: str, content, build) -> Panel:
        """The panel for `key`, rebuilt only when its content changes."""
        if self._panel_text.get(key) != content or key not in self._panels:
            self._panels[key] = build()
            self._panel_text[key] = content
        return self._panels[key]

    def _current_panels(self, snapshot: Snapshot) -> list[Panel]:
        fonts, size = self.fonts, self._size
        panels = [self._panel("title", m.text, lambda m=m: title_panel(m.text, fonts, size))
                  for m in snapshot.titles()]
        for index, message in enumerate(snapshot.notices()):
            panels.append(self._panel(
                f"message{index}", (message.text, message.kind),
                lambda m=message, i=index: message_panel(m.text, m.kind, fonts, size, i)))
        if snapshot.hud:
            now = time.perf_counter()
            if now - self._hud_at > HUD_REFRESH_S or "hud" not in self._panels:
                self._hud_at = now
                self._panels["hud"] = hud_panel(snapshot, fonts)
            panels.append(self._panels["hud"])
        if snapshot.help:
            panels.append(self._panel("help", size, lambda: help_panel(
                help_rows(self.own_actions), fonts, size)))
        return panels

    def close(self) -> None:
        self.overlay.release()
        self.blit_vao.release()
        self.blit.release()
        self.pygame.quit()
