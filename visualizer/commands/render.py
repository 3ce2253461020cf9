"""`davis render`: a song to a video file, offscreen (no window, no display)."""

from __future__ import annotations

import random
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.commands.common import (CycleOption, CyclePresetsOption, FavouritesOption,
                                        PresetOption, TransitionOption, TransitionStyleOption,
                                        autopilot_settings, parse_size, prepare_songs,
                                        resolve_look, transition_settings, warn_if_still)
from visualizer.commands.encode import ModelOption
from visualizer.console import fail, out, progress_bar, warning_line
from visualizer.transitions import DEFAULT_TRANSITION_S

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143   # 128 + SIGTERM


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
    preset: PresetOption = None,
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
    cycle: CycleOption = None,
    cycle_presets: CyclePresetsOption = False,
    favourites: FavouritesOption = False,
    transition: TransitionOption = DEFAULT_TRANSITION_S,
    transition_style: TransitionStyleOption = None,
    model: ModelOption = None,
) -> None:
    """Render a song's visuals to a video file with its audio (no window or display needed).

    Frame i shows song time START + i / FPS exactly; the same inputs give the same video.
    The file appears only when complete: an interrupted render leaves nothing behind.
    """
    from encoder.audio import DEMO_SONG
    from encoder.errors import DavisError
    from visualizer.gl import offscreen_context
    from visualizer.video import check_output, check_size, frame_count, render_video

    video_size = parse_size(size)
    blending = transition_settings(transition, transition_style)
    autopilot = autopilot_settings(cycle, cycle_presets, favourites)
    if duration is not None and duration <= 0:
        raise typer.BadParameter("must be more than 0 seconds", param_hint="'--duration'")
    song_path = song if song is not None else DEMO_SONG
    try:
        check_size(video_size)
        container = check_output(output)
        if container.video_codec == "libx264" and crf is not None and crf > 51:
            raise DavisError(f"--crf {crf}: H.264 (for {output.suffix}) takes 0–51")
        look = resolve_look(animation, preset, autopilot, random.Random(seed))
        song_length = _song_length(song_path)
        if song_length is not None:
            _check_start(song_path, start, song_length)
        ctx = offscreen_context()
    except DavisError as error:
        fail(str(error))
    song = prepare_songs([song_path], model)
    try:
        features = song[song_path]
    except DavisError as error:  # a cache entry gone bad, and the song no longer encodes
        fail(str(error))
    finally:
        song.close()
    warn_if_still(song_path, features)
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
                                  crf=crf, cycle_s=autopilot.period_s,
                                  presets=autopilot.presets, in_order=autopilot.in_order,
                                  transition=blending,
                                  on_frame=advance)
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
