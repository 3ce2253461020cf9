"""`davis play --terminal`: the visualizer drawn in a terminal with half-block characters.

    cells.py   pixels -> cells -> the bytes of the changed cells (pure, vectorised)
    screen.py  the terminal: raw input, alternate screen, restoring it, keys
    text.py    text over the picture: fitting, boxes, the help
    app.py     the view (picture, text, status line) and the session loop
"""

from visualizer.terminal.app import (TerminalOptions, TerminalSession, TerminalView,
                                     announces_truecolor, picture_size)
from visualizer.terminal.cells import (changed_cells, encode_changes, palette_256_rgb,
                                       quantize_256, rgb_to_cells)
from visualizer.terminal.screen import TerminalScreen, decode_keys

__all__ = ["TerminalOptions", "TerminalScreen", "TerminalSession", "TerminalView",
           "announces_truecolor", "changed_cells", "decode_keys", "encode_changes",
           "palette_256_rgb", "picture_size", "quantize_256", "rgb_to_cells"]
