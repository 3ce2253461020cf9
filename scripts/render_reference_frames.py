"""Render one reference frame per animation to docs/<name>.png (shown in the README).

    python scripts/render_reference_frames.py [--size 480x270] [--time 6]

Fixed, slowly varying synthetic features and seed 0, so the pictures only change when an
animation does. Offscreen through a standalone EGL context: no display needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from encoder.features import BLUR_LEVELS, N_FEATURES, Features

STEP_S = 1 / 60


def reference_features(seconds: float) -> Features:
    """Ten gentle sinusoids at different rates and phases, in [0.1, 0.9]."""
    t = np.arange(int(seconds * 60) + 60)[:, None] / 60
    k = np.arange(N_FEATURES)[None, :]
    values = (0.5 + 0.4 * np.sin(2 * np.pi * t * (0.05 + 0.03 * k) + 1.3 * k)).astype(np.float32)
    return Features({level: values for level in BLUR_LEVELS})


def main() -> None:
    from visualizer.animations import animation_names
    from visualizer.gl import offscreen_context
    from visualizer.mapping import Mapping
    from visualizer.png import save_png
    from visualizer.renderer import Renderer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="480x270")
    parser.add_argument("--time", type=float, default=6.0, help="song time of the frame (s)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    ctx = offscreen_context()
    features = reference_features(args.time)
    for name in animation_names():
        renderer = Renderer(ctx, size, name, Mapping(tuple(range(N_FEATURES))), seed=0)
        renderer.set_features(features)
        for frame in range(int(args.time / STEP_S) + 1):
            renderer.render(frame * STEP_S)
        path = args.out / f"{name}.png"
        save_png(renderer.read_rgb(), path)
        renderer.release()
        print(f"{path}  ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
