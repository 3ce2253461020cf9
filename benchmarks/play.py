"""Player speed: time to first frame with cached features, frame times, Python time per frame.

    python benchmarks/play.py [--animation kaleidoscope] [--size 1280x720] [--frames 300]

Targets (2-core CPU, Mesa llvmpipe): first frame under 1 s with cached features, Python work
under 2 ms per frame, kaleidoscope at 60 fps or more at 1280x720. Starts Xvfb when there is
no DISPLAY; audio goes to SDL's dummy driver.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import verdict  # noqa: E402
from _display import display  # noqa: E402


def first_frame_s(animation: str, size: str, repeats: int = 5) -> float:
    """Whole `davis play` processes that quit right after their first frame (median)."""
    command = [sys.executable, "-m", "visualizer", "play", "--windowed", "--size", size,
               "--animation", animation, "--duration", "0"]
    subprocess.run(command, check=True, capture_output=True)  # makes sure the demo is cached
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def frame_loop(animation: str, size: tuple[int, int], frames: int) -> tuple[list[float], list[float]]:
    """Frame times and per-frame work (input, render, draw, swap) of the real session loop,
    unthrottled."""
    from encoder.audio import DEMO_SONG
    from encoder.batch import FeatureSource
    from visualizer.looks import Look
    from visualizer.session import PlayOptions, Session
    from visualizer.window import WindowOptions, open_window

    features = FeatureSource().get(DEMO_SONG).features
    window = open_window(WindowOptions(windowed=True, size=size), fps_limit=100000)
    with Session(window, {DEMO_SONG: features}, Look(animation), PlayOptions(seed=0)) as session:
        for _ in range(30):  # warm-up: shader compilation, first uploads
            session.step()
        session.stats.clear()
        for _ in range(frames):
            session.step()
        window.ctx.finish()
        return list(session.stats.frame_times), list(session.stats.work_times)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--animation", default="kaleidoscope")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    width, height = (int(v) for v in args.size.split("x"))
    console = Console()
    with display():
        startup = first_frame_s(args.animation, args.size)
        frame_times, work_times = frame_loop(args.animation, (width, height), args.frames)
        # Python's share alone: the same loop on a tiny window, where GL work is negligible.
        _, tiny_python = frame_loop(args.animation, (64, 36), args.frames)
    median_ms = statistics.median(frame_times) * 1000
    console.print(f"[bold]davis play[/] {args.animation} at {args.size}, {args.frames} frames")
    console.print(f"time to first frame (whole process, cached features): {startup:.2f} s "
                  f"{verdict(startup, 1.0)}")
    console.print(f"frame time: median {median_ms:.2f} ms ({1000 / median_ms:.0f} fps), "
                  f"99th percentile {percentile(frame_times, 99) * 1000:.2f} ms "
                  f"{verdict(1000 / median_ms, 60, lower_is_better=False)}")
    console.print(f"work per frame (input, render, draw, swap): median "
                  f"{statistics.median(work_times) * 1000:.2f} ms")
    console.print(f"Python work per frame (64x36 window): median "
                  f"{statistics.median(tiny_python) * 1000:.3f} ms, 99th percentile "
                  f"{percentile(tiny_python, 99) * 1000:.3f} ms "
                  f"{verdict(statistics.median(tiny_python) * 1000, 2.0)}")


if __name__ == "__main__":
    main()
