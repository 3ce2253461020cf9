"""`davis play --terminal`: the visualizer drawn in a terminal with half-block characters.

    cells.py     pixels -> cells -> the bytes of the changed cells (pure, vectorised)
    screen.py    the terminal: raw input, alternate screen, restoring it, keys
    text.py      text over the picture: fitting, boxes, the help
    view.py      one frame's bytes: picture, text and status line, from a Snapshot
    frontend.py  the front end the session loop drives
"""

from visualizer.terminal.cells import (changed_cells, encode_changes, palette_256_rgb,
                                       quantize_256, rgb_to_cells)
from visualizer.terminal.frontend import TerminalFrontEnd
from visualizer.terminal.screen import TerminalScreen, decode_keys
from visualizer.terminal.view import TerminalView, announces_truecolor, picture_size

__all__ = ["TerminalFrontEnd", "TerminalScreen", "TerminalView", "announces_truecolor",
           "changed_cells", "decode_keys", "encode_changes", "palette_256_rgb",
           "picture_size", "quantize_256", "rgb_to_cells"]
