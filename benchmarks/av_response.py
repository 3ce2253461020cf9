"""Does the picture move with the music? Audio–visual response of every animation on real songs.

    python benchmarks/av_response.py [--songs 8] [--seeds 0 1 2] [--seconds 40]
        [--size 320x180] [--fps 30] [--animations tunnel field] [--strip docs/onset_strip.png]
        [--json out/av_response.json]

Renders every animation over held-out recordings (`scripts/build_recordings.py`: packages
davis never trained on) through the same code as `davis render` (renderer, GPU yuv420p
conversion, readback, H.264 encoder), a clip of `--seconds` from 30 s into each song, and
compares how much the picture changes (mean absolute difference of consecutive frames'
luma, 64x36 block means) with the audio's onset strength (librosa, at the video's rate):

- event response: the picture's change in the 5 frames from each strong onset (onset
  strength peaks above the clip's 90th percentile, at least 0.25 s apart) over its change in
  frames -6..-2 before it. 1.0: the picture does not answer events.
- moment-to-moment correlation: both signals minus their own 0.5 s moving average, the best
  Pearson correlation with the picture 0..4 frames behind the sound.

Each is reported on the median song (averaged over seeds first) next to its null: the same
figures with the onset strength of another song (every mismatched pair; median, and 95th
percentile for the correlation). Targets: event response >= 1.5, correlation >= 0.25 with a
null p95 <= 0.10, and `lights` changing within 2x as much as the median animation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import heldout_recordings, onset_strength  # noqa: E402

GRID = (64, 36)         # the picture is compared at this resolution
AFTER, BEFORE = (0, 5), (-6, -1)  # frame windows around an onset: [0, 5) and [-6, -1)
MIN_GAP_S = 0.25
LAGS = range(0, 5)
HIGH_PASS_S = 0.5
CLIP_START_S = 30.0


@dataclass
class Clip:
    """One rendered clip: the picture's change per frame and a few frames kept for a strip."""

    song: Path
    animation: str
    seed: int
    change: np.ndarray              # (frames,), change[0] = nan
    luma: list = field(default_factory=list)  # full-size luma frames (only when asked)


