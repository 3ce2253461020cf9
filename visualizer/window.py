"""The pygame window: shows the renderer's frames, draws the overlays, turns keys into actions."""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from encoder.errors import DavisError
from visualizer.overlay import (Fonts, OverlayRenderer, Panel, help_panel, hud_panel,
                                message_panel, title_panel)
from visualizer.player import KEY_ACTIONS, Player, format_time
from visualizer.shaders import load_program

HUD_REFRESH_S = 0.1
STATUS_REFRESH_S = 0.25
FRAME_HISTORY = 3600  # frame times kept for the HUD and benchmarks


class NoDisplay(DavisError):
    """No screen to open a window on."""


@dataclass
class WindowOptions:
    windowed: bool = False
    size: tuple[int, int] | None = None
    fps_limit: int = 0           # 0: as fast as the display's vsync allows
    duration_s: float | None = None
    screenshot: Path | None = None
    status_line: bool = True


def check_display() -> None:
    """Fail early, before any encoding, when there is no display to open a window on."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        raise NoDisplay("no display available (DISPLAY is not set): use `davis play --terminal` "
                        "to play in the terminal, or `davis render` to make a video")


def open_window(options: WindowOptions, attempts: int = 3):
    """Create the OpenGL window; returns (pygame module, moderngl context, size).

    A freshly mapped window occasionally has no current GL context yet on a loaded X server;
    opening it again is cheap, so a failure is retried before it is reported.
    """
    for attempt in range(attempts):
        try:
            return _open_window_once(options)
        except NoDisplay:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)


def _open_window_once(options: WindowOptions):
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
            pygame.display.set_mode(size, flags, vsync=1 if options.fps_limit == 0 else 0)
        if options.fps_limit == 0 and any("vsync" in str(w.message) for w in caught):
            # No vsync (e.g. a virtual display): cap at a typical display refresh rate instead.
            options.fps_limit = 60
        pygame.display.set_caption("davis")
        ctx = moderngl.create_context()
    except (pygame.error, moderngl.Error, Exception) as error:  # SDL and GL report many ways
        pygame.display.quit()
        raise NoDisplay(f"cannot open an OpenGL window ({error}); use `davis render` instead") from None
    return pygame, ctx, pygame.display.get_window_size()


class Window:
    """The window front end around a `Player`."""

    def __init__(self, pygame, ctx, size: tuple[int, int], player: Player,
                 options: WindowOptions) -> None:
        self.pygame = pygame
        self.ctx = ctx
        self.size = size
        self.player = player
        self.options = options
        self.fullscreen = not options.windowed
        self.blit = load_program(ctx, "common/blit.glsl")
        self.blit_vao = ctx.vertex_array(self.blit, [])
        self.overlay = OverlayRenderer(ctx)
        self.fonts = Fonts(size[1])
        self._panels: dict[str, Panel] = {}
        self._panel_text: dict[str, object] = {}
        self._hud_at = 0.0
        self._status_at = 0.0
        self.frame_times: deque[float] = deque(maxlen=FRAME_HISTORY)
        self.python_times: deque[float] = deque(maxlen=FRAME_HISTORY)
        self.running = True
        self._clock = pygame.time.Clock()
        self._last_frame: float | None = None

    # --- the loop ---

    def run(self) -> None:
        """Show frames until the user quits, the playlist ends or --duration is reached."""
        try:
            while self.step():
                pass
        finally:
            if self.options.screenshot:
                self.save_screenshot(self.options.screenshot)
            self._end_status_line()

    def step(self) -> bool:
        """One frame: input, render, show. False once the window should close."""
        started = time.perf_counter()
        self._handle_events()
        if not self.running:
            return False
        self.player.frame()
        if self.player.state.finished:
            return False
        self._draw()
        python_done = time.perf_counter()
        self.pygame.display.flip()
        if self.options.fps_limit:
            self._clock.tick(self.options.fps_limit)
        now = time.perf_counter()
        if self._last_frame is not None:
            self.frame_times.append(now - self._last_frame)
        self.python_times.append(python_done - started)
        self._last_frame = now
        self._status_line(now)
        return (self.options.duration_s is None
                or self.player.song_time_s() < self.options.duration_s)

    def _draw(self) -> None:
        import moderngl

        screen = self.ctx.screen
        screen.use()
        self.ctx.viewport = (0, 0, *self.size)
        self.ctx.disable(moderngl.DEPTH_TEST)
        self.player.renderer.texture.use(0)
        self.blit_vao.render(moderngl.TRIANGLES, vertices=3)
        panels = self._current_panels()
        if panels:
            self.overlay.draw(panels, self.size)

    # --- overlays ---

    def _panel(self, key: str, content, build) -> Panel:
        """The panel for `key`, rebuilt only when its content changes."""
        if self._panel_text.get(key) != content or key not in self._panels:
            self._panels[key] = build()
            self._panel_text[key] = content
        return self._panels[key]

    def _current_panels(self) -> list[Panel]:
        player, fonts, size = self.player, self.fonts, self.size
        panels = []
        messages = player.visible_messages()
        for message in messages:
            if message.kind == "title":
                panels.append(self._panel("title", message.text,
                                          lambda m=message: title_panel(m.text, fonts, size)))
        others = [m for m in messages if m.kind != "title"]
        for index, message in enumerate(others[-3:]):
            panels.append(self._panel(f"message{index}", (message.text, message.kind),
                                      lambda m=message, i=index: message_panel(m.text, m.kind, fonts, size, i)))
        if player.state.hud:
            now = time.perf_counter()
            if now - self._hud_at > HUD_REFRESH_S or "hud" not in self._panels:
                self._hud_at = now
                self._panels["hud"] = hud_panel(self.hud_info(), fonts)
            panels.append(self._panels["hud"])
        if player.state.help:
            panels.append(self._panel("help", size, lambda: help_panel(fonts, size)))
        return panels

    def hud_info(self) -> dict:
        player = self.player
        renderer = player.renderer
        recent = list(self.frame_times)[-30:] or [1 / 60]
        frame_s = sum(recent) / len(recent)
        song_time = player.song_time_s()
        features = renderer.feature_values(song_time + player.lookahead_s)
        duration = player.features.duration_s if player.features else 0.0
        assignment = renderer.mapping.assignment(renderer.parameters)
        return {
            "fps": 1 / max(frame_s, 1e-6), "frame_ms": frame_s * 1000,
            "time": f"{format_time(song_time)} / {format_time(duration)}",
            "animation": renderer.animation_name, "locked": player.state.locked,
            "table": [(name, assignment[name], renderer.values.get(name, 0.0)) for name in assignment],
            "features": [0.0] * 10 if features is None else list(features),
            "preset": player.state.preset_name,
        }

    # --- input ---

    def _handle_events(self) -> None:
        pygame = self.pygame
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.running = False
            elif event.type == pygame.KEYDOWN:
                self.on_key(event.key)
            elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self.resize(pygame.display.get_window_size())

    def on_key(self, key: int) -> None:
        action = KEY_ACTIONS.get(self._key_name(key))
        if action == "quit":
            self.running = False
        elif action == "fullscreen":
            self.toggle_fullscreen()
        elif action is not None:
            self.player.perform(action)

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

    def toggle_fullscreen(self) -> str:
        try:
            self.pygame.display.toggle_fullscreen()
        except self.pygame.error as error:
            return self.player.notify(f"Fullscreen unavailable: {error}", kind="error")
        self.fullscreen = not self.fullscreen
        self.resize(self.pygame.display.get_window_size())
        return self.player.notify("Fullscreen" if self.fullscreen else "Windowed")

    def resize(self, size: tuple[int, int]) -> None:
        size = (max(1, size[0]), max(1, size[1]))
        if size == self.size:
            return
        self.size = size
        self.player.renderer.resize(size)
        self.fonts = Fonts(size[1])
        self._panels.clear()
        self._panel_text.clear()

    # --- output ---

    def save_screenshot(self, path: Path) -> None:
        """What the window shows now (visuals and overlays) as a PNG."""
        save_png(read_screen(self), path)

    def _status_line(self, now: float) -> None:
        if not self.options.status_line or now - self._status_at < STATUS_REFRESH_S:
            return
        self._status_at = now
        recent = list(self.frame_times)[-30:]
        fps = len(recent) / max(sum(recent), 1e-6)
        player = self.player
        duration = player.features.duration_s if player.features else 0.0
        state = "⏸" if player.audio.paused else "▶"
        line = (f"{state} {player.title}  {format_time(player.song_time_s())}/"
                f"{format_time(duration)}  {player.renderer.animation_name}  {fps:.0f} fps")
        sys.stderr.write(f"\r\x1b[2K{line}")
        sys.stderr.flush()

    def _end_status_line(self) -> None:
        if self.options.status_line and self.frame_times:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()

    def release(self) -> None:
        self.overlay.release()
        self.blit_vao.release()
        self.blit.release()


def read_screen(window: Window):
    """The window's content (visuals and overlays) as an (height, width, 3) uint8 array."""
    import numpy as np

    window._draw()
    width, height = window.size
    data = window.ctx.screen.read(viewport=(0, 0, width, height), components=3, alignment=1)
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1]


def save_png(pixels, path: Path) -> None:
    """Write an (height, width, 3) uint8 array as PNG, atomically."""
    import io

    import pygame

    from encoder.files import atomic_write_bytes

    surface = pygame.image.frombuffer(pixels.tobytes(), (pixels.shape[1], pixels.shape[0]), "RGB")
    buffer = io.BytesIO()
    pygame.image.save(surface, buffer, "png")
    atomic_write_bytes(Path(path), buffer.getvalue())
