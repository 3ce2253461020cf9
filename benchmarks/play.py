"""Player speed: time to first frame with cached features, frame times, Python time per frame.

    python benchmarks/play.py [--animation kaleidoscope] [--size 1280x720] [--frames 300]
    python benchmarks/play.py --transitions [--size 1280x720] [--frames 300]
    python benchmarks/play.py --folder data/recordings/heldout/flare-game [--songs 8]

Targets (2-core CPU, Mesa llvmpipe): first frame under 1 s with cached features and under
1.5 s for a new 3-minute song (encoded first, in the same process), Python work
under 2 ms per frame, kaleidoscope at 60 fps or more at 1280x720. With --transitions: every
animation's frame time alone, then the median frame during a blend of the two heaviest (both
alive, each in its framebuffer, in every style) within 2x of the heavier alone. With --folder:
first frame of a folder of new songs (only the first is encoded before it), then frame times
at 60 fps while the background prepares the rest, next to the same loop with nothing in the
background. Starts Xvfb
when there is no DISPLAY; audio goes to SDL's dummy driver.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import installed_env, make_song, verdict  # noqa: E402
from _display import display  # noqa: E402


def play_until_first_frame(animation: str, size: str, *songs: Path) -> list[str]:
    """A whole `davis play` process that quits right after its first frame."""
    return [sys.executable, "-m", "visualizer", "play", *map(str, songs), "--windowed",
            "--size", size, "--animation", animation, "--duration", "0"]


def first_frame_s(animation: str, size: str, repeats: int = 5) -> float:
    """Whole `davis play` processes that quit right after their first frame (median)."""
    command = play_until_first_frame(animation, size)
    env = installed_env()
    subprocess.run(command, check=True, capture_output=True, env=env)  # caches demo and bytecode
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def first_frame_new_song_s(animation: str, size: str, minutes: float = 3.0,
                           repeats: int = 3) -> float:
    """Whole `davis play` processes on a song never encoded before (an empty feature cache
    each time), quitting right after the first frame (median)."""
    times = []
    with tempfile.TemporaryDirectory() as folder:
        song = make_song(Path(folder) / "new-song.ogg", minutes)
        for attempt in range(repeats):
            cache = Path(folder) / f"cache-{attempt}"
            command = play_until_first_frame(animation, size, song)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True,
                           env=installed_env(DAVIS_CACHE_DIR=str(cache)))
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def frame_loop(animation: str, size: tuple[int, int], frames: int, *,
               blend_to: str | None = None,
               style: str | None = None) -> tuple[list[float], list[float]]:
    """Frame times and per-frame work (input, render, draw, swap) of the real session loop,
    unthrottled; with `blend_to`, only frames drawn during blends (in `style`, of the default
    length) back and forth between `animation` and that one, so that every stage of a blend's
    progress is measured."""
    from encoder.audio import DEMO_SONG
    from encoder.batch import FeatureSource
    from visualizer.looks import Look
    from visualizer.session import PlayOptions, Session
    from visualizer.transitions import DEFAULT_TRANSITION_S, TransitionSettings
    from visualizer.window import WindowOptions, open_window

    features = FeatureSource().get(DEMO_SONG).features
    window = open_window(WindowOptions(windowed=True, size=size), fps_limit=100000)
    blend_s = DEFAULT_TRANSITION_S if blend_to else 0.0
    options = PlayOptions(seed=0, transition=TransitionSettings(blend_s, style))
    with Session(window, {DEMO_SONG: features}, Look(animation), options) as session:
        renderer = session.renderer
        for _ in range(30):  # warm-up: shader compilation, first uploads
            session.step()
        if blend_to is None:
            session.stats.clear()
            for _ in range(frames):
                session.step()
            return list(session.stats.frame_times), list(session.stats.work_times)
        frame_times: list[float] = []
        work_times: list[float] = []
        pair = (animation, blend_to)
        while len(frame_times) < frames:
            if renderer.animations_alive == 1:  # the last blend ended: blend back
                # the next frame, which creates the new look, counts as a blend frame too
                renderer.set_animation(pair[renderer.animation_name == animation])
            session.step()
            if renderer.animations_alive == 2:
                frame_times.append(session.stats.frame_times[-1])
                work_times.append(session.stats.work_times[-1])
        return frame_times, work_times


def transitions(size: tuple[int, int], frames: int, console: Console) -> None:
    """Every animation alone, then blends of the two heaviest in every style."""
    from visualizer.animations import animation_names
    from visualizer.transitions import transition_styles

    alone = {name: statistics.median(frame_loop(name, size, frames)[0]) * 1000
             for name in animation_names()}
    for name, ms in sorted(alone.items(), key=lambda item: item[1]):
        console.print(f"{name:>14} alone: median {ms:6.2f} ms ({1000 / ms:.0f} fps)")
    heavier, other = sorted(alone, key=alone.get, reverse=True)[:2]
    console.print(f"blends of the two heaviest, {heavier} -> {other} "
                  f"(target: median within 2x of {heavier} alone, {alone[heavier]:.2f} ms)")
    for style in transition_styles():
        times, _ = frame_loop(heavier, size, frames, blend_to=other, style=style)
        ms = statistics.median(times) * 1000
        console.print(f"{style:>14}: median {ms:6.2f} ms ({1000 / ms:.0f} fps), 99th "
                      f"percentile {percentile(times, 99) * 1000:.2f} ms, "
                      f"{ms / alone[heavier]:.2f}x {verdict(ms / alone[heavier], 2.0)}")


def folder(songs: list[Path], size: tuple[int, int], console: Console) -> None:
    """A folder of new songs: first frame, and the player's frames while the rest are prepared."""
    from encoder.background import SongFeatures
    from encoder.batch import FeatureSource
    from visualizer.looks import Look
    from visualizer.session import PlayOptions, Session
    from visualizer.window import WindowOptions, open_window

    seconds = [song_seconds(song) for song in songs]
    console.print(f"[bold]davis play FOLDER[/]: {len(songs)} new songs, "
                  f"{sum(seconds) / 60:.1f} min")
    with tempfile.TemporaryDirectory() as scratch:
        link = Path(scratch) / "album"
        link.mkdir()
        for index, song in enumerate(songs):
            (link / f"{index:02d} {song.name}").symlink_to(song.resolve())
        times = []
        for attempt in range(3):
            command = play_until_first_frame("kaleidoscope", f"{size[0]}x{size[1]}", link)
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True,
                           env=installed_env(DAVIS_CACHE_DIR=f"{scratch}/cache-{attempt}"))
            times.append(time.perf_counter() - started)
        console.print(f"time to first frame (whole process, empty cache): median "
                      f"{statistics.median(times):.2f} s (runs: "
                      f"{', '.join(f'{t:.2f}' for t in times)})")
        os.environ["DAVIS_CACHE_DIR"] = f"{scratch}/cache-frames"
        source = FeatureSource()
        first = source.get(songs[0]).features
        for background in (False, True):
            features = SongFeatures(songs if background else songs[:1], {songs[0]: first},
                                    source)
            window = open_window(WindowOptions(windowed=True, size=size), fps_limit=60)
            with Session(window, features, Look("kaleidoscope"), PlayOptions(seed=0)) as session:
                for _ in range(30):
                    session.step()
                session.stats.clear()
                started = time.perf_counter()
                prepared_s = None
                frame_times = []
                while time.perf_counter() - started < (60.0 if background else 10.0):
                    session.step()
                    frame_times.append(session.stats.frame_times[-1])
                    if background and prepared_s is None and not features.pending:
                        prepared_s = time.perf_counter() - started
                        break
            features.close()
            median_ms = statistics.median(frame_times) * 1000
            what = (f"while preparing {len(songs) - 1} songs in the background"
                    if background else "with nothing in the background")
            console.print(f"frames at 60 fps {what}: median {median_ms:.1f} ms, 95th / 99th "
                          f"percentile {percentile(frame_times, 95) * 1000:.1f} / "
                          f"{percentile(frame_times, 99) * 1000:.1f} ms, "
                          f"{sum(t > 1 / 50 for t in frame_times) / len(frame_times):.1%} "
                          f"of frames over 20 ms")
            if background:
                rate = sum(seconds[1:]) / prepared_s if prepared_s else float("nan")
                console.print(f"the rest prepared in {prepared_s or float('nan'):.1f} s "
                              f"({rate:.0f} s of audio per second) while playing")