def block_means(luma: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Average an (h, w) picture down to grid (w, h) blocks (edges cropped to fit)."""
    gw, gh = grid
    h, w = luma.shape
    bh, bw = h // gh, w // gw
    return luma[:gh * bh, :gw * bw].reshape(gh, bh, gw, bw).mean(axis=(1, 3))


def picture_change(frames: list[np.ndarray]) -> np.ndarray:
    change = np.full(len(frames), np.nan)
    for i in range(1, len(frames)):
        change[i] = np.abs(frames[i] - frames[i - 1]).mean()
    return change


def strong_onsets(onset: np.ndarray, fps: float) -> np.ndarray:
    """Peaks above the 90th percentile, strongest first, kept at least MIN_GAP_S apart."""
    threshold = np.percentile(onset, 90)
    peaks = [i for i in range(1, len(onset) - 1)
             if onset[i] > threshold and onset[i] >= onset[i - 1] and onset[i] >= onset[i + 1]]
    kept: list[int] = []
    for index in sorted(peaks, key=lambda i: -onset[i]):
        if all(abs(index - other) >= MIN_GAP_S * fps for other in kept):
            kept.append(index)
    return np.array(sorted(kept), dtype=np.int64)


def event_response(change: np.ndarray, onsets: np.ndarray) -> float:
    after, before = [], []
    for k in onsets:
        if k + BEFORE[0] < 1 or k + AFTER[1] > len(change):
            continue
        after.append(np.mean(change[k + AFTER[0]:k + AFTER[1]]))
        before.append(np.mean(change[k + BEFORE[0]:k + BEFORE[1]]))
    if not after or np.mean(before) <= 0:
        return float("nan")
    return float(np.mean(after) / np.mean(before))


def high_pass(signal: np.ndarray, width: int) -> np.ndarray:
    kernel = np.ones(width) / width
    padded = np.pad(signal, (width // 2, width - 1 - width // 2), mode="edge")
    return signal - np.convolve(padded, kernel, mode="valid")


def best_lagged_correlation(change: np.ndarray, onset: np.ndarray, fps: float) -> float:
    width = max(3, round(HIGH_PASS_S * fps))
    n = min(len(change), len(onset))
    picture = high_pass(np.nan_to_num(change[:n], nan=np.nanmean(change[1:n])), width)
    sound = high_pass(onset[:n], width)
    best = -1.0
    for lag in LAGS:  # the picture answers `lag` frames after the sound
        a, b = picture[1 + lag:], sound[1:n - lag]
        if a.std() > 0 and b.std() > 0:
            best = max(best, float(np.corrcoef(a, b)[0, 1]))
    return best


def render_clip(ctx, features, song: Path, animation: str, seed: int, args, keep_luma: bool) -> Clip:
    from visualizer.session import Look
    from visualizer.video.render import render_video

    width, height = args.size
    frames, kept = [], []

    def hook(i420: np.ndarray) -> None:
        luma = i420[:height].astype(np.float32)
        frames.append(block_means(luma, GRID))
        if keep_luma:
            kept.append(i420.copy())

    with tempfile.TemporaryDirectory() as folder:
        render_video(ctx, features, song, Look(animation), Path(folder) / "clip.mp4",
                     size=args.size, fps=args.fps, seed=seed, start_s=args.start_s[song],
                     duration_s=args.seconds, frame_hook=hook)
    return Clip(song, animation, seed, picture_change(frames), kept)


def i420_to_rgb(i420: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """BT.709 limited-range yuv420p (as davis writes it) to (h, w, 3) uint8."""
    width, height = size
    y = i420[:height].astype(np.float32)
    chroma = i420[height:].reshape(-1)
    u = chroma[:width * height // 4].reshape(height // 2, width // 2).astype(np.float32)
    v = chroma[width * height // 4:].reshape(height // 2, width // 2).astype(np.float32)
    u, v = (np.repeat(np.repeat(c, 2, 0), 2, 1) - 128.0 for c in (u, v))
    y = (y - 16.0) * (255.0 / 219.0)
    u, v = u * (255.0 / 224.0), v * (255.0 / 224.0)
    rgb = np.stack([y + 1.5748 * v, y - 0.1873 * u - 0.4681 * v, y + 1.8556 * u], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def save_strip(clips: list[Clip], onset: np.ndarray, fps: int, size, path: Path) -> None:
    """Frames -3..+6 around the clip's strongest onset, one row per animation, with the
    onset strength and the picture change of each row beneath."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    peaks = strong_onsets(onset, fps)
    centre = int(peaks[np.argmax(onset[peaks])]) if len(peaks) else len(onset) // 2
    centre = min(max(centre, 4), len(onset) - 8)
    offsets = list(range(-3, 7))
    figure, axes = pyplot.subplots(len(clips) + 1, len(offsets),
                                   figsize=(len(offsets) * 1.6, (len(clips) + 1) * 1.05), dpi=110)
    for row, clip in enumerate(clips):
        for column, offset in enumerate(offsets):
            axis = axes[row, column]
            axis.imshow(i420_to_rgb(clip.luma[centre + offset], size))
            axis.set_xticks([]), axis.set_yticks([])
            if row == 0:
                axis.set_title(f"{offset * 1000 / fps:+.0f} ms", fontsize=7)
            if column == 0:
                axis.set_ylabel(clip.animation, fontsize=7)
    for axis in axes[-1]:
        axis.remove()
    graph = figure.add_subplot(len(clips) + 1, 1, len(clips) + 1)
    span = np.arange(centre - 15, centre + 25)
    times = (span - centre) * 1000 / fps
    graph.plot(times, onset[span] / onset[span].max(), color="black", label="onset strength")
    for clip in clips:
        change = np.nan_to_num(clip.change[span])
        graph.plot(times, change / max(change.max(), 1e-9), linewidth=0.8, label=clip.animation)
    graph.axvspan(offsets[0] * 1000 / fps, offsets[-1] * 1000 / fps, color="grey", alpha=0.15)
    graph.set_xlabel("ms from the onset (shaded: the frames above)", fontsize=7)
    graph.tick_params(labelsize=6)
    graph.legend(fontsize=5, ncol=len(clips) + 1, loc="upper left")
    figure.tight_layout(pad=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)


def parse_size(text: str) -> tuple[int, int]:
    width, height = (int(part) for part in text.lower().split("x"))
    return width, height


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heldout", type=Path, default=Path("data/recordings/heldout"))
    parser.add_argument("--songs", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--size", type=parse_size, default=(320, 180))
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--animations", nargs="+", default=None)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--strip", type=Path, default=None,
                        help="save a strip of frames around a strong onset (first song, seed 0)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    console = Console(width=140)

    import soundfile

    from encoder.audio import load_song
    from encoder.batch import FeatureSource
    from visualizer.animations import animation_names
    from visualizer.gl import offscreen_context

    songs = heldout_recordings(args.heldout, args.songs)
    animations = args.animations or animation_names()
    source = FeatureSource(args.model)
    ctx = offscreen_context()
    features, onsets, args.start_s = {}, {}, {}
    for song in songs:
        outcome = source.get(song)
        if outcome.error is not None:
            raise SystemExit(str(outcome.error))
        features[song] = outcome.features
        length = soundfile.info(str(song)).duration
        args.start_s[song] = max(0.0, min(CLIP_START_S, length - args.seconds))
        samples = load_song(song, 22050).samples
        start = round(args.start_s[song] * 22050)
        clip = samples[start:start + round(args.seconds * 22050)]
        onsets[song] = onset_strength(clip, 22050, args.fps)

    results: dict[str, dict] = {}
    strip_clips = []
    total = len(animations) * len(songs) * len(args.seeds)
    done = 0
    for animation in animations:
        per_song = {song: [] for song in songs}
        for song in songs:
            for seed in args.seeds:
                keep = args.strip is not None and song == songs[0] and seed == args.seeds[0]
                clip = render_clip(ctx, features[song], song, animation, seed, args, keep)
                per_song[song].append(clip)
                if keep:
                    strip_clips.append(clip)
                done += 1
                console.print(f"[dim]{done}/{total} {animation} {song.name} seed {seed}[/]", end="\r")
        results[animation] = summarise(per_song, onsets, args.fps)
    console.print()
    show(console, results, len(songs), args)
    if args.strip is not None and strip_clips:
        save_strip(strip_clips, onsets[songs[0]], args.fps, args.size, args.strip)
        console.print(f"strip: {args.strip} ({songs[0].name})")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")


def summarise(per_song: dict[Path, list[Clip]], onsets: dict[Path, np.ndarray], fps: int) -> dict:
    songs = list(per_song)
    response, correlation, change = [], [], []
    null_response, null_correlation = [], []
    for index, song in enumerate(songs):
        clips = per_song[song]
        peaks = strong_onsets(onsets[song], fps)
        response.append(np.nanmean([event_response(c.change, peaks) for c in clips]))
        correlation.append(np.mean([best_lagged_correlation(c.change, onsets[song], fps)
                                    for c in clips]))
        change.append(np.mean([np.nanmean(c.change) for c in clips]))
        for other in songs[:index] + songs[index + 1:]:
            other_peaks = strong_onsets(onsets[other], fps)
            null_response.append(np.nanmean([event_response(c.change, other_peaks) for c in clips]))
            null_correlation.append(np.mean([best_lagged_correlation(c.change, onsets[other], fps)
                                             for c in clips]))
    return {
        "event_response": float(np.nanmedian(response)),
        "event_response_null": float(np.nanmedian(null_response)) if null_response else float("nan"),
        "correlation": float(np.median(correlation)),
        "correlation_null_median": float(np.median(null_correlation)) if null_correlation else float("nan"),
        "correlation_null_p95": float(np.percentile(null_correlation, 95)) if null_correlation else float("nan"),
        "mean_change": float(np.median(change)),
        "per_song_event_response": [float(x) for x in response],
        "per_song_correlation": [float(x) for x in correlation],
    }


def show(console: Console, results: dict[str, dict], n_songs: int, args) -> None:
    table = Table(title=f"A/V response on {n_songs} held-out recordings ({args.seconds:g} s clips, "
                        f"{args.size[0]}x{args.size[1]} at {args.fps} fps, seeds "
                        f"{' '.join(map(str, args.seeds))}); median song")
    for column in ("animation", "event response", "null", "correlation", "null median",
                   "null p95", "mean change (grey levels)"):
        table.add_column(column, justify="left" if column == "animation" else "right")
    median_change = statistics.median(r["mean_change"] for r in results.values())
    for name, r in results.items():
        good_response = r["event_response"] >= 1.5
        good_correlation = r["correlation"] >= 0.25 and r["correlation_null_p95"] <= 0.10
        good_change = 0.5 <= r["mean_change"] / median_change <= 2.0
        table.add_row(name, mark(f"{r['event_response']:.2f}", good_response),
                      f"{r['event_response_null']:.2f}",
                      mark(f"{r['correlation']:.2f}", good_correlation),
                      f"{r['correlation_null_median']:.2f}", f"{r['correlation_null_p95']:.2f}",
                      mark(f"{r['mean_change']:.1f}", good_change))
    console.print(table)
    console.print("Targets: event response >= 1.5; correlation >= 0.25 with null p95 <= 0.10; "
                  "mean change within 2x of the median animation.")


def mark(text: str, good: bool) -> str:
    return f"[green]{text}[/]" if good else f"[red]{text}[/]"


if __name__ == "__main__":
    main()
