"""`davis render` speed: frames per second and real-time factor of a whole render to MP4,
and of each of its stages alone.

    python benchmarks/render.py [--seconds 10] [--hd-seconds 3] [--animation kaleidoscope]

Renders the demo song (features from the cache, encoded first if needed) with the same code
as `davis render`: the renderer, the GPU-side yuv420p conversion, the double-buffered
readback and the H.264 + AAC encoder thread. The real-time factor is seconds of video made
per second of wall time (above 1: faster than real time).

The stages are then timed alone on up to 120 frames: the renderer (no readback), the
renderer with the conversion and readback (the render loop's thread), and the encoder fed
those frames (its thread). The whole render overlaps the two threads, so it should run at
the slower one's rate. Where the renderer is the CPU itself (llvmpipe), both threads share
its cores and each stage alone already uses all of them, so the whole cannot reach the
slower stage's rate; the benchmark also prints the rate at which the cores can do both jobs,
1 / (1 / render-loop fps + 1 / encoder fps), and the whole render against it.

Targets: 640x360 at 30 fps faster than real time on a 2-core CPU (Mesa llvmpipe); 1920x1080
at 30 fps 0.8x and at 60 fps 0.45x real time on that CPU, or within 15% of the slowest stage;
1920x1080 at 60 fps at 4x real time or more on a GPU. `benchmarks/encoder_settings.py` shows
why the encoder uses the settings it does.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import encode_frames, rendered_i420_frames  # noqa: E402


def renderer_only_fps(ctx, features, animation: str, size: tuple[int, int], fps: int,
                      frames: int) -> float:
    """The renderer's frames per second without readback or encoding."""
    from visualizer.mapping import Mapping
    from visualizer.renderer import Renderer

    renderer = Renderer(ctx, size, animation, Mapping.random(__import__("random").Random(0)))
    try:
        renderer.set_features(features)
        renderer.render(0.0)
        ctx.finish()
        started = time.perf_counter()
        for index in range(frames):
            renderer.render(index / fps)
        ctx.finish()
        return frames / (time.perf_counter() - started)
    finally:
        renderer.release()


def stage_rates(ctx, features, animation: str, size: tuple[int, int], fps: int,
                start_s: float, frames: int, crf: int, folder: Path) -> dict[str, float]:
    """Frames per second of each stage alone (see the module's docstring)."""
    rates = {"renderer": renderer_only_fps(ctx, features, animation, size, fps, frames)}
    made, rates["render loop"] = rendered_i420_frames(ctx, features, animation, size, fps,
                                                      start_s, frames)
    rates["encoder"] = encode_frames(made, size, fps, folder / "stage.mp4", crf=crf)
    return rates


def shared_cores(whole_fps: float, stages: dict[str, float]) -> str:
    """The whole render against the rate at which cores shared by both threads can do both
    jobs (on a software renderer)."""
    bound = 1.0 / (1.0 / stages["render loop"] + 1.0 / stages["encoder"])
    return f", {whole_fps / bound:.0%} of {bound:.1f} fps, the rate at which the shared " \
        "cores can do both"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--animation", default="kaleidoscope")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="seconds of video rendered at 640x360@30")
    parser.add_argument("--hd-seconds", type=float, default=None,
                        help="seconds rendered at 1920x1080@30 and @60 "
                             "(default: 4 on a CPU, 10 on a GPU)")
    parser.add_argument("--start", type=float, default=10.0, help="song time to start at")
    args = parser.parse_args()

    from encoder.audio import DEMO_SONG
    from encoder.batch import FeatureSource
    from visualizer.gl import is_software_renderer, offscreen_context
    from visualizer.looks import Look
    from visualizer.video import render_video
    from visualizer.video.containers import DEFAULT_CRF

    console = Console()
    ctx = offscreen_context()
    device = ctx.info["GL_RENDERER"]
    on_cpu = is_software_renderer(ctx)
    features = FeatureSource().get(DEMO_SONG).features
    hd_seconds = args.hd_seconds if args.hd_seconds is not None else (4.0 if on_cpu else 10.0)
    console.print(f"[bold]davis render[/] {args.animation}, demo song from {args.start:g} s, "
                  f"OpenGL: {device}", soft_wrap=True)
    # (size, fps, seconds, real-time target on this kind of renderer)
    cases = [((640, 360), 30, args.seconds, 1.0 if on_cpu else None),
             ((1920, 1080), 30, hd_seconds, 0.8 if on_cpu else None),
             ((1920, 1080), 60, hd_seconds, 0.45 if on_cpu else 4.0)]
    with tempfile.TemporaryDirectory() as folder:
        for size, fps, seconds, target in cases:
            output = Path(folder) / f"bench-{size[0]}x{size[1]}.mp4"
            result = render_video(ctx, features, DEMO_SONG, Look(args.animation), output,
                                  size=size, fps=fps, start_s=args.start, duration_s=seconds)
            megabytes = output.stat().st_size / 1e6
            stages = stage_rates(ctx, features, args.animation, size, fps, args.start,
                                 min(result.frames, 120), DEFAULT_CRF, Path(folder))
            slowest = min(stages["render loop"], stages["encoder"])
            line = (f"  {size[0]}x{size[1]} @ {fps} fps, {result.frames} frames: "
                    f"{result.frames_per_second:.1f} fps, "
                    f"[bold]{result.realtime_factor:.2f}x real time[/] ({megabytes:.1f} MB)  ")
            if target is not None:
                met = (result.realtime_factor > target
                       or result.frames_per_second >= 0.85 * slowest)
                line += ("[green]PASS[/]" if met else "[red]FAIL[/]") + \
                    f" (target > {target:g}x, or within 15% of the slowest stage)"
            else:
                line += "(target is for " + ("a GPU)" if on_cpu else "the 2-core CPU)")
            console.print(line, soft_wrap=True)
            console.print("    stages alone: " + ", ".join(
                f"{name} {rate:.1f} fps" for name, rate in stages.items())
                + f"; the whole render runs at {result.frames_per_second / slowest:.0%} of the "
                + "slowest stage"
                + (shared_cores(result.frames_per_second, stages) if on_cpu else ""),
                soft_wrap=True)


if __name__ == "__main__":
    main()