def song_seconds(song: Path) -> float:
    import soundfile

    return soundfile.info(str(song)).duration


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--animation", default="kaleidoscope")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--transitions", action="store_true",
                        help="frame times during blends of the two heaviest animations")
    parser.add_argument("--folder", type=Path, default=None,
                        help="play this folder's songs as new ones (see above)")
    parser.add_argument("--songs", type=int, default=8, help="with --folder: how many")
    args = parser.parse_args()
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    width, height = (int(v) for v in args.size.split("x"))
    console = Console()
    if args.folder is not None:
        from encoder.audio import find_songs

        songs, _ = find_songs([args.folder])
        with display():
            folder(songs[:args.songs], (width, height), console)
        return
    if args.transitions:
        with display():
            transitions((width, height), args.frames, console)
        return
    with display():
        startup = first_frame_s(args.animation, args.size)
        new_song = first_frame_new_song_s(args.animation, args.size)
        frame_times, work_times = frame_loop(args.animation, (width, height), args.frames)
        # Python's share alone: the same loop on a tiny window, where GL work is negligible.
        _, tiny_python = frame_loop(args.animation, (64, 36), args.frames)
    median_ms = statistics.median(frame_times) * 1000
    console.print(f"[bold]davis play[/] {args.animation} at {args.size}, {args.frames} frames")
    console.print(f"time to first frame (whole process, cached features): {startup:.2f} s "
                  f"{verdict(startup, 1.0)}")
    console.print(f"time to first frame (whole process, a new 3-minute OGG song, encoded "
                  f"first): {new_song:.2f} s {verdict(new_song, 1.5)}")
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
