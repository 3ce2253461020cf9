"""The terminal front end: the pure cell functions, and `davis play --terminal` driven in tmux.

The unit tests check the half-block mapping, the 256-colour quantisation and the diff
encoder, whose output is replayed through a small ANSI interpreter written here. The tmux
tests start the real command in a detached tmux session of fixed size, press keys with
send-keys and read the screen (with its colour escapes) with capture-pane, as a user would
see it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from visualizer.terminal.cells import (encode_changes, palette_256_rgb, quantize_256, rgb_to_cells,
                                       snap_levels)
from visualizer.terminal.screen import decode_keys

# --- a tiny ANSI interpreter: the bytes the encoder writes, as a terminal would show them ----

_TOKEN = re.compile(rb"\x1b\[([0-9;]*)([A-Za-z])|([\x00-\x7f]|[\xc0-\xff][\x80-\xbf]+)", re.S)


class Terminal:
    """Cells of (character, foreground, background); understands exactly what davis sends for
    the picture: CUP (H), CUF (C), SGR 0 / 38;2 / 48;2 / 38;5 / 48;5 (m) and UTF-8 text."""

    def __init__(self, rows: int, cols: int) -> None:
        self.chars = np.full((rows, cols), " ", dtype=object)
        self.fg = np.zeros((rows, cols), dtype=object)
        self.bg = np.zeros((rows, cols), dtype=object)
        self.row = self.col = 0
        self.pen = [None, None]
        self.writes = 0

    def feed(self, data: bytes) -> None:
        position = 0
        while position < len(data):
            match = _TOKEN.match(data, position)
            assert match is not None, f"cannot parse {data[position:position + 20]!r}"
            position = match.end()
            params, final, text = match.groups()
            if text is not None:
                self._put(text.decode())
            elif final == b"H":
                row, col = (int(n) for n in params.split(b";"))
                self.row, self.col = row - 1, col - 1
            elif final == b"C":
                self.col += int(params or 1)
            elif final == b"m":
                self._sgr([int(n) for n in params.split(b";")] if params else [0])
            else:
                raise AssertionError(f"unexpected sequence {match.group(0)!r}")

    def _sgr(self, numbers: list[int]) -> None:
        index = 0
        while index < len(numbers):
            code = numbers[index]
            if code == 0:
                self.pen = [None, None]
                index += 1
            elif code in (38, 48) and numbers[index + 1] == 2:
                self.pen[code == 48] = tuple(numbers[index + 2:index + 5])
                index += 5
            elif code in (38, 48) and numbers[index + 1] == 5:
                self.pen[code == 48] = (numbers[index + 2],)
                index += 3
            else:
                raise AssertionError(f"unexpected SGR {code}")

    def _put(self, char: str) -> None:
        assert 0 <= self.row < self.chars.shape[0] and 0 <= self.col < self.chars.shape[1]
        self.chars[self.row, self.col] = char
        self.fg[self.row, self.col], self.bg[self.row, self.col] = self.pen
        self.col += 1
        self.writes += 1

    def cells(self) -> np.ndarray:
        """What the screen shows, as a (rows, cols, 2, C) cell array."""
        assert (self.chars == "▀").all()
        fg = np.array(self.fg.tolist(), dtype=np.uint8)
        bg = np.array(self.bg.tolist(), dtype=np.uint8)
        return np.stack([fg, bg], axis=2)


def random_frame(rng, rows: int = 10, cols: int = 23) -> np.ndarray:
    """Pixels with runs of equal colours (so escapes can be shared) and noise."""
    palette = rng.integers(0, 256, (6, 3), dtype=np.uint8)
    return palette[rng.integers(0, 6, (2 * rows, cols))]


# --- pixels to cells -----------------------------------------------------------------------------

def test_half_blocks_put_the_upper_pixel_in_front_and_the_lower_behind():
    rgb = np.arange(4 * 3 * 3, dtype=np.uint8).reshape(4, 3, 3)
    cells = rgb_to_cells(rgb)
    assert cells.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(cells[1, 2, 0], rgb[2, 2])
    np.testing.assert_array_equal(cells[1, 2, 1], rgb[3, 2])
    odd = rgb_to_cells(rgb[:3])
    assert odd.shape == (2, 3, 2, 3) and not odd[1, :, 1].any()  # the missing row is black


@pytest.mark.parametrize("rgb, index", [
    ((0, 0, 0), 16), ((255, 255, 255), 231), ((255, 0, 0), 196), ((0, 255, 0), 46),
    ((0, 0, 255), 21), ((95, 135, 175), 67), ((255, 135, 0), 208), ((128, 128, 128), 244),
    ((8, 8, 8), 232), ((238, 238, 238), 255), ((100, 101, 99), 241), ((250, 10, 5), 196),
])
def test_256_colour_quantisation_of_known_colours(rgb, index):
    assert quantize_256(np.array([rgb], dtype=np.uint8))[0, 0] == index


def test_256_colour_quantisation_is_exact_on_the_palette_and_vectorised():
    indices = np.arange(16, 256)
    colours = palette_256_rgb(indices)
    np.testing.assert_array_equal(quantize_256(colours)[:, 0], indices)
    cells = rgb_to_cells(np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8))
    assert quantize_256(cells).shape == (3, 5, 2, 1)


def test_snapping_keeps_black_and_white():
    snapped = snap_levels(np.array([0, 1, 2, 3, 129, 254, 255], dtype=np.uint8), 4)
    np.testing.assert_array_equal(snapped, [0, 0, 4, 4, 128, 255, 255])


# --- the diff encoder ----------------------------------------------------------------------------

@pytest.mark.parametrize("palette", [False, True], ids=["24-bit", "256"])
def test_encoder_output_replayed_reproduces_every_frame(rng, palette):
    terminal = Terminal(10, 23)
    shown = None
    frame = random_frame(rng)
    for step in range(6):
        cells = rgb_to_cells(frame)
        if palette:
            cells = quantize_256(cells)
        data, shown = encode_changes(shown, cells)
        terminal.feed(data)
        np.testing.assert_array_equal(terminal.cells(), cells)
        np.testing.assert_array_equal(shown, cells)
        frame = frame.copy()
        changed = rng.random(frame.shape[:2]) < 0.2 * step
        frame[changed] = rng.integers(0, 256, (changed.sum(), 3), dtype=np.uint8)


def test_unchanged_frame_writes_nothing(rng):
    cells = rgb_to_cells(random_frame(rng))
    _, shown = encode_changes(None, cells)
    data, again = encode_changes(shown, cells.copy())
    assert data == b""
    np.testing.assert_array_equal(again, cells)


def test_only_changed_cells_are_written_with_moves_only_where_runs_start(rng):
    cells = rgb_to_cells(random_frame(rng, rows=6, cols=20))
    terminal = Terminal(6, 20)
    data, shown = encode_changes(None, cells)
    terminal.feed(data)
    assert data.count(b"H") == 6, "a full redraw moves the cursor once per row"
    new = cells.copy()
    new[2, 3:7] = 255 - new[2, 3:7]   # a run of 4
    new[2, 12] = 255 - new[2, 12]     # a gap in the same row: cursor forward
    new[5, 0] = 255 - new[5, 0]       # another row: absolute move
    data, shown = encode_changes(shown, new)
    assert data.count("▀".encode()) == 6
    assert re.findall(rb"\x1b\[[0-9;]*[HC]", data) == [b"\x1b[3;4H", b"\x1b[5C", b"\x1b[6;1H"]
    terminal.writes = 0
    terminal.feed(data)
    assert terminal.writes == 6
    np.testing.assert_array_equal(terminal.cells(), new)


def test_colour_escapes_only_when_the_colour_changes():
    cells = np.zeros((1, 8, 2, 3), dtype=np.uint8)
    cells[0, :, 0] = (200, 100, 50)
    cells[0, 4:, 1] = (1, 2, 3)
    data, _ = encode_changes(None, cells)
    assert data == ("\x1b[1;1H\x1b[38;2;200;100;50;48;2;0;0;0m" + "▀" * 4
                    + "\x1b[48;2;1;2;3m" + "▀" * 4).encode()


def test_tolerance_skip_and_force(rng):
    cells = rgb_to_cells(random_frame(rng, rows=4, cols=8)) // 2 + 64
    _, shown = encode_changes(None, cells)
    nudged = cells + 3
    data, kept = encode_changes(shown, nudged, tolerance=3)
    assert data == b"" and (kept == cells).all(), "changes within the tolerance are not redrawn"
    skip = np.zeros((4, 8), dtype=bool)
    skip[1] = True
    moved = cells + 40
    data, after = encode_changes(shown, moved, tolerance=3, skip=skip)
    assert data.count("▀".encode()) == 3 * 8 and (after[1] == cells[1]).all()
    force = np.zeros((4, 8), dtype=bool)
    force[0, 0] = True
    data, _ = encode_changes(after, after, force=force)
    assert data.count("▀".encode()) == 1


def test_keys_are_decoded_like_the_window_names_them():
    from visualizer.keys import KEY_ACTIONS

    data = b"Rn \x1b[A\x1b[B\x1b[C\x1b[D\x1bOD\x1b[5~\x1b[6~\x1bOP\x1b[11~3q\x1b"
    keys = decode_keys(data)
    assert keys == ["r", "n", "space", "up", "down", "right", "left", "left", "page up",
                    "page down", "f1", "f1", "3", "q", "escape"]
    assert all(key in KEY_ACTIONS for key in keys)
    assert decode_keys(b"\x1b[1;5A\x1bxh") == ["h"], "unknown sequences and Alt+key are ignored"


# --- the real command in tmux --------------------------------------------------------------------

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
COLS, ROWS = 90, 28


class Tmux:
    """One detached tmux session on a private server, running an interactive shell."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.socket = str(folder / "tmux.socket")
        self.env = env
        self.run("-f", "/dev/null", "new-session", "-d", "-s", "davis", "-x", str(COLS),
                 "-y", str(ROWS), "bash --norc --noprofile")
        self.run("set-option", "-g", "status", "off")

    def run(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                                text=True, env=self.env, timeout=20)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def type(self, line: str) -> None:
        self.run("send-keys", "-t", "davis", "-l", line)
        self.run("send-keys", "-t", "davis", "Enter")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "davis", *keys)

    def screen(self, escapes: bool = True) -> str:
        return self.run("capture-pane", "-t", "davis", "-p", *(["-e"] if escapes else []))

    def lines(self) -> list[str]:
        return self.screen(escapes=False).rstrip("\n").split("\n")

    def alternate_on(self) -> bool:
        return self.run("display", "-p", "-t", "davis", "#{alternate_on}").strip() == "1"

    def cursor_visible(self) -> bool:
        return self.run("display", "-p", "-t", "davis", "#{cursor_flag}").strip() == "1"

    def wait_for(self, condition, what: str, timeout_s: float = 30.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; the screen shows:\n{self.screen(False)}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True,
                       env=self.env, timeout=20)


