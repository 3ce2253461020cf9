"""Offscreen frame rate of every animation at 1280x720 and 3840x2160 (standalone EGL).

    python benchmarks/animations.py [--frames 120] [--sizes 1280x720,3840x2160]

Targets: 2-core CPU with llvmpipe at 1280x720: kaleidoscope and lights >= 60 fps, particles
>= 30 fps. On a GPU: every animation >= 240 fps at 4K, 2,000,000 particles >= 60 fps.
Each frame ends with ctx.finish(), so the figure includes the GPU (or llvmpipe) work.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from render_reference_frames import reference_features  # noqa: E402

TARGET_CPU_720P = {"kaleidoscope": 60, "lights": 60, "particles": 30,
                   "particles, 250,000 alive": 30}


def full_buffer(live: int) -> dict:
    """Parameter overrides that keep `live` particles alive: lifetime 20 s, spawn rate live/20."""
    rate = live / 20.0
    return {"spawnRate": {"min": rate, "avg": rate, "max": rate},
            "lifetime": {"min": 20.0, "avg": 20.0, "max": 20.0},
            "timeScale": {"min": 1.0, "avg": 1.0, "max": 1.0}}


def measure(ctx, name: str, size: tuple[int, int], frames: int, overrides: dict | None = None,
            **settings) -> float:
    from encoder.features import N_FEATURES
    from visualizer.animations import animation_class
    from visualizer.mapping import Mapping
    from visualizer.renderer import Renderer

    cls = animation_class(name)
    parameters = tuple(p.overridden(overrides[p.name], "benchmark") if p.name in (overrides or {})
                       else p for p in cls.parameters())
    warm_up_s = 21.0 if overrides else 0.5  # let a full-buffer run reach its live count
    saved = {key: getattr(cls, key) for key in settings}
    for key, value in settings.items():
        setattr(cls, key, value)
    try:
        renderer = Renderer(ctx, size, name, Mapping(tuple(range(N_FEATURES))), seed=0,
                            parameters=parameters)
        renderer.set_features(reference_features(warm_up_s + frames / 60 + 1))
        steps = int(warm_up_s / 0.1)
        for step in range(steps):  # warm-up in 0.1 s steps: fills particle buffers
            renderer.render(step * 0.1)
        ctx.finish()
        started = time.perf_counter()
        for frame in range(frames):
            renderer.render(steps * 0.1 + frame / 60)
            ctx.finish()
        elapsed = time.perf_counter() - started
        renderer.release()
    finally:
        for key, value in saved.items():
            setattr(cls, key, value)
    return frames / elapsed


def main() -> None:
    from visualizer.animations import animation_names
    from visualizer.gl import offscreen_context

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--sizes", default="1280x720,3840x2160")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in text.split("x")) for text in args.sizes.split(",")]
    ctx = offscreen_context()
    console = Console()
    table = Table(title=f"Offscreen fps on {ctx.info['GL_RENDERER']} ({args.frames} frames)")
    table.add_column("animation")
    for size in sizes:
        table.add_column(f"{size[0]}x{size[1]}", justify="right")
    runs = [(name, name, {}) for name in animation_names()]
    if "particles" in animation_names():
        runs.append(("particles, 250,000 alive", "particles",
                     {"overrides": full_buffer(250_000)}))
        runs.append(("particles, 2,000,000 alive", "particles",
                     {"overrides": full_buffer(2_000_000), "capacity": 2_000_000}))
    for label, name, settings in runs:
        cells = []
        for size in sizes:
            fps = measure(ctx, name, size, args.frames, **settings)
            target = TARGET_CPU_720P.get(label) if size == (1280, 720) else None
            mark = "" if target is None else (" [green]✓[/]" if fps >= target else f" [red]✗ < {target}[/]")
            cells.append(f"{fps:.1f}{mark}")
        table.add_row(label, *cells)
    console.print(table)


if __name__ == "__main__":
    main()
