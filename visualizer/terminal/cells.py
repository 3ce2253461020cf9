"""Pure, vectorised pieces of the terminal front end: pixels to cells, and cells to bytes.

A frame of H x W pixels becomes H/2 x W character cells showing '▀' (upper half block): the
upper pixel is the cell's foreground colour, the lower pixel its background. A cell array has
shape (rows, cols, 2, C) uint8: [..., 0, :] the foreground, [..., 1, :] the background, with
C = 3 (RGB, 24-bit colour) or C = 1 (an index into the xterm 256-colour palette).

`encode_changes` turns the difference between what the terminal shows and the new cells into
one bytes string: a cursor move only where a run of changed cells starts, a colour escape
only where the colour differs from the previous cell written. It is assembled with numpy as
one fixed-width byte record per changed cell plus a mask of the bytes actually used, so the
Python work per frame does not grow with the number of changed cells.
"""

from __future__ import annotations

import numpy as np

HALF_BLOCK = "▀".encode()
CUBE_LEVELS = np.array([0, 95, 135, 175, 215, 255], dtype=np.int32)
GREY_LEVELS = 8 + 10 * np.arange(24, dtype=np.int32)  # palette 232..255


def rgb_to_cells(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 pixels, top row first -> (ceil(H/2), W, 2, 3) cells (an odd last row is
    paired with black)."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    if rgb.shape[0] % 2:
        rgb = np.concatenate([rgb, np.zeros((1, *rgb.shape[1:]), np.uint8)])
    return np.stack([rgb[0::2], rgb[1::2]], axis=2)


def snap_levels(cells: np.ndarray, step: int) -> np.ndarray:
    """Each channel rounded to a multiple of `step` (0 and 255 kept): fewer distinct colours, so
    neighbouring cells share colour escapes more often and small flicker is not redrawn."""
    if step <= 1:
        return cells
    levels = np.minimum((np.arange(256) + step // 2) // step * step, 255).astype(np.uint8)
    return levels[cells]


def _nearest_cube_index() -> np.ndarray:
    values = np.arange(256)
    return np.abs(values[:, None] - CUBE_LEVELS[None, :]).argmin(axis=1).astype(np.int32)


_CUBE_INDEX = _nearest_cube_index()  # channel value -> 0..5


def quantize_256(rgb: np.ndarray) -> np.ndarray:
    """The nearest xterm-256 palette index for each colour: (..., 3) uint8 -> (..., 1) uint8.

    Candidates are the 6x6x6 colour cube (16..231) and the 24-step grey ramp (232..255); the
    nearer one in RGB distance wins (the 16 system colours differ between terminals: unused).
    """
    rgb = np.asarray(rgb, dtype=np.uint8)
    steps = _CUBE_INDEX[rgb]                                   # (..., 3) in 0..5
    cube = CUBE_LEVELS[steps]
    signed = rgb.astype(np.int32)
    cube_error = ((signed - cube) ** 2).sum(axis=-1)
    grey_step = np.clip((signed.sum(axis=-1) // 3 - 3) // 10, 0, 23)  # nearest of 8 + 10 i
    grey_error = ((signed - GREY_LEVELS[grey_step][..., None]) ** 2).sum(axis=-1)
    index = np.where(grey_error < cube_error, 232 + grey_step,
                     16 + 36 * steps[..., 0] + 6 * steps[..., 1] + steps[..., 2])
    return index.astype(np.uint8)[..., None]


def palette_256_rgb(index: np.ndarray) -> np.ndarray:
    """The RGB colour of xterm palette entries 16..255 (the inverse of `quantize_256`)."""
    index = np.asarray(index, dtype=np.int32)
    cube = index - 16
    rgb = np.stack([CUBE_LEVELS[np.clip(cube // 36, 0, 5)], CUBE_LEVELS[np.clip(cube // 6 % 6, 0, 5)],
                    CUBE_LEVELS[np.clip(cube % 6, 0, 5)]], axis=-1)
    grey = GREY_LEVELS[np.clip(index - 232, 0, 23)]
    return np.where((index >= 232)[..., None], grey[..., None], rgb).astype(np.uint8)


# --- the diff encoder ------------------------------------------------------------------------

def _number_table(count: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """ASCII digits of 0..count-1, left-aligned in `width` bytes, and which bytes are used."""
    values = np.arange(count)
    lengths = 1 + sum((values >= 10 ** k).astype(np.int64) for k in range(1, width))
    positions = np.arange(width)
    exponent = np.clip(lengths[:, None] - 1 - positions[None, :], 0, None)
    digits = (values[:, None] // 10 ** exponent) % 10 + ord("0")
    return digits.astype(np.uint8), positions[None, :] < lengths[:, None]


_DIGITS, _DIGITS_USED = _number_table(10000, 4)   # cursor positions up to 9999
_ESC_BRACKET = np.frombuffer(b"\x1b[", np.uint8)


class _Layout:
    """Byte offsets inside one changed cell's record, for C colour components."""

    def __init__(self, components: int) -> None:
        self.cursor = 0                    # ESC [ a(4) ; b(4) H|C
        self.sgr = 12                      # ESC [ 38;K (;ddd)*C ; 48;K (;ddd)*C m
        part = 4 + 4 * components
        self.fg = self.sgr + 2
        self.separator = self.fg + part
        self.bg = self.separator + 1
        self.sgr_end = self.bg + part
        self.char = self.sgr_end + 1
        self.width = self.char + len(HALF_BLOCK)
        self.components = components
        template = np.zeros(self.width, np.uint8)
        template[0:2] = _ESC_BRACKET
        template[6] = ord(";")
        template[self.sgr:self.sgr + 2] = _ESC_BRACKET
        kind = b"2" if components == 3 else b"5"
        template[self.fg:self.fg + 4] = np.frombuffer(b"38;" + kind, np.uint8)
        template[self.bg:self.bg + 4] = np.frombuffer(b"48;" + kind, np.uint8)
        for start in (self.fg, self.bg):
            template[start + 4:start + part:4] = ord(";")
        template[self.separator] = ord(";")
        template[self.sgr_end] = ord("m")
        template[self.char:] = np.frombuffer(HALF_BLOCK, np.uint8)
        self.template = template


_LAYOUTS = {3: _Layout(3), 1: _Layout(1)}


def changed_cells(previous: np.ndarray | None, cells: np.ndarray, tolerance: int = 0) -> np.ndarray:
    """(rows, cols) bool: cells whose colours differ from `previous` by more than `tolerance`
    in some channel (any difference for palette indices; every cell without `previous`)."""
    if previous is None or previous.shape != cells.shape:
        return np.ones(cells.shape[:2], dtype=bool)
    if tolerance <= 0 or cells.shape[-1] == 1:
        return (previous != cells).reshape(*cells.shape[:2], -1).any(axis=-1)
    difference = np.abs(previous.astype(np.int16) - cells.astype(np.int16))
    return difference.reshape(*cells.shape[:2], -1).max(axis=-1) > tolerance


def encode_changes(previous: np.ndarray | None, cells: np.ndarray, *, tolerance: int = 0,
                   skip: np.ndarray | None = None, force: np.ndarray | None = None,
                   top: int = 1, left: int = 1) -> tuple[bytes, np.ndarray]:
    """The bytes that turn the terminal showing `previous` into showing `cells`.

    Args:
        previous: the cells the terminal shows now (None: unknown, redraw everything).
        cells: (rows, cols, 2, C) uint8, C = 3 (RGB) or 1 (palette index).
        tolerance: cells within this many levels per channel of what is shown are left alone.
        skip: (rows, cols) bool, cells never written (covered by text).
        force: (rows, cols) bool, cells written even if unchanged.
        top, left: the terminal position (1-based) of cell (0, 0).

    Returns:
        (the bytes, the cells the terminal shows afterwards). The colour state at the start is
        taken as unknown: the first cell written sets both colours.
    """
    cols, components = cells.shape[1], cells.shape[3]
    layout = _LAYOUTS[components]
    changed = changed_cells(previous, cells, tolerance)
    if force is not None:
        changed |= force
    if skip is not None:
        changed &= ~skip
    index = np.flatnonzero(changed)
    shown = cells.copy() if previous is None or previous.shape != cells.shape else previous.copy()
    if index.size == 0:
        return b"", shown
    flat = cells.reshape(-1, 2, components)[index]
    shown.reshape(-1, 2, components)[index] = flat
    count = index.size
    row, col = np.divmod(index, cols)

    # Cursor: none after the previous cell on the same row, "forward n" over a gap in the
    # row, an absolute move otherwise.
    before = np.empty_like(index)
    before[0], before[1:] = -2, index[:-1]
    follows = (index - before == 1) & (col != 0)
    same_row = np.zeros(count, dtype=bool)
    same_row[1:] = row[1:] == row[:-1]
    forward = same_row & ~follows
    absolute = ~same_row
    first = np.where(forward, index - before - 1, row + top)
    second = col + left

    record = np.broadcast_to(layout.template, (count, layout.width)).copy()
    used = np.zeros((count, layout.width), dtype=bool)
    moves = forward | absolute
    used[:, 0:2] = moves[:, None]
    used[:, 2:6] = _DIGITS_USED[first] & moves[:, None]
    record[:, 2:6] = _DIGITS[first]
    used[:, 6] = absolute
    used[:, 7:11] = _DIGITS_USED[second] & absolute[:, None]
    record[:, 7:11] = _DIGITS[second]
    used[:, 11] = moves
    record[:, 11] = np.where(absolute, ord("H"), ord("C"))

    # Colours: only where they differ from the previous cell written.
    new_colour = np.ones((count, 2), dtype=bool)
    new_colour[1:] = (flat[1:] != flat[:-1]).any(axis=-1)
    fg_new, bg_new = new_colour[:, 0], new_colour[:, 1]
    any_new = fg_new | bg_new
    used[:, layout.sgr:layout.sgr + 2] = any_new[:, None]
    for part, start, new in ((0, layout.fg, fg_new), (1, layout.bg, bg_new)):
        used[:, start:start + 4] = new[:, None]
        for component in range(components):
            offset = start + 5 + 4 * component
            value = flat[:, part, component]
            used[:, offset - 1] = new
            used[:, offset:offset + 3] = _DIGITS_USED[value, :3] & new[:, None]
            record[:, offset:offset + 3] = _DIGITS[value, :3]
    used[:, layout.separator] = fg_new & bg_new
    used[:, layout.sgr_end] = any_new
    used[:, layout.char:] = True
    return record[used].tobytes(), shown
