"""What one terminal frame writes: the picture's changed cells in half blocks, the text over
it (title, messages, help, HUD) and the status line, all drawn from a `Snapshot`."""

from __future__ import annotations

import os
import time
from collections import deque

import numpy as np

from visualizer.snapshot import Snapshot
from visualizer.terminal.cells import encode_changes, quantize_256, rgb_to_cells, snap_levels
from visualizer.terminal.text import (ACCENT_STYLE, DIM_STYLE, ERROR_STYLE, STATUS_STYLE,
                                      TEXT_STYLE, TITLE_STYLE, TextSpan, box, fit, help_lines,
                                      text_width)

# 24-bit colour: channels snapped to multiples of 4 and a cell within 6 levels per channel of
# what the terminal shows left alone; halves the bytes per frame, invisible in half blocks.
TRUECOLOR_STEP = 4
TRUECOLOR_TOLERANCE = 6
STATUS_FPS_REFRESH_S = 0.5
HUD_REFRESH_S = 0.25
CLEAR = b"\x1b[0m\x1b[2J"


def announces_truecolor(environ=os.environ) -> bool:
    """Terminals with 24-bit colour say so in COLORTERM."""
    return environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit")


def picture_size(columns: int, rows: int) -> tuple[int, int]:
    """The renderer's size in pixels for a terminal of columns x rows: two pixels per cell,
    one row kept for the status line."""
    return max(columns, 1), 2 * max(rows - 1, 1)


class TerminalView:
    """What one frame writes: the picture's changed cells, the text over it, the status line.

    Args:
        truecolor: 24-bit colour escapes, else the 256-colour palette.
        step, tolerance: see `snap_levels` and `encode_changes` (24-bit colour only).
    """

    def __init__(self, truecolor: bool, step: int = TRUECOLOR_STEP,
                 tolerance: int = TRUECOLOR_TOLERANCE) -> None:
        self.truecolor = truecolor
        self.step = step if truecolor else 1
        self.tolerance = tolerance if truecolor else 0
        self.terminal_size: tuple[int, int] | None = None
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
        """A terminal of another size: redraw everything on the next frame."""
        self.terminal_size = (columns, rows)
        self.invalidate()

    def invalidate(self) -> None:
        """The screen was cleared (or is unknown): draw it all again."""
        self._shown = None
        self._spans = ()
        self._span_mask = None
        self._status = ""
        self._pending = CLEAR

    def draw(self, rgb: np.ndarray, snapshot: Snapshot, now: float | None = None) -> bytes:
        """The bytes that bring the terminal up to date with the picture `rgb` ((h, w, 3)
        uint8, the renderer's at `picture_size`) and `snapshot`."""
        now = time.monotonic() if now is None else now
        columns, rows = self.terminal_size
        cells = rgb_to_cells(rgb)
        cells = snap_levels(cells, self.step) if self.truecolor else quantize_256(cells)
        spans = tuple(self._overlay_spans(snapshot, cells.shape[0], cells.shape[1], now))
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
            status = self.status_text(snapshot, columns, now)
            if status != self._status:
                self._status = status
                parts.append(f"\x1b[{rows};1H{STATUS_STYLE}{status}\x1b[0m".encode())
        data = b"".join(parts)
        self.bytes_written.append(len(data))
        return data

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

    def _overlay_spans(self, snapshot: Snapshot, rows: int, cols: int,
                       now: float) -> list[TextSpan]:
        spans: list[TextSpan] = []
        for message in snapshot.titles():
            if rows >= 3:
                text = f" {message.text} "
                width = min(text_width(text), cols)
                spans.append(TextSpan(1, (cols - width) // 2, fit(text, width), TITLE_STYLE))
        for index, message in enumerate(reversed(snapshot.notices())):
            row = rows - 2 - index
            if row >= 0 and message.text:
                text = f" {message.text} "
                width = min(text_width(text), max(cols - 2, 1))
                style = ERROR_STYLE if message.kind == "error" else TEXT_STYLE
                spans.append(TextSpan(row, 1, fit(text, width), style))
        if snapshot.hud:
            if now - self._hud_at > HUD_REFRESH_S or not self._hud:
                self._hud_at = now
                self._hud = self._hud_lines(snapshot)
            spans += box(self._hud, rows, cols, top=0, left=0)
        if snapshot.help:
            spans += box(help_lines(), rows, cols)
        return spans

    def _hud_lines(self, snapshot: Snapshot) -> list[list[tuple[str, str]]]:
        frame_ms = 1000 / max(snapshot.fps, 1e-6)
        recent = list(self.bytes_written)[-30:] or [0]
        lines = [
            [(f"{snapshot.fps:.0f} fps", ACCENT_STYLE), (f"{frame_ms:.1f} ms", DIM_STYLE),
             (f"{sum(recent) / len(recent) / 1000:.1f} kB/frame", DIM_STYLE)],
            [(snapshot.clock(" / "), TEXT_STYLE), (snapshot.animation, TEXT_STYLE),
             ("locked" if snapshot.locked else "", DIM_STYLE)],
        ]
        for row in snapshot.rows:
            lines.append([(f"f{row.feature}", ACCENT_STYLE), (row.parameter, TEXT_STYLE),
                          (row.source, DIM_STYLE), (f"{row.value:.4g}", TEXT_STYLE)])
        if snapshot.preset:
            lines.append([("preset", DIM_STYLE), (snapshot.preset, TEXT_STYLE)])
        return lines

    def status_text(self, snapshot: Snapshot, columns: int, now: float) -> str:
        """Song, time / duration, animation, the mapping (param←fN) and fps, `columns` wide."""
        if now - self._fps_at >= STATUS_FPS_REFRESH_S or not self._fps_text:
            self._fps_at = now
            self._fps_text = f" {snapshot.fps:.0f} fps "
        state = "‖" if snapshot.paused else "▶"
        mapping = " ".join(f"{row.parameter}←f{row.feature}" for row in snapshot.rows)
        lock = " [locked]" if snapshot.locked else ""
        left = (f" {state} {snapshot.title}  {snapshot.clock()}  {snapshot.animation}{lock}"
                f"  {mapping}")
        right = self._fps_text if columns > 2 * len(self._fps_text) else ""
        return fit(left, columns - len(right)) + right
