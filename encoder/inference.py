"""Songs to features with a trained model: spectrogram, code layer, smoothing."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from encoder.audio import Song, load_song
from encoder.errors import AudioError
from encoder.features import BLUR_LEVELS, Features
from encoder.model import DEFAULT_MODEL_PATH, load_model, resolve_device
from encoder.smoothing import smooth_and_normalise
from encoder.spectral import frame_centres, spectral_inputs

BATCH_FRAMES = 8192  # network batch on the CPU; a GPU takes the whole song at once


class FeatureEncoder:
    """A loaded model that turns songs into `Features`; load it once for many songs."""

    def __init__(self, model_path: Path | None = None, device: str = "auto") -> None:
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL_PATH
        self.device = resolve_device(device)
        self.model = load_model(self.model_path, self.device)
        self.config = self.model.config
        self.timings: dict[str, float] = {}

    def load(self, path: Path) -> Song:
        """Decode a song at the model's sample rate, checking it is long enough."""
        song = load_song(path, self.config.sample_rate)
        if len(song.samples) < self.config.window:
            window_s = self.config.window / self.config.sample_rate
            raise AudioError(f"song is {song.duration_s:.2f} s long, shorter than one "
                             f"analysis window ({window_s:.2f} s)", path)
        return song

    def encode_file(self, path: Path) -> Features:
        started = time.perf_counter()
        song = self.load(path)
        decoded = time.perf_counter()
        features = self.encode_song(song)
        self.timings["decode"] = decoded - started
        return features

    @torch.inference_mode()
    def codes(self, samples: np.ndarray) -> np.ndarray:
        """The code layer's output, (frames, 10), one row per 1/fps s of audio."""
        config = self.config
        centres = frame_centres(len(samples), sample_rate=config.sample_rate, fps=config.fps)
        started = time.perf_counter()
        audio = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).to(self.device)
        inputs = spectral_inputs(audio, torch.from_numpy(centres).to(self.device), config,
                                 self.model.mel_basis)
        self._sync()
        spectrogram_done = time.perf_counter()
        batch = inputs.shape[0] if self.device.type == "cuda" else BATCH_FRAMES
        codes = torch.cat([self.model.encode(self.model.normalise(inputs[i:i + batch]))
                           for i in range(0, inputs.shape[0], batch)])
        result = codes.float().cpu().numpy()
        network_done = time.perf_counter()
        self.timings["spectrogram"] = spectrogram_done - started
        self.timings["network"] = network_done - spectrogram_done
        return result

    def encode_song(self, song: Song) -> Features:
        codes = self.codes(song.samples)
        started = time.perf_counter()
        levels = smooth_and_normalise(codes, BLUR_LEVELS)
        self.timings["smoothing"] = time.perf_counter() - started
        return Features(levels=levels, fps=self.config.fps, title=song.title)

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
