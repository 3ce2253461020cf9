"""Live features from a capture: the streaming model and the causal smoothing, once per frame."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from encoder.live_features import LiveFeatures
from encoder.streaming import StreamingEncoder

LEVEL_FLOOR_DB = -90.0
RECENT_SAMPLES = 4096  # kept for the input level (the last 0.1 s) and scenes' audio texture


class LiveSource:
    """Turns what `capture` delivered into features; call `pump()` once per displayed frame.

    Args:
        capture: a started `visualizer.live.capture.Capture` (or anything with `drain()`,
            `problem`, `device` and `rate`).
        model_path: the model file (the shipped one by default), the same as `davis encode`'s.
    """

    def __init__(self, capture, model_path: Path | None = None, *, keep_codes: bool = False) -> None:
        self.capture = capture
        self.encoder = StreamingEncoder(model_path)
        if capture.rate != self.encoder.sample_rate:
            raise ValueError("capture must deliver the model's sample rate")
        self.features = LiveFeatures(fps=self.encoder.config.fps)
        self.level_db = LEVEL_FLOOR_DB      # RMS of the last 100 ms of input, dBFS
        self.codes_seen = 0
        self.last_pump_s = 0.0             # seconds the last pump took
        self._recent = np.zeros(0, dtype=np.float32)
        self.kept_codes: list[np.ndarray] | None = [] if keep_codes else None

    @property
    def device_name(self) -> str:
        return self.capture.device.name

    @property
    def problem(self) -> str | None:
        return self.capture.problem

    def pump(self) -> int:
        """Feed what arrived to the model; returns the number of new feature frames."""
        started = time.perf_counter()
        samples = self.capture.drain()
        if samples.size:
            codes = self.encoder.feed(samples)
            if len(codes):
                self.features.update(codes)
                self.codes_seen += len(codes)
                if self.kept_codes is not None:
                    self.kept_codes.append(codes)
            window = self.encoder.sample_rate // 10
            self._recent = np.concatenate([self._recent, samples])[-RECENT_SAMPLES:]
            rms = float(np.sqrt(np.mean(np.square(self._recent[-window:], dtype=np.float64))))
            self.level_db = max(20 * math.log10(rms), LEVEL_FLOOR_DB) if rms > 0 else LEVEL_FLOOR_DB
            new = len(codes)
        else:
            new = 0
        self.last_pump_s = time.perf_counter() - started
        return new

    def recent_samples(self, count: int) -> np.ndarray:
        """The newest `count` captured samples (silence in front before that many came)."""
        recent = self._recent[-count:]
        if len(recent) < count:
            recent = np.concatenate([np.zeros(count - len(recent), np.float32), recent])
        return recent

    def save_codes(self, path: Path) -> None:
        """The raw codes computed so far, (frames, 10) float32, as a .npy file (atomically)."""
        import io

        from encoder.files import atomic_write_bytes

        buffer = io.BytesIO()
        np.save(buffer, np.concatenate(self.kept_codes or [np.zeros((0, 10), np.float32)]))
        atomic_write_bytes(Path(path), buffer.getvalue())

    def close(self) -> None:
        self.capture.close()
