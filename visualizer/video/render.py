"""A song's visuals to a video file: the render loop behind `davis render`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from encoder.features import Features
from visualizer.autopilot import cues_at
from visualizer.clock import FixedStepClock
from visualizer.looks import Look, look_schedule
from visualizer.scenes.inputs import SongSamples
from visualizer.transitions import TransitionSettings
from visualizer.video.containers import DEFAULT_CRF, container_for
from visualizer.video.soundtrack import soundtrack, soundtrack_rate
from visualizer.video.writer import VideoWriter


@dataclass
class RenderResult:
    path: Path
    frames: int
    fps: int
    seconds: float                 # wall-clock time of the render loop
    animations: list[str] = field(default_factory=list)  # shown, in order (one per segment)

    @property
    def frames_per_second(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    @property
    def realtime_factor(self) -> float:
        """Seconds of video made per second of wall time."""
        return self.frames_per_second / self.fps


def frame_count(duration_s: float, fps: int) -> int:
    """The frames of a render of `duration_s` seconds (at least one)."""
    return max(1, round(duration_s * fps))


def render_video(ctx, features: Features, song: Path, look: Look, output: Path, *,
                 size: tuple[int, int], fps: int, seed: int = 0, start_s: float = 0.0,
                 duration_s: float, crf: int | None = None, cycle_s: float | None = None,
                 presets=(), in_order: bool = False, threads: int = 0,
                 transition: TransitionSettings | None = None,
                 frame_hook: Callable[[np.ndarray], None] | None = None,
                 on_frame: Callable[[int], None] | None = None) -> RenderResult:
    """Render `duration_s` seconds of `song` from `start_s` into `output`, with its audio.

    Frame i shows song time start_s + i / fps exactly. With `cycle_s` the look changes as
    the autopilot of `davis play --cycle` would change it (`visualizer.looks.look_schedule`;
    to `presets`, in turn if `in_order`, else random looks); `transition` blends those
    changes (none: hard cuts). `on_frame(done)` is called after each frame (for a progress
    bar); `frame_hook(i420_bytes)` sees every frame that is encoded.

    Raises:
        DavisError (VideoError, AudioError): the output or the audio cannot be written/read.
        Anything raised inside the loop (KeyboardInterrupt included) propagates after the
        temporary file has been removed; `output` is never left half-written.
    """
    from visualizer.renderer import Renderer

    container = container_for(output)
    n_frames = frame_count(duration_s, fps)
    rate = soundtrack_rate(song, container)
    audio = soundtrack(song, start_s, n_frames / fps, rate)
    cues = cues_at(features, start_s + np.arange(n_frames) / fps) if cycle_s else None
    schedule = look_schedule(look, n_frames, fps, seed, cycle_s, cues=cues, presets=presets,
                             in_order=in_order, start_s=start_s)
    clock = FixedStepClock(fps, start_s)
    first = schedule[0]
    renderer = Renderer(ctx, size, first.animation, first.mapping, seed=seed,
                        parameters=first.parameters, transition=transition)
    shown = [renderer.animation_name]
    started = time.perf_counter()
    try:
        renderer.set_features(features, samples=SongSamples(song))
        upcoming = iter(schedule[1:])
        change = next(upcoming, None)
        with VideoWriter(ctx, output, size, fps, crf=DEFAULT_CRF if crf is None else crf,
                         audio=audio, audio_rate=rate, threads=threads,
                         frame_hook=frame_hook) as writer:
            for index in range(n_frames):
                if change is not None and index == change.first_frame:
                    renderer.set_animation(change.animation, change.mapping, change.parameters)
                    shown.append(renderer.animation_name)
                    change = next(upcoming, None)
                renderer.render(clock.time_s())
                writer.write(renderer.texture)
                clock.advance()
                if on_frame is not None:
                    on_frame(index + 1)
            writer.close()
    finally:
        renderer.release()
    return RenderResult(output, n_frames, fps, time.perf_counter() - started, shown)
