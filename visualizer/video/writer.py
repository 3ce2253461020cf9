"""The renderer's texture in, a finished video file out: `I420Readback` + `VideoFile`."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from visualizer.video.containers import DEFAULT_CRF
from visualizer.video.encoding import VideoFile
from visualizer.video.readback import I420Readback


class VideoWriter:
    """Reads frames back on the GPU side and hands them to the encoder thread.

    Use as a context manager: leaving the block normally finishes the file (call `close`
    to do it explicitly); an exception, Ctrl-C included, removes the temporary file.
    `frame_hook`, if given, sees every frame's I420 bytes (tests hash them).
    """

    def __init__(self, ctx, path: Path, size: tuple[int, int], fps: int, *,
                 crf: int = DEFAULT_CRF, audio: np.ndarray | None = None,
                 audio_rate: int = 48000, threads: int = 0,
                 frame_hook: Callable[[np.ndarray], None] | None = None) -> None:
        self.file = VideoFile(path, size, fps, crf=crf, audio=audio, audio_rate=audio_rate,
                              threads=threads)
        self.ctx = ctx
        self.frame_hook = frame_hook
        self.readback: I420Readback | None = None
        self.closed = False

    def __enter__(self) -> "VideoWriter":
        self.file.open()
        try:
            self.readback = I420Readback(self.ctx, self.file.size)
        except BaseException:
            self.file.abort()
            raise
        return self

    def write(self, texture) -> None:
        """Queue the frame in `texture` (the renderer's colour texture)."""
        self._hand_over(self.readback.submit(texture))

    def _hand_over(self, frame: np.ndarray | None) -> None:
        if frame is None:
            return
        if self.frame_hook is not None:
            self.frame_hook(frame)
        self.file.add(frame)

    def close(self) -> Path:
        """Write the last frame, finish encoding and rename the file into place."""
        if self.closed:
            return self.file.path
        self.closed = True
        try:
            self._hand_over(self.readback.collect())
        except BaseException:
            self.file.abort()
            raise
        finally:
            self.readback.release()
        return self.file.finish()

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
            return
        if not self.closed:
            self.closed = True
            self.file.abort()
            if self.readback is not None:
                self.readback.release()
