"""`davis render`: a song to a video file, offscreen (no window, no display)."""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.commands.common import encode_songs, parse_size, resolve_look
from visualizer.commands.encode import ModelOption
from visualizer.console import fail, out, progress_bar, warning_line

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143   # 128 + SIGTERM
MIN_CYCLE_S = 0.5


@dataclass(frozen=True)
class Segment:
    """From `first_frame` on, the render shows `animation` with `mapping` (and `parameters`,
    a preset's, or None for the animation's own)."""

    first_frame: int
    animation: str
    mapping: object  # visualizer.mapping.Mapping
    parameters: tuple | None = None


def look_schedule(look, n_frames: int, fps: int, seed: int,
                  cycle_s: float | None = None) -> list[Segment]:
    """The looks of a render, as a user at the keyboard would change them.

    The first segment is `look` (a preset's mapping, else a random one). With `cycle_s`, every
    `cycle_s` seconds of video (at the first frame at or after start + k * cycle_s) comes the
    next animation in `animation_names()` order with a new random mapping. Everything is
    drawn from `random.Random(seed)`, so the same arguments give the same schedule.
    """
    from visualizer.animations import animation_names
    from visualizer.mapping import Mapping

    rng = random.Random(seed)
    segments = [Segment(0, look.animation, look.mapping or Mapping.random(rng), look.parameters)]
    if not cycle_s:
        return segments
    names = animation_names()
    index = names.index(look.animation) if look.animation in names else -1
    for k in range(1, n_frames):
        first = math.ceil(k * cycle_s * fps - 1e-6)
        if first >= n_frames:
            break
        index += 1
        segments.append(Segment(first, names[index % len(names)], Mapping.random(rng)))
    return segments


def frame_count(duration_s: float, fps: int) -> int:
    return max(1, round(duration_s * fps))


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


def open_context():
    """A standalone OpenGL 3.3 context through EGL (no window, no display): one per process,
    kept until the process ends."""
    global _CONTEXT
    if _CONTEXT is None:
        from encoder.errors import DavisError

        try:
            import moderngl

            _CONTEXT = moderngl.create_context(standalone=True, backend="egl", require=330)
        except Exception as error:  # ImportError, or moderngl's error from EGL
            raise DavisError(f"cannot create an offscreen OpenGL 3.3 context through EGL "
                             f"({type(error).__name__}: {error})") from None
    return _CONTEXT


_CONTEXT = None


def render_video(ctx, features, song: Path, look, output: Path, *, size: tuple[int, int],
                 fps: int, seed: int = 0, start_s: float = 0.0, duration_s: float,
                 crf: int | None = None, cycle_s: float | None = None, threads: int = 0,
                 frame_hook=None, on_frame=None) -> RenderResult:
    """Render `duration_s` seconds of `song` from `start_s` into `output`, with its audio.

    Frame i shows song time start_s + i / fps exactly. `on_frame(done)` is called after each
    frame (for a progress bar); `frame_hook(i420_bytes)` sees every frame that is encoded.

    Raises:
        DavisError (VideoError, AudioError): the output or the audio cannot be written/read.
        Anything raised inside the loop (KeyboardInterrupt included) propagates after the
        temporary file has been removed; `output` is never left half-written.
    """
    import soundfile

    from visualizer.clock import FixedStepClock
    from visualizer.renderer import Renderer
    from visualizer.video import (DEFAULT_CRF, VideoWriter, audio_rate_for, container_for,
                                  load_audio)

    container = container_for(output)
    n_frames = frame_count(duration_s, fps)
    rate = audio_rate_for(container, soundfile.info(str(song)).samplerate)
    audio = load_audio(song, start_s, n_frames / fps, rate)
    schedule = look_schedule(look, n_frames, fps, seed, cycle_s)
    clock = FixedStepClock(fps, start_s)
    first = schedule[0]
    renderer = Renderer(ctx, size, first.animation, first.mapping, seed=seed,
                        parameters=first.parameters)
    shown = [renderer.animation_name]
    started = time.perf_counter()
    try:
        renderer.set_features(features)
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


