"""Live latency budget of `davis live`: capture block, feature time per block, click to pulse.

    python benchmarks/live.py [--song PATH] [--seconds 60] [--clicks 40]

Feeds a song (a held-out recording when there is one, else the demo song) through the same
objects `davis live` uses (`StreamingEncoder`, `LiveFeatures`, in capture blocks of
`visualizer.live.capture.BLOCK` samples at the model's rate) and reports:

- the capture block (target <= 512 samples at 22,050 Hz);
- the time to turn one block into features: model, smoothing, normalisation and pulses
  (target <= 2 ms per block on the 2-core CPU; median and 95th percentile);
- click to pulse: loud clicks are added to the song at random times; the latency of a click
  is from its first sample to the end of the first block after which some feature's pulse
  (0.15 s decay, as `--osc` sends) stands at >= 0.5 where it stood below 0.3 before the click,
  plus that block's compute time (target <= 60 ms; the capture device's own latency and the
  wait for the next displayed frame, <= 1/60 s, come on top).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import verdict  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "data" / "recordings" / "heldout"
PULSE_DECAY_S = 0.15
FIRED, QUIET = 0.5, 0.3
CLICK_S = 0.004


def default_song() -> Path:
    from encoder.audio import DEMO_SONG

    songs = sorted(HELDOUT.glob("*/*.ogg"))
    return songs[len(songs) // 2] if songs else DEMO_SONG


def with_clicks(samples: np.ndarray, rate: int, count: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """The song at -12 dB with `count` clicks (4 ms of white noise at full scale) at random
    times >= 1.2 s apart after the first 10 s (the warm-up of the running normalisation)."""
    song = 0.25 * samples.astype(np.float32)
    span = len(song) / rate - 11.0
    gaps = 1.2 + rng.random(count) * max(span / count - 1.2, 0.1)
    starts = (10.0 + np.cumsum(gaps) - gaps[0]) * rate
    starts = starts[starts < len(song) - rate].astype(np.int64)
    length = int(CLICK_S * rate)
    for start in starts:
        song[start:start + length] += rng.uniform(-1.0, 1.0, length).astype(np.float32)
    return np.clip(song, -1.0, 1.0), starts


def run(samples: np.ndarray, block: int, model: Path | None):
    """Feed `samples` block by block; returns per-block compute seconds, the sample count
    after each block, and each block's maximum pulse over the 10 features."""
    from encoder.live_features import LiveFeatures
    from encoder.streaming import StreamingEncoder

    encoder = StreamingEncoder(model)
    features = LiveFeatures(fps=encoder.config.fps)
    features.pulse(PULSE_DECAY_S)
    seconds, seen, pulses = [], [], []
    for start in range(0, len(samples) - block + 1, block):
        began = time.perf_counter()
        codes = encoder.feed(samples[start:start + block])
        if len(codes):
            features.update(codes)
        pulse = features.pulse(PULSE_DECAY_S).max()
        features.blur(1)
        seconds.append(time.perf_counter() - began)
        seen.append(start + block)
        pulses.append(pulse)
    return np.array(seconds), np.array(seen), np.array(pulses)


def click_latencies(starts, seen, pulses, seconds, rate: int) -> tuple[list[float], int]:
    """Latency (s) of every click whose pulse was quiet before it; and how many were quiet."""
    latencies, quiet = [], 0
    for start in starts:
        before = np.flatnonzero(seen <= start)
        if len(before) == 0 or pulses[before[-1]] >= QUIET:
            continue  # a pulse was already up: this click cannot be told apart
        quiet += 1
        after = np.flatnonzero((seen > start) & (pulses >= FIRED))
        if len(after) and seen[after[0]] - start < rate // 4:
            block = after[0]
            latencies.append((seen[block] - start) / rate + seconds[block])
    return latencies, quiet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--song", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from encoder.audio import load_song
    from encoder.model_file import DEFAULT_MODEL_PATH, read_metadata
    from visualizer.live.capture import BLOCK

    console = Console(highlight=False)
    song_path = args.song or default_song()
    rate = int(read_metadata(args.model or DEFAULT_MODEL_PATH)["config"]["sample_rate"])
    samples = load_song(song_path, rate).samples[:int(args.seconds * rate)]
    if len(samples) < 20 * rate:
        raise SystemExit(f"{song_path}: need at least 20 s of audio")
    console.print(f"{song_path.name}: {len(samples) / rate:.0f} s at {rate:,} Hz, "
                  f"blocks of {BLOCK} samples ({1000 * BLOCK / rate:.1f} ms)")

    run(samples[:5 * rate], BLOCK, args.model)  # warm-up: imports, FFT plans, caches
    seconds, _, _ = run(samples, BLOCK, args.model)
    clicked, starts = with_clicks(samples, rate, args.clicks, np.random.default_rng(args.seed))
    click_seconds, seen, pulses = run(clicked, BLOCK, args.model)
    latencies, quiet = click_latencies(starts, seen, pulses, click_seconds, rate)

    per_block_ms = 1000 * np.concatenate([seconds, click_seconds])
    table = Table(title="davis live: latency budget")
    for column in ("measure", "value", "verdict"):
        table.add_column(column)
    table.add_row("capture block", f"{BLOCK} samples at {rate:,} Hz",
                  verdict(BLOCK, 512.5) if rate <= 22050 else "")
    table.add_row("features per block, median", f"{np.median(per_block_ms):.2f} ms",
                  verdict(float(np.median(per_block_ms)), 2.0))
    table.add_row("features per block, 95th percentile", f"{np.percentile(per_block_ms, 95):.2f} ms",
                  verdict(float(np.percentile(per_block_ms, 95)), 2.0))
    table.add_row("features per block, worst", f"{per_block_ms.max():.2f} ms", "")
    table.add_row("real-time load (compute / audio time)",
                  f"{per_block_ms.mean() / (1000 * BLOCK / rate):.1%}", "")
    if latencies:
        median_ms = 1000 * statistics.median(latencies)
        table.add_row("click to pulse, median", f"{median_ms:.1f} ms", verdict(median_ms, 60.0))
        table.add_row("click to pulse, worst", f"{1000 * max(latencies):.1f} ms",
                      verdict(1000 * max(latencies), 60.0))
    table.add_row("clicks answered", f"{len(latencies)} of {quiet} "
                  f"(of {len(starts)}; the others fell on a pulse already up)", "")
    console.print(table)
    console.print("Add the capture device's latency (PulseAudio: `pactl list sources` shows it) "
                  "and up to one display frame (16.7 ms at 60 fps).")


if __name__ == "__main__":
    main()
