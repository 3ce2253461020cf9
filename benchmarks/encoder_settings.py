"""Which H.264 settings `davis render` should use: encoding speed, file size and fidelity to
the rendered frames, for x264 presets and davis's choice, at the same crf.

    python benchmarks/encoder_settings.py [--animations tunnel kaleidoscope field]
        [--size 1920x1080] [--frames 90] [--crf 20]

Fidelity is judged on the luma plane against the frames the renderer made (the encoder's
input): SSIM (7x7 windows, every 10th frame) and PSNR (every frame, identical frames left
out). Settings that match the reference's SSIM to within 0.001 count as the same quality;
among them the fastest is the one to ship. Frames are rendered once per animation and fed to
every setting, so only the encoder differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import encode_frames, rendered_i420_frames  # noqa: E402

# name: options that replace davis's (None removes one)
SETTINGS = {
    "veryfast (reference)": {"preset": "veryfast", "x264-params": None},
    "superfast": {"preset": "superfast", "x264-params": None},
    "ultrafast": {"preset": "ultrafast", "x264-params": None},
    "davis: ultrafast + 4 tools": {},
}
SAME_QUALITY = 0.001  # SSIM


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two grey images (uniform 7x7 windows)."""
    from scipy.ndimage import uniform_filter

    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mean_a, mean_b = uniform_filter(a, 7), uniform_filter(b, 7)
    var_a = uniform_filter(a * a, 7) - mean_a ** 2
    var_b = uniform_filter(b * b, 7) - mean_b ** 2
    cov = uniform_filter(a * b, 7) - mean_a * mean_b
    return float(np.mean((2 * mean_a * mean_b + c1) * (2 * cov + c2)
                         / ((mean_a ** 2 + mean_b ** 2 + c1) * (var_a + var_b + c2))))


def fidelity(path: Path, frames: list, height: int) -> tuple[float, float]:
    """(mean SSIM, mean PSNR in dB) of the luma of the decoded `path` against `frames`."""
    import av

    with av.open(str(path)) as container:
        decoded = [frame.to_ndarray(format="yuv420p")[:height]
                   for frame in container.decode(video=0)]
    sources = [frame[:height] for frame in frames]
    similarity = np.mean([ssim(d, s) for d, s in zip(decoded[::10], sources[::10])])
    errors = [np.mean((d.astype(np.float64) - s) ** 2) for d, s in zip(decoded, sources)]
    psnr = np.mean([10 * np.log10(255 ** 2 / e) for e in errors if e > 0] or [np.inf])
    return float(similarity), float(psnr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--animations", nargs="+", default=["tunnel", "kaleidoscope", "field"])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=60)
    parser.add_argument("--frames", type=int, default=90)
    parser.add_argument("--crf", type=int, default=20)
    parser.add_argument("--start", type=float, default=20.0, help="song time to start at")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))

    from encoder.audio import DEMO_SONG
    from encoder.batch import FeatureSource
    from visualizer.gl import offscreen_context

    console = Console()
    ctx = offscreen_context()
    features = FeatureSource().get(DEMO_SONG).features
    table = Table(title=f"H.264 at crf {args.crf}, {size[0]}x{size[1]}@{args.fps}, "
                        f"{args.frames} frames of the demo song ({ctx.info['GL_RENDERER']})")
    for column in ("animation", "settings", "encode fps", "MB", "SSIM-Y", "PSNR-Y dB",
                   "same quality as reference"):
        table.add_column(column, justify="left" if column in ("animation", "settings") else "right")
    with tempfile.TemporaryDirectory() as folder:
        for animation in args.animations:
            frames, _ = rendered_i420_frames(ctx, features, animation, size, args.fps,
                                             args.start, args.frames)
            reference_ssim = None
            for name, options in SETTINGS.items():
                path = Path(folder) / f"{animation}.mp4"
                speed = encode_frames(frames, size, args.fps, path, crf=args.crf,
                                      codec_options=options)
                similarity, psnr = fidelity(path, frames, size[1])
                reference_ssim = similarity if reference_ssim is None else reference_ssim
                same = similarity >= reference_ssim - SAME_QUALITY
                table.add_row(animation, name, f"{speed:.1f}", f"{path.stat().st_size / 1e6:.1f}",
                              f"{similarity:.4f}", f"{psnr:.2f}",
                              "[green]yes[/]" if same else "[red]no[/]")
    console.print(table)


if __name__ == "__main__":
    main()
