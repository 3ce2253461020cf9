"""The terminal itself: raw-ish input mode, the alternate screen, restoring both, and keys.

`TerminalScreen` is a context manager. Entering it switches to the alternate screen, hides
the cursor, turns off line wrapping, echo and line buffering; leaving it (normally, on an
exception, on Ctrl-C, on SIGTERM or SIGHUP) puts every one of those back. Ctrl-Z restores the
terminal before the process stops and takes it over again when it continues.
"""

from __future__ import annotations

import os
import select
import signal
import termios

ENTER = b"\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[0m\x1b[2J"
LEAVE = b"\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l"

# Escape sequences of the keys davis uses (xterm, tmux/screen, the Linux console, rxvt).
KEY_SEQUENCES = {
    b"\x1b[A": "up", b"\x1b[B": "down", b"\x1b[C": "right", b"\x1b[D": "left",
    b"\x1bOA": "up", b"\x1bOB": "down", b"\x1bOC": "right", b"\x1bOD": "left",
    b"\x1b[5~": "page up", b"\x1b[6~": "page down",
    b"\x1bOP": "f1", b"\x1b[11~": "f1", b"\x1b[[A": "f1", b"\x1b[1P": "f1",
    b"\x1b[23~": "f11",
}
SPECIAL_BYTES = {b" ": "space", b"\x03": "ctrl-c", b"\r": "enter", b"\n": "enter",
                 b"\x7f": "backspace", b"\t": "tab"}


def decode_keys(data: bytes) -> list[str]:
    """Key names (the ones `visualizer.player.KEY_ACTIONS` knows) in a chunk of terminal input.

    Letters are lower-cased (R and r are the same key, as in the window). A lone ESC is the
    Escape key; ESC followed by another key (Alt+key) and unknown sequences are ignored.
    """
    keys: list[str] = []
    position = 0
    while position < len(data):
        byte = data[position:position + 1]
        if byte == b"\x1b":
            rest = data[position:]
            match = next((seq for seq in sorted(KEY_SEQUENCES, key=len, reverse=True)
                          if rest.startswith(seq)), None)
            if match is not None:
                keys.append(KEY_SEQUENCES[match])
                position += len(match)
            elif len(rest) == 1 or rest[1:2] == b"\x1b":
                keys.append("escape")
                position += 1
            else:
                position += _unknown_sequence_length(rest)
            continue
        if byte in SPECIAL_BYTES:
            keys.append(SPECIAL_BYTES[byte])
            position += 1
            continue
        length = _utf8_length(data[position])
        text = data[position:position + length].decode("utf-8", errors="replace")
        if text.isprintable():
            keys.append(text.lower())
        position += length
    return keys


def _unknown_sequence_length(rest: bytes) -> int:
    """Length of an unknown escape sequence (CSI/SS3 up to its final byte, or Alt+key)."""
    if rest[1:2] in (b"[", b"O"):
        for end in range(2, len(rest)):
            if 0x40 <= rest[end] <= 0x7E and not (end == 2 and rest[end] == ord("[")):
                return end + 1
        return len(rest)
    return 1 + _utf8_length(rest[1])


def _utf8_length(first: int) -> int:
    if first >= 0xF0:
        return 4
    if first >= 0xE0:
        return 3
    if first >= 0xC0:
        return 2
    return 1


class TerminalScreen:
    """Owns the terminal while the visualizer draws in it (see the module docstring).

    Args:
        out_fd: where frames go (a TTY).
        in_fd: where keys come from, or None to read no keys (stdin not a terminal).
    """

    def __init__(self, out_fd: int = 1, in_fd: int | None = 0) -> None:
        self.out_fd = out_fd
        self.in_fd = in_fd
        self._saved_mode = None
        self._saved_signals: dict[int, object] = {}
        self.active = False
        self.redraw = True  # the picture must be drawn whole (fresh screen, resumed, resized)

    # --- entering and leaving ---

    def __enter__(self) -> "TerminalScreen":
        for number in (signal.SIGTERM, signal.SIGHUP):
            self._saved_signals[number] = signal.signal(number, _exit_on_signal)
        self._saved_signals[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, self._suspend)
        self._take()
        return self

    def __exit__(self, *exc_info) -> None:
        self._give_back()
        for number, handler in self._saved_signals.items():
            signal.signal(number, handler)
        self._saved_signals.clear()

    def _take(self) -> None:
        if self.in_fd is not None:
            self._saved_mode = termios.tcgetattr(self.in_fd)
            mode = termios.tcgetattr(self.in_fd)
            mode[0] &= ~(termios.IXON | termios.ICRNL)                     # iflag
            mode[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)   # lflag (ISIG kept)
            mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
            termios.tcsetattr(self.in_fd, termios.TCSANOW, mode)
        self.active = True
        self.redraw = True
        self.write(ENTER)

    def _give_back(self) -> None:
        if not self.active:
            return
        self.active = False
        try:
            self.write(LEAVE)
        except OSError:  # the terminal is gone (SIGHUP): nothing left to restore
            pass
        if self._saved_mode is not None:
            try:
                termios.tcsetattr(self.in_fd, termios.TCSAFLUSH, self._saved_mode)
            except termios.error:
                pass
            self._saved_mode = None

    def _suspend(self, number, frame) -> None:
        """Ctrl-Z: give the terminal back, stop, and take it again on `fg`."""
        self._give_back()
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)
        # ...stopped here until SIGCONT...
        signal.signal(signal.SIGTSTP, self._suspend)
        self._take()

    # --- output and input ---

    def size(self) -> tuple[int, int]:
        """(columns, rows) of the terminal."""
        size = os.get_terminal_size(self.out_fd)
        return size.columns, size.lines

    def write(self, data: bytes) -> None:
        """Write all of `data` (one write call unless the terminal takes less at once)."""
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.out_fd, view)
            except BlockingIOError:
                select.select([], [self.out_fd], [])
                continue
            view = view[written:]

    def read_keys(self, timeout_s: float = 0.0) -> list[str]:
        """Keys pressed since the last call, waiting up to `timeout_s` for the first one."""
        if self.in_fd is None:
            if timeout_s > 0:
                select.select([], [], [], timeout_s)
            return []
        ready, _, _ = select.select([self.in_fd], [], [], max(timeout_s, 0.0))
        if not ready:
            return []
        data = os.read(self.in_fd, 4096)
        # An escape sequence can arrive split; take what follows at once.
        while data.endswith(b"\x1b") or data[-3:-1] == b"\x1b[":
            ready, _, _ = select.select([self.in_fd], [], [], 0.01)
            if not ready:
                break
            data += os.read(self.in_fd, 4096)
        return decode_keys(data)


def _exit_on_signal(number, frame) -> None:
    raise SystemExit(128 + number)
