"""The encoder side of a render: an encoder thread writing I420 frames and the song's audio
to a video file.

Frames arrive through a bounded queue; PyAV encodes them (releasing the GIL, so rendering
goes on meanwhile), interleaves the audio and muxes both into the container. The file is
written under a hidden temporary name in the output folder and renamed to the output name
only once complete; a failure or Ctrl-C removes the temporary file.
"""

from __future__ import annotations

import os
import queue
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np

from visualizer.video.containers import (DEFAULT_CRF, VideoError, check_size, container_for,
                                         temporary_file_beside, video_codec_options)

QUEUE_FRAMES = 6          # frames waiting for the encoder (bounded memory)


class _Stop:
    """The queue's end marker."""


class VideoFile:
    """An encoder thread writing I420 frames (and audio) to a temporary file, renamed to
    `path` by `finish`, removed by `abort`.

    Args:
        path: the output file; its extension picks the container (see CONTAINERS).
        size: (width, height), both even.
        fps: frames per second (an integer).
        crf: constant-quality factor (H.264: 0–51, VP9: 0–63; lower is better and larger).
        audio: (channels, samples) float32 to mux, or None for a silent video.
        audio_rate: its sample rate (one the container's audio codec accepts).
        threads: encoder threads (0: the codec decides). Output is deterministic for a fixed
            count.
        codec_options: encoder options that replace davis's choice (None drops one), for
            benchmarks that compare settings.
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: int, *, crf: int = DEFAULT_CRF,
                 audio: np.ndarray | None = None, audio_rate: int = 48000,
                 threads: int = 0, codec_options: dict[str, str | None] | None = None) -> None:
        self.path = Path(path)
        self.spec = container_for(self.path)
        check_size(size)
        self.size = size
        self.fps = int(fps)
        self.crf = crf
        self.audio = audio
        self.audio_rate = audio_rate
        self.threads = threads
        self.codec_options = dict(codec_options or {})
        self.frames_written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._audio_position = 0
        self.temporary: Path | None = None
        self._container = None
        self._thread: threading.Thread | None = None

    # --- opening ---

    def open(self) -> "VideoFile":
        import av

        self.temporary = temporary_file_beside(self.path)
        try:
            self._container = av.open(str(self.temporary), "w", format=self.spec.format,
                                      options=self.spec.muxer_options)
            self._video = self._add_video_stream()
            self._audio_stream = self._add_audio_stream() if self.audio is not None else None
        except BaseException as error:
            self._discard()
            if isinstance(error, (OSError, av.error.FFmpegError)):
                raise VideoError(f"cannot start the video ({error})", self.path) from None
            raise
        self._thread = threading.Thread(target=self._encode_loop, name="davis-video-encoder",
                                        daemon=True)
        self._thread.start()
        return self

    def _add_video_stream(self):
        stream = self._container.add_stream(self.spec.video_codec, rate=Fraction(self.fps))
        context = stream.codec_context
        context.width, context.height = self.size
        context.pix_fmt = "yuv420p"
        context.time_base = Fraction(1, self.fps)
        context.thread_count = self.threads
        context.bit_rate = 0
        options = {**video_codec_options(self.spec, self.crf), **self.codec_options}
        context.options = {key: value for key, value in options.items() if value is not None}
        return stream

    def _add_audio_stream(self):
        channels = self.audio.shape[0]
        stream = self._container.add_stream(self.spec.audio_codec, rate=self.audio_rate,
                                            layout="stereo" if channels == 2 else "mono")
        stream.codec_context.bit_rate = self.spec.audio_bit_rate // (1 if channels == 2 else 2)
        stream.codec_context.time_base = Fraction(1, self.audio_rate)
        return stream

    # --- the render loop's side ---

    def add(self, frame: np.ndarray) -> None:
        """Queue one I420 frame ((h * 3/2, w) uint8); blocks while the encoder is behind."""
        width, height = self.size
        if frame.shape != (height * 3 // 2, width):
            raise ValueError(f"expected a {width}x{height} I420 frame, got shape {frame.shape}")
        self._put(frame)

    def _put(self, item) -> None:
        while True:
            self._raise_if_failed()
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                if self._thread is None or not self._thread.is_alive():
                    self._raise_if_failed()
                    raise VideoError("the encoder stopped", self.path) from None

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._failure(self._error)

    def _failure(self, error: BaseException) -> VideoError:
        if isinstance(error, VideoError):
            return error
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return VideoError(f"writing the video failed ({reason})", self.path)

    def finish(self) -> Path:
        """Flush the encoders, close the file and move it to `path`."""
        try:
            self._put(_Stop)
            self._thread.join()
            self._raise_if_failed()
            try:
                self._container.close()
            except Exception as error:
                raise self._failure(error) from None
            self._container = None
            os.replace(self.temporary, self.path)
        except BaseException:
            self.abort()
            raise
        self.temporary = None
        return self.path

    def abort(self) -> None:
        """Stop the encoder and remove the temporary file; the output is left untouched."""
        self._abort.set()
        if self._thread is not None and self._thread.is_alive():
            while True:  # make room for the end marker, the encoder stops at the next frame
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                self._queue.put_nowait(_Stop)
            except queue.Full:
                pass
            self._thread.join()
        self._discard()

    def _discard(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                pass  # it is being thrown away
            self._container = None
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None

    # --- the encoder thread ---

    def _encode_loop(self) -> None:
        import av

        try:
            while not self._abort.is_set():
                item = self._queue.get()
                if item is _Stop or self._abort.is_set():
                    break
                frame = av.VideoFrame.from_ndarray(item, format="yuv420p")
                frame.pts = self.frames_written
                frame.time_base = Fraction(1, self.fps)
                self._container.mux(self._video.encode(frame))
                self.frames_written += 1
                self.mux_audio(self.frames_written)
            if not self._abort.is_set():
                self._container.mux(self._video.encode(None))
                self.mux_audio(None)
        except BaseException as error:  # reported to the render loop by add/finish
            self._error = error

    def mux_audio(self, frames: int | None) -> None:
        """Audio up to the end of video frame `frames` (None: all of it, then flush)."""
        import av

        if self._audio_stream is None:
            return
        total = self.audio.shape[1]
        end = total if frames is None else min(total, round(frames * self.audio_rate / self.fps))
        if end > self._audio_position:
            samples = np.ascontiguousarray(self.audio[:, self._audio_position:end])
            frame = av.AudioFrame.from_ndarray(
                samples, format="fltp", layout="stereo" if samples.shape[0] == 2 else "mono")
            frame.sample_rate = self.audio_rate
            frame.pts = self._audio_position
            frame.time_base = Fraction(1, self.audio_rate)
            self._container.mux(self._audio_stream.encode(frame))
            self._audio_position = end
        if frames is None:
            self._container.mux(self._audio_stream.encode(None))

