"""Terminal mode speed: frames per second and bytes written per frame (`davis play --terminal`).

    python benchmarks/terminal.py [--animation kaleidoscope] [--frames 300] [--cells 160x48,80x24]

Each frame is what the terminal loop does: render offscreen (standalone EGL) at the
terminal's resolution, read the pixels back, turn them into half-block cells, encode the
changed cells (and the status line) and write the bytes, here to /dev/null. Song time moves
1/30 s per frame, as at the default 30 fps cap, so bytes per frame are what a terminal gets.
Target (2-core CPU, Mesa llvmpipe): 30 fps or more at 160x48 cells, 24-bit colour.
Features: the demo song's, from the cache (encoded on first use).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import verdict  # noqa: E402

TARGET_FPS = 30
STEP_S = 1 / 30


def measure(ctx, features, animation: str, cells: tuple[int, int], truecolor: bool,
            frames: int, out_fd: int) -> dict:
    from encoder.audio import DEMO_SONG
    from visualizer.looks import Look
    from visualizer.session import PlayOptions, build_player
    from visualizer.terminal import TerminalView, picture_size

    parts = build_player(ctx, picture_size(*cells), {DEMO_SONG: features}, Look(animation),
                         PlayOptions(seed=0, volume=0.0))
    try:
        player, renderer = parts.player, parts.renderer
        player.start()
        player.audio.pause(True)
        view = TerminalView(truecolor)
        view.resize(*cells)
        start_s = 30.0  # into the song, where the music is going
        frame_s, render_s, sizes = [], [], []
        for index in range(-30, frames):  # 30 warm-up frames: shader compilation, first uploads
            started = time.perf_counter()
            renderer.render(start_s + index * STEP_S)
            rgb = renderer.read_rgb()
            rendered = time.perf_counter()
            data = view.draw(rgb, player.now())
            os.write(out_fd, data)
            done = time.perf_counter()
            if index >= 0:
                frame_s.append(done - started)
                render_s.append(rendered - started)
                sizes.append(len(data))
    finally:
        parts.close()
    return {"fps": 1 / statistics.mean(frame_s), "frame_ms": statistics.median(frame_s) * 1000,
            "render_ms": statistics.median(render_s) * 1000,
            "terminal_ms": statistics.median([f - r for f, r in zip(frame_s, render_s)]) * 1000,
            "bytes": statistics.mean(sizes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--animation", default="kaleidoscope")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--cells", default="160x48,80x24", help="terminal sizes, COLSxROWS")
    args = parser.parse_args()
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from encoder.audio import DEMO_SONG
    from encoder.batch import FeatureSource
    from visualizer.gl import offscreen_context

    console = Console()
    features = FeatureSource().get(DEMO_SONG).features
    ctx = offscreen_context()
    table = Table(title=f"davis play --terminal: {args.animation}, {args.frames} frames to "
                        f"/dev/null", caption="ms: medians; render: GL and read-back; encode: "
                                              "cells, diff, text")
    for column in ("cells", "colour", "fps", "ms/frame", "render ms", "encode ms", "KiB/frame"):
        table.add_column(column, justify="right")
    verdicts = []
    out_fd = os.open(os.devnull, os.O_WRONLY)
    try:
        for text in args.cells.split(","):
            cells = tuple(int(v) for v in text.lower().split("x"))
            for truecolor in (True, False):
                result = measure(ctx, features, args.animation, cells, truecolor, args.frames,
                                 out_fd)
                table.add_row(text, "24-bit" if truecolor else "256", f"{result['fps']:.0f}",
                              f"{result['frame_ms']:.2f}", f"{result['render_ms']:.2f}",
                              f"{result['terminal_ms']:.2f}", f"{result['bytes'] / 1024:.1f}")
                if truecolor and cells == (160, 48):
                    verdicts.append(f"160x48, 24-bit: {result['fps']:.0f} fps "
                                    f"{verdict(result['fps'], TARGET_FPS, lower_is_better=False)}")
    finally:
        os.close(out_fd)
    console.print(table)
    for line in verdicts:
        console.print(line)


if __name__ == "__main__":
    main()