def render(
    song: Annotated[Optional[Path], typer.Argument(
        help="The song (WAV, FLAC, OGG, MP3). None: the bundled demo song.",
        show_default=False)] = None,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="The video file; its extension picks the format: .mp4 or .mov "
                               "(H.264 + AAC), .mkv (H.264 + AAC), .webm (VP9 + Opus).",
        show_default=False)] = ...,
    animation: Annotated[Optional[str], typer.Option(
        "--animation", "-a", help="Animation to show (davis animations lists them).",
        show_default=False)] = None,
    preset: Annotated[Optional[str], typer.Option(
        "--preset", help="A preset name, number (davis presets list) or .json path.",
        show_default=False)] = None,
    size: Annotated[str, typer.Option("--size", help="Video size WxH (both even).")] = "1920x1080",
    fps: Annotated[int, typer.Option("--fps", min=1, max=240, help="Frames per second.")] = 60,
    seed: Annotated[int, typer.Option(
        "--seed", help="Random seed for the mappings: the same inputs and seed give the same "
                       "video.")] = 0,
    start: Annotated[float, typer.Option(
        "--start", min=0.0, help="Start this many seconds into the song.")] = 0.0,
    duration: Annotated[Optional[float], typer.Option(
        "--duration", min=0.0, help="Seconds to render (default: the rest of "
                                                   "the song).", show_default=False)] = None,
    crf: Annotated[Optional[int], typer.Option(
        "--crf", min=0, max=63, help="Quality: lower is better and larger (H.264 0–51, VP9 "
                                     "0–63). Default: 20.", show_default=False)] = None,
    cycle: Annotated[Optional[float], typer.Option(
        "--cycle", min=MIN_CYCLE_S, help="Every this many seconds, change to the next "
                                         "animation with a new mapping (default: one look "
                                         "throughout).", show_default=False)] = None,
    model: ModelOption = None,
) -> None:
    """Render a song's visuals to a video file with its audio (no window or display needed).

    Frame i shows song time START + i / FPS exactly; the same inputs give the same video.
    The file appears only when complete: an interrupted render leaves nothing behind.
    """
    from encoder.audio import DEMO_SONG
    from encoder.errors import DavisError
    from visualizer.video import check_output, check_size

    video_size = parse_size(size)
    if duration is not None and duration <= 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="'--duration'")
    song_path = song if song is not None else DEMO_SONG
    try:
        check_size(video_size)
        container = check_output(output)
        if container.video_codec == "libx264" and crf is not None and crf > 51:
            raise DavisError(f"--crf {crf}: H.264 (for {output.suffix}) takes 0–51")
        look = resolve_look(animation, preset)
        song_length = _song_length(song_path)
        if song_length is not None:
            _check_start(song_path, start, song_length)
        ctx = open_context()
    except DavisError as error:
        fail(str(error))
    features = encode_songs([song_path], model, summary=False)[song_path]
    if song_length is None:
        song_length = features.duration_s
        _check_start(song_path, start, song_length)
    left = song_length - start
    if duration is None:
        duration = left
    elif duration > left + 1e-6:
        warning_line(f"--duration {duration:g} runs past the end of the song: rendering the "
                     f"{left:.2f} s left")
        duration = left
    n_frames = frame_count(duration, fps)
    width, height = video_size
    try:
        with _terminate_as_exception(), progress_bar() as progress:
            task = progress.add_task(f"Rendering {output.name}", total=n_frames, status="")
            meter = _FpsMeter()

            def advance(done: int) -> None:
                rate = meter.tick(done)
                if rate is not None:
                    progress.update(task, completed=done, status=f"{rate:.1f} fps")
                else:
                    progress.update(task, completed=done)

            result = render_video(ctx, features, song_path, look, output, size=video_size,
                                  fps=fps, seed=seed, start_s=start, duration_s=duration,
                                  crf=crf, cycle_s=cycle, on_frame=advance)
            progress.update(task, status=f"{result.frames_per_second:.1f} fps")
    except KeyboardInterrupt:
        fail("interrupted: no video written", code=EXIT_INTERRUPTED)
    except _Terminated:
        fail("terminated: no video written", code=EXIT_TERMINATED)
    except DavisError as error:
        fail(str(error))
    out.print(f"Wrote {result.path} ({result.frames} frames, {result.frames / fps:.2f} s at "
              f"{width}x{height}, {fps} fps) in {result.seconds:.1f} s: "
              f"{result.frames_per_second:.1f} fps, {result.realtime_factor:.2f}x real time",
              soft_wrap=True)


class _Terminated(BaseException):
    """SIGTERM arrived (a CI job cancelled, `kill`): unwound like Ctrl-C."""


@contextmanager
def _terminate_as_exception():
    """While rendering, SIGTERM raises `_Terminated`, so the temporary file is removed as on
    Ctrl-C instead of being left behind by the default handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _FpsMeter:
    """Frames per second over the last second or so, for the progress bar."""

    def __init__(self, every_s: float = 0.5) -> None:
        self.every_s = every_s
        self.mark = (time.perf_counter(), 0)

    def tick(self, done: int) -> float | None:
        now = time.perf_counter()
        then, frames = self.mark
        if now - then < self.every_s:
            return None
        self.mark = (now, done)
        return (done - frames) / (now - then)


def _song_length(path: Path) -> float | None:
    """The song's length from its header, when it can be read cheaply (else None: the
    encoder reports what is wrong with the file)."""
    import soundfile

    from encoder.errors import AudioError

    if not path.exists():
        raise AudioError("no such file", path)
    if not path.is_file():
        raise AudioError("not a file (give one song)", path)
    try:
        info = soundfile.info(str(path))
    except Exception:  # unreadable: the feature encoder says why, on one line
        return None
    return info.frames / info.samplerate if info.frames > 0 and info.samplerate > 0 else None


def _check_start(path: Path, start_s: float, length_s: float) -> None:
    if start_s >= length_s:
        fail(f"{path}: --start {start_s:g} s is past the end of the song ({length_s:.2f} s)")
