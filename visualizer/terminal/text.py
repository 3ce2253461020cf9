"""Text over the terminal picture: widths, fitting, boxes of aligned columns, the help."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from visualizer.keys import help_rows

STATUS_STYLE = "\x1b[0;38;5;252;48;5;236m"
TEXT_STYLE = "\x1b[0;38;5;255;48;5;235m"
TITLE_STYLE = "\x1b[0;1;38;5;255;48;5;235m"
ACCENT_STYLE = "\x1b[0;38;5;117;48;5;235m"
DIM_STYLE = "\x1b[0;38;5;246;48;5;235m"
ERROR_STYLE = "\x1b[0;38;5;210;48;5;235m"


# --- text -------------------------------------------------------------------------------------

def text_width(text: str) -> int:
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def fit(text: str, width: int) -> str:
    """`text` cut to `width` columns (with … when cut) and padded with spaces to `width`."""
    if width <= 0:
        return ""
    text = "".join(char if char.isprintable() else " " for char in text)
    if text_width(text) > width:
        kept, used = [], 0
        for char in text:
            if used + _char_width(char) > width - 1:
                break
            kept.append(char)
            used += _char_width(char)
        text = "".join(kept) + "…"
    return text + " " * (width - text_width(text))


@dataclass(frozen=True)
class TextSpan:
    """Text over the picture: at picture cell (row, col), 0-based, `width` columns wide."""

    row: int
    col: int
    text: str
    style: str

    @property
    def width(self) -> int:
        return text_width(self.text)


def box(lines: list[list[tuple[str, str]]], rows: int, cols: int, top: int | None = None,
         left: int | None = None) -> list[TextSpan]:
    """Rows of (text, style) columns as a padded box with aligned columns, cut to the picture;
    centred unless `top`/`left` are given."""
    count = max((len(line) for line in lines), default=0)
    widths = [max(text_width(line[c][0]) for line in lines if len(line) > c) for c in range(count)]
    box_width = min(sum(widths) + 2 * count + 2, cols)
    body = ([[]] + lines + [[]])[:rows]
    top = (rows - len(body)) // 2 if top is None else top
    left = (cols - box_width) // 2 if left is None else left
    end = left + box_width
    spans = []
    for index, line in enumerate(body):
        segments = [("  ", TEXT_STYLE)]
        for column, (text, style) in enumerate(line):
            segments += [(text + " " * (widths[column] - text_width(text)), style), ("  ", TEXT_STYLE)]
        x = left
        for text, style in segments:
            if x >= end:
                break
            piece = fit(text, min(text_width(text), end - x))
            if piece:
                spans.append(TextSpan(top + index, x, piece, style))
                x += text_width(piece)
        if x < end:
            spans.append(TextSpan(top + index, x, " " * (end - x), TEXT_STYLE))
    return spans


def help_lines() -> list[list[tuple[str, str]]]:
    """The keys a terminal has (no fullscreen) and what they do, as `box` lines."""
    rows = [[("davis — keys", TITLE_STYLE)]]
    rows += [[(key, ACCENT_STYLE), (what, TEXT_STYLE)] for key, what in help_rows()]
    return rows
