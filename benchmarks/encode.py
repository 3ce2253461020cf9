"""Encode speed: wall time per minute of audio by stage, and the whole `davis encode` process.

    python benchmarks/encode.py [--minutes 2] [--model PATH] [--device auto|cpu|cuda]
                                [--engine numpy|torch]
    python benchmarks/encode.py --library FOLDER

Targets (2-core CPU): a 2-minute song in under 1 s in-process after imports, the whole
`davis encode` process in under 4 s. GPU: a 4-minute song in under 0.3 s in-process.
With --library: `davis encode FOLDER --force` as a whole process, on every core and on one
(taskset), in seconds of audio per wall second (target 300 on 2 cores, and 1.8x one core),
and the peak memory of the whole process tree, workers included (target 0.5 GB).
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
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import installed_env, make_song, verdict  # noqa: E402

STAGES = ("decode", "spectrogram", "network", "smoothing")


def in_process(song: Path, model: Path | None, device: str, engine: str | None,
               repeats: int) -> dict[str, float]:
    from encoder.inference import FeatureEncoder
    from encoder.spectral import thread_count

    encoder = FeatureEncoder(model, device, engine=engine)
    encoder.encode_file(song)  # warm-up: allocator, FFT plans, CUDA context
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        encoder.encode_file(song)
        runs.append({"total": time.perf_counter() - started, **encoder.timings})
    best = min(runs, key=lambda run: run["total"])
    best["device"] = f"{encoder.engine} on {encoder.device}"
    best["engine"], best["threads"] = encoder.engine, thread_count()
    return best


def whole_process(song: Path, model: Path | None, repeats: int) -> float:
    command = [sys.executable, "-m", "visualizer", "encode", str(song), "--force"]
    if model:
        command += ["--model", str(model)]
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = installed_env(DAVIS_CACHE_DIR=cache)
        subprocess.run(command, env=env, check=True, capture_output=True)  # warm-up
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants, now (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm:
                rss[int(entry)] = int(statm.read().split()[1]) * page
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(rss.get(pid, 0) for pid in tree)


def library(folder: Path, one_core: bool) -> tuple[float, int]:
    """(wall seconds, peak bytes of the process tree) of `davis encode FOLDER --force`."""
    command = [sys.executable, "-m", "visualizer", "encode", str(folder), "--force"]
    if one_core:
        command = ["taskset", "-c", "0", *command, "--jobs", "1"]
    with tempfile.TemporaryDirectory() as cache:
        env = installed_env(DAVIS_CACHE_DIR=cache)
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"davis encode failed with exit code {process.returncode}")
    return wall, peak


def library_report(folder: Path, console: Console) -> None:
    import soundfile

    from encoder.audio import find_songs

    songs, _ = find_songs([folder])
    audio_s = sum(soundfile.info(str(song)).duration for song in songs)
    console.print(f"{len(songs)} songs, {audio_s / 60:.1f} min of audio in {folder}")
    rates = {}
    for label, one_core in (("all cores", False), ("one core", True)):
        wall, peak = library(folder, one_core)
        rates[label] = audio_s / wall
        console.print(f"{label:>9}: {wall:6.1f} s, {rates[label]:5.0f} s of audio per second, "
                      f"peak memory {peak / 2**30:.2f} GB (process tree)"
                      + (f" {verdict(peak / 2**30, 0.5)}" if not one_core else ""))
    speedup = rates["all cores"] / rates["one core"]
    console.print(f"all cores: {rates['all cores']:.0f} s/s {verdict(rates['all cores'], 300, False)}; "
                  f"{speedup:.2f}x one core {verdict(speedup, 1.8, False)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=None,
                        help="song length (default: 2 on the CPU, 4 on a GPU)")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--engine", choices=("numpy", "torch"), default=None,
                        help="in-process engine (default: numpy on the CPU, torch on a GPU)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--library", type=Path, default=None,
                        help="a folder of songs: measure a whole-library encode instead")
    args = parser.parse_args()
    console = Console()
    if args.library is not None:
        library_report(args.library, console)
        return
    from encoder.inference import inference_device

    on_gpu = inference_device(args.device) == "cuda"
    minutes = args.minutes or (4.0 if on_gpu else 2.0)
    with tempfile.TemporaryDirectory() as folder:
        song = make_song(Path(folder) / "song.ogg", minutes)
        result = in_process(song, args.model, args.device, args.engine, args.repeats)
        process_s = whole_process(song, args.model, args.repeats)
    table = Table(title=f"davis encode: {minutes:g}-minute OGG (44.1 kHz stereo), {result['device']}, "
                        f"best of {args.repeats}")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("s per minute of audio", justify="right")
    for stage in (*STAGES, "total"):
        table.add_row(stage, f"{result[stage]:.3f}", f"{result[stage] / minutes:.3f}")
    console.print(table)
    if result["engine"] == "numpy" and result["threads"] > 1:
        console.print("(numpy on several cores analyses each chunk while the rest of the file "
                      "decodes: decode includes that spectrogram, spectrogram is what was left)")
    target = 0.3 if on_gpu else 1.0
    console.print(f"in-process total {result['total']:.3f} s for {minutes:g} min: "
                  f"{verdict(result['total'] * (4 if on_gpu else 2) / minutes, target)}")
    console.print(f"whole `davis encode` process (median of {args.repeats}): {process_s:.2f} s "
                  f"{verdict(process_s * 2 / minutes, 4.0)}")


if __name__ == "__main__":
    main()