@pytest.fixture(scope="module")
def terminal_song(tmp_path_factory, helpers):
    """A 30 s song whose features move (a sweep with clicks)."""
    rate = 22050
    path = tmp_path_factory.mktemp("terminal-songs") / "terminal song.wav"
    sweep = 0.4 * helpers.sine_sweep(30.0, rate, 100.0, 3000.0)
    return helpers.write_audio(path, helpers.clicks(30.0, rate, np.arange(0.3, 30.0, 0.45),
                                                    background=sweep), rate)


@pytest.fixture
def tmux(tmp_path, terminal_song, tiny_model, cli):
    assert cli("encode", terminal_song, "--model", tiny_model).exit_code == 0  # cached once
    env = {key: value for key, value in os.environ.items()
           if key not in ("TMUX", "TMUX_PANE", "COLORTERM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TERM="xterm-256color", SDL_AUDIODRIVER="dummy",
               DAVIS_DATA_DIR=str(tmp_path / "user-data"), PYTHONPATH=os.pathsep.join(sys.path))
    session = Tmux(tmp_path, env)
    yield session
    session.kill()


def play_command(song: Path, model: Path, *options: str, env: str = "") -> str:
    command = [sys.executable, "-m", "visualizer", "play", str(song), "--model", str(model),
               "--seed", "1", *options]
    return f"{env} {shlex.join(command)}; echo EXIT=$?"


def picture(lines: list[str]) -> list[str]:
    """The picture rows well inside the frame (no title, messages or status line)."""
    return lines[3:ROWS - 6]


def status(tmux: Tmux) -> str:
    return tmux.lines()[-1] if len(tmux.lines()) == ROWS else ""


def escaped_picture(tmux: Tmux) -> list[str]:
    return picture(tmux.screen().split("\n"))


@needs_tmux
def test_terminal_mode_in_tmux_draws_reacts_to_keys_and_restores(tmux, terminal_song, tiny_model):
    tmux.type(play_command(terminal_song, tiny_model, "--terminal",
                           env="env COLORTERM=truecolor"))
    tmux.wait_for(lambda: "kaleidoscope" in status(tmux) and "▀" in tmux.screen(),
                  "the picture and the status line")
    screen = tmux.screen()
    assert re.search(r"\x1b\[(?:[0-9;]*;)?38;2;\d+;\d+;\d+", screen), "no 24-bit colours"
    assert re.search(r"\x1b\[(?:[0-9;]*;)?48;2;\d+;\d+;\d+", screen)
    assert tmux.alternate_on()
    line = status(tmux)
    assert "terminal song" in line and "/0:30" in line and "←f" in line and "fps" in line

    # Paused, the picture holds still; R reshuffles: a new mapping and another picture.
    tmux.keys("Space")
    tmux.wait_for(lambda: "‖" in status(tmux), "the paused status")
    time.sleep(0.5)
    still = escaped_picture(tmux)
    time.sleep(0.3)
    assert escaped_picture(tmux) == still, "the paused picture changed"
    mapping = status(tmux).split("kaleidoscope")[1]
    tmux.keys("r")
    tmux.wait_for(lambda: "Mapping reshuffled" in tmux.screen(escapes=False), "the R message")
    tmux.wait_for(lambda: status(tmux).split("kaleidoscope")[1] != mapping, "a new mapping")
    tmux.wait_for(lambda: escaped_picture(tmux) != still, "R to change the picture")

    # N: the next animation, named in the status line, another picture.
    reshuffled = escaped_picture(tmux)
    tmux.keys("n")
    tmux.wait_for(lambda: "kaleidoscope" not in status(tmux) and "Animation:" in tmux.screen(False),
                  "N to change the animation")
    tmux.wait_for(lambda: escaped_picture(tmux) != reshuffled, "N to change the picture")

    # H shows the help over the picture.
    tmux.keys("h")
    tmux.wait_for(lambda: "davis — keys" in tmux.screen(False) and "reshuffle the mapping"
                  in tmux.screen(False), "the help")

    # A smaller terminal: the picture and the status line follow it.
    tmux.run("resize-window", "-t", "davis", "-x", "60", "-y", "20")
    tmux.wait_for(lambda: len(tmux.lines()) == 20 and "fps" in tmux.lines()[-1], "the resize")

    tmux.keys("q")
    lines = tmux.wait_for(lambda: [l for l in tmux.lines() if l.startswith("EXIT=")], "quitting")
    assert lines == ["EXIT=0"]
    assert not tmux.alternate_on() and tmux.cursor_visible()
    assert "▀" not in tmux.screen(escapes=False)
    tmux.type("echo typed-back")  # echo and line editing are back
    tmux.wait_for(lambda: "echo typed-back\n" in tmux.screen(False)
                  and "\ntyped-back\n" in tmux.screen(False), "the shell to echo again")


@needs_tmux
def test_without_display_plays_in_the_terminal_in_256_colours_and_ctrl_c_restores(
        tmux, terminal_song, tiny_model):
    tmux.type(play_command(terminal_song, tiny_model, "--animation", "tunnel"))
    tmux.wait_for(lambda: "tunnel" in status(tmux) and "▀" in tmux.screen(), "the picture")
    screen = tmux.screen()
    assert re.search(r"\x1b\[(?:[0-9;]*;)?38;5;\d+", screen), "no 256-colour escapes"
    assert not re.search(r"[34]8;2;\d+;\d+;\d+", escaped_picture(tmux)[0])
    tmux.keys("C-c")
    lines = tmux.wait_for(lambda: [l for l in tmux.lines() if l.startswith("EXIT=")], "Ctrl-C")
    assert lines == ["EXIT=130"]
    assert not tmux.alternate_on() and tmux.cursor_visible()
    text = tmux.screen(escapes=False)
    assert "no display: playing in the terminal" in text and "Traceback" not in text
    assert "▀" not in text


def test_without_display_or_terminal_exits_2_with_one_clear_line(cli, monkeypatch, helpers):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = cli("play")
    helpers.assert_clean_failure(result, "no display", "not a terminal", "davis render")
    forced = cli("play", "--terminal")
    helpers.assert_clean_failure(forced, "--terminal needs a terminal")


def test_without_display_a_missing_song_is_reported_first(cli, monkeypatch, helpers, tmp_path):
    """The wrong path is the first thing to fix, so it is what the user hears about (in one
    line: no "no playable songs" after it)."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    missing = tmp_path / "no-such-song.ogg"
    result = cli("play", str(missing))
    helpers.assert_clean_failure(result, "no-such-song.ogg")
    assert "no display" not in result.stderr, result.stderr
