"""The terminal front end: a `Player` drawn with half blocks, keys from the terminal.

`TerminalView` turns the renderer's frame, the overlays (title, messages, help, HUD) and the
status line into the bytes of one terminal write; `TerminalSession` opens the offscreen GL
context, the audio and the player (the same `build_player` as the window) and runs the loop.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from encoder.errors import DavisError
from visualizer.player import KEY_ACTIONS, format_time
from visualizer.terminal.cells import encode_changes, quantize_256, rgb_to_cells, snap_levels
from visualizer.terminal.screen import TerminalScreen
from visualizer.terminal.text import (ACCENT_STYLE, DIM_STYLE, ERROR_STYLE, STATUS_STYLE,
                                      TEXT_STYLE, TITLE_STYLE, TextSpan, box, fit, help_lines,
                                      text_width)

DEFAULT_FPS = 30
# 24-bit colour: channels snapped to multiples of 4 and a cell within 6 levels per channel of
# what the terminal shows left alone; halves the bytes per frame, invisible in half blocks.
TRUECOLOR_STEP = 4
TRUECOLOR_TOLERANCE = 6
STATUS_FPS_REFRESH_S = 0.5
HUD_REFRESH_S = 0.25
CLEAR = b"\x1b[0m\x1b[2J"

@dataclass
class TerminalOptions:
    fps_limit: int = DEFAULT_FPS      # 0: no cap
    duration_s: float | None = None   # quit once the song clock reaches this
    screenshot: Path | None = None    # the last picture as PNG, on quitting
    truecolor: bool | None = None     # None: from COLORTERM


def announces_truecolor(environ=os.environ) -> bool:
    """Terminals with 24-bit colour say so in COLORTERM."""
    return environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit")


def picture_size(columns: int, rows: int) -> tuple[int, int]:
    """The renderer's size in pixels for a terminal of columns x rows: two pixels per cell,
    one row kept for the status line."""
    return max(columns, 1), 2 * max(rows - 1, 1)


# --- the view ---------------------------------------------------------------------------------

class TerminalView:
    """What one frame writes: the picture's changed cells, the text over it, the status line.

    Args:
        player: the `Player` (its renderer has already drawn the frame when `draw` is called).
        truecolor: 24-bit colour escapes, else the 256-colour palette.
        step, tolerance: see `snap_levels` and `encode_changes` (24-bit colour only).
    """

    def __init__(self, player, truecolor: bool, step: int = TRUECOLOR_STEP,
                 tolerance: int = TRUECOLOR_TOLERANCE) -> None:
        self.player = player
        self.truecolor = truecolor
        self.step = step if truecolor else 1
        self.tolerance = tolerance if truecolor else 0
        self.terminal_size: tuple[int, int] | None = None
        self.frame_times: deque[float] = deque(maxlen=120)
        self.bytes_written: deque[int] = deque(maxlen=120)
        self._shown: np.ndarray | None = None
        self._spans: tuple[TextSpan, ...] = ()
        self._span_mask: np.ndarray | None = None
        self._status = ""
        self._fps_text = ""
        self._fps_at = 0.0
        self._hud: list[list[tuple[str, str]]] = []
        self._hud_at = 0.0
        self._pending = b""

    def resize(self, columns: int, rows: int) -> None:
        """Match the renderer to the terminal and redraw everything on the next frame."""
        self.terminal_size = (columns, rows)
        self.player.renderer.resize(picture_size(columns, rows))
        self.invalidate()

    def invalidate(self) -> None:
        """The screen was cleared (or is unknown): draw it all again."""
        self._shown = None
        self._spans = ()
        self._span_mask = None
        self._status = ""
        self._pending = CLEAR

    def draw(self, now: float | None = None) -> bytes:
        """The bytes that bring the terminal up to date with the renderer's last frame."""
        now = time.monotonic() if now is None else now
        columns, rows = self.terminal_size
        cells = rgb_to_cells(self.player.renderer.read_rgb())
        cells = snap_levels(cells, self.step) if self.truecolor else quantize_256(cells)
        spans = tuple(self._overlay_spans(cells.shape[0], cells.shape[1], now))
        mask = self._mask(spans, cells.shape[:2])
        force = None
        if self._span_mask is not None and spans != self._spans:
            force = self._span_mask & ~mask
        picture, self._shown = encode_changes(self._shown, cells, tolerance=self.tolerance,
                                              skip=mask, force=force)
        parts = [self._pending, picture]
        self._pending = b""
        if spans != self._spans:
            parts.append(self._spans_bytes(spans))
            self._spans, self._span_mask = spans, mask
        if rows >= 2:
            status = self.status_text(columns, now)
            if status != self._status:
                self._status = status
                parts.append(f"\x1b[{rows};1H{STATUS_STYLE}{status}\x1b[0m".encode())
        data = b"".join(parts)
        self.bytes_written.append(len(data))
        return data

    def record_frame(self, seconds: float) -> None:
        self.frame_times.append(seconds)

    def fps(self) -> float:
        recent = list(self.frame_times)[-30:]
        return len(recent) / sum(recent) if recent and sum(recent) > 0 else 0.0

    # --- text ---

    @staticmethod
    def _mask(spans, shape) -> np.ndarray:
        mask = np.zeros(shape, dtype=bool)
        for span in spans:
            if 0 <= span.row < shape[0]:
                mask[span.row, max(span.col, 0):span.col + span.width] = True
        return mask

    @staticmethod
    def _spans_bytes(spans) -> bytes:
        return "".join(f"\x1b[{span.row + 1};{span.col + 1}H{span.style}{span.text}"
                       for span in spans).encode() + b"\x1b[0m"

    def _overlay_spans(self, rows: int, cols: int, now: float) -> list[TextSpan]:
        player = self.player
        spans: list[TextSpan] = []
        messages = player.visible_messages()
        for message in messages:
            if message.kind == "title" and rows >= 3:
                text = f" {message.text} "
                width = min(text_width(text), cols)
                spans.append(TextSpan(1, (cols - width) // 2, fit(text, width), TITLE_STYLE))
        others = [m for m in messages if m.kind != "title"][-3:]
        for index, message in enumerate(reversed(others)):
            row = rows - 2 - index
            if row >= 0 and message.text:
                text = f" {message.text} "
                width = min(text_width(text), max(cols - 2, 1))
                style = ERROR_STYLE if message.kind == "error" else TEXT_STYLE
                spans.append(TextSpan(row, 1, fit(text, width), style))
        if player.state.hud:
            if now - self._hud_at > HUD_REFRESH_S or not self._hud:
                self._hud_at = now
                self._hud = self._hud_lines()
            spans += box(self._hud, rows, cols, top=0, left=0)
        if player.state.help:
            spans += box(help_lines(), rows, cols)
        return spans

    def _hud_lines(self) -> list[list[tuple[str, str]]]:
        player = self.player
        renderer = player.renderer
        frame_ms = 1000 / max(self.fps(), 1e-6)
        recent = list(self.bytes_written)[-30:] or [0]
        duration = player.features.duration_s if player.features else 0.0
        lines = [
            [(f"{self.fps():.0f} fps", ACCENT_STYLE), (f"{frame_ms:.1f} ms", DIM_STYLE),
             (f"{sum(recent) / len(recent) / 1000:.1f} kB/frame", DIM_STYLE)],
            [(f"{format_time(player.song_time_s())} / {format_time(duration)}", TEXT_STYLE),
             (renderer.animation_name, TEXT_STYLE),
             ("locked" if player.state.locked else "", DIM_STYLE)],
        ]
        for name, feature in renderer.mapping.assignment(renderer.parameters).items():
            lines.append([(f"f{feature}", ACCENT_STYLE), (name, TEXT_STYLE),
                          (f"{renderer.values.get(name, 0.0):.4g}", TEXT_STYLE)])
        if player.state.preset_name:
            lines.append([("preset", DIM_STYLE), (player.state.preset_name, TEXT_STYLE)])
        return lines

    def status_text(self, columns: int, now: float) -> str:
        """Song, time / duration, animation, the mapping (param←fN) and fps, `columns` wide."""
        player = self.player
        renderer = player.renderer
        if now - self._fps_at >= STATUS_FPS_REFRESH_S or not self._fps_text:
            self._fps_at = now
            self._fps_text = f" {self.fps():.0f} fps "
        duration = player.features.duration_s if player.features else 0.0
        state = "‖" if player.audio.paused else "▶"
        mapping = " ".join(f"{name}←f{feature}" for name, feature
                           in renderer.mapping.assignment(renderer.parameters).items())
        lock = " [locked]" if player.state.locked else ""
        left = (f" {state} {player.title}  {format_time(player.song_time_s())}/"
                f"{format_time(duration)}  {renderer.animation_name}{lock}  {mapping}")
        right = self._fps_text if columns > 2 * len(self._fps_text) else ""
        return fit(left, columns - len(right)) + right


# --- the session ------------------------------------------------------------------------------

def open_offscreen_context():
    """A standalone (EGL) OpenGL context: no window, no display needed."""
    try:
        import moderngl

        return moderngl.create_context(standalone=True, backend="egl")
    except Exception as error:  # ImportError, or moderngl's Error from EGL
        raise DavisError(f"cannot create an offscreen OpenGL context ({error}); "
                         "use `davis render` instead") from None


class TerminalSession:
    """A context manager: the offscreen GL context, the audio and the player; `run()` plays in
    the terminal. The pygame display is never opened (GLX after EGL ends the process).

    Args:
        features: song path -> its Features, in playlist order.
        look: the first animation (and preset).
        options: frame rate, duration, screenshot, colour mode.
        play: seed, sync offset, volume, shuffle, loop.
        out_fd, in_fd: the terminal (in_fd None: no keys).
    """

    def __init__(self, features: dict, look, options: TerminalOptions, play, *,
                 out_fd: int = 1, in_fd: int | None = 0) -> None:
        self.features = features
        self.look = look
        self.options = options
        self.play = play
        self.out_fd = out_fd
        self.in_fd = in_fd
        self.running = True
        self.audio_problem: str | None = None

    def __enter__(self) -> "TerminalSession":
        from visualizer.session import build_player

        columns, rows = os.get_terminal_size(self.out_fd)
        self.ctx = open_offscreen_context()
        try:
            self.parts = build_player(self.ctx, picture_size(columns, rows), self.features,
                                      self.look, self.play)
        except BaseException:
            self.ctx.release()
            raise
        self.player, self.renderer = self.parts.player, self.parts.renderer
        self.audio_problem = self.parts.audio_problem
        truecolor = (announces_truecolor() if self.options.truecolor is None
                     else self.options.truecolor)
        self.view = TerminalView(self.player, truecolor)
        try:
            self.player.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.parts.close()
        self.ctx.release()

    def on_key(self, name: str) -> None:
        action = KEY_ACTIONS.get(name)
        if action == "quit" or name == "ctrl-c":
            self.running = False
        elif action is not None:
            self.player.perform(action)

    def run(self) -> None:
        """Play until Q, the end of the playlist or --duration (Ctrl-C: KeyboardInterrupt)."""
        try:
            with TerminalScreen(self.out_fd, self.in_fd) as screen:
                self._loop(screen)
        finally:
            if self.options.screenshot:
                from visualizer.window import save_png

                save_png(self.renderer.read_rgb(), self.options.screenshot)

    def _loop(self, screen: TerminalScreen) -> None:
        interval = 1.0 / self.options.fps_limit if self.options.fps_limit else 0.0
        next_frame = time.perf_counter()
        last_shown: float | None = None
        while self.running:
            wait = next_frame - time.perf_counter()
            if wait > 0:
                for key in screen.read_keys(wait):
                    self.on_key(key)
                continue
            next_frame = max(next_frame + interval, time.perf_counter() - interval)
            for key in screen.read_keys(0.0):
                self.on_key(key)
            if not self.running:
                break
            size = screen.size()
            if size != self.view.terminal_size:
                self.view.resize(*size)
            elif screen.redraw:
                self.view.invalidate()
            screen.redraw = False
            self.player.frame()
            if self.player.state.finished:
                break
            screen.write(self.view.draw())
            now = time.perf_counter()
            if last_shown is not None:
                self.view.record_frame(now - last_shown)
            last_shown = now
            if (self.options.duration_s is not None
                    and self.player.song_time_s() >= self.options.duration_s):
                break
