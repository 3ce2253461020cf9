"""The model on a live stream: samples in, one 10-number code per 1/fps s out.

The same numpy engine and spectral front end as `davis encode`, on a ring of the latest
samples. Frame i is centred at round(i * rate / fps) samples from the start of the stream,
exactly as offline, and the stream begins with the silence offline encoding pads a song
with, so a stream fed a song's samples gives that song's codes, frame for frame (but the
last few, which offline sees padded with silence after the end). A frame is ready once its
window has been heard: `config.lookahead_s` (46 ms) after its centre.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from encoder.model_file import DEFAULT_MODEL_PATH
from encoder.spectral import centre_samples, padding, spectral_inputs


class StreamingEncoder:
    """Codes of a live stream of mono samples at the model's sample rate."""

    def __init__(self, model_path: Path | None = None) -> None:
        from encoder.numpy_network import NumpyEncoder

        self.network = NumpyEncoder(model_path or DEFAULT_MODEL_PATH)
        self.config = config = self.network.config
        self.sample_rate = config.sample_rate
        self._before, self._after = padding(config)  # a frame's history and look-ahead
        # the ring holds samples [self._start, self._start + len(self._ring)) of the stream
        self._ring = np.zeros(self._before, dtype=np.float32)  # the silence before the stream
        self._start = -self._before
        self.samples_seen = 0
        self.frames_done = 0

    def centre(self, frame: int) -> int:
        return int(centre_samples(frame, sample_rate=self.sample_rate, fps=self.config.fps))

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Append mono float samples; returns the codes (k, 10) of the k frames now complete."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        self._ring = np.concatenate([self._ring, samples])
        self.samples_seen += samples.size
        ready = self.frames_done
        while self.centre(ready) + self._after <= self.samples_seen:
            ready += 1
        codes = np.zeros((0, self.config.code_size), dtype=np.float32)
        if ready > self.frames_done:
            centres = centre_samples(np.arange(self.frames_done, ready),
                                     sample_rate=self.sample_rate, fps=self.config.fps)
            codes = self._codes(centres)
            self.frames_done = ready
        self._trim()
        return codes

    def _codes(self, centres: np.ndarray) -> np.ndarray:
        # hand spectral_inputs exactly the span the windows read, so its own padding is unused
        first = centres[0] - self._before
        last = centres[-1] + self._after
        span = self._ring[first - self._start:last - self._start]
        inputs = spectral_inputs(span, centres - first, self.config, self.network.mel_basis)
        return self.network.encode(self.network.normalise(inputs))

    def _trim(self) -> None:
        """Drop what no future frame reads."""
        needed_from = self.centre(self.frames_done) - self._before
        drop = max(needed_from - self._start, 0)
        if drop:
            self._ring = self._ring[drop:]
            self._start += drop
