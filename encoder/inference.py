"""Songs to features with a trained model: spectrogram, code layer, smoothing.

On the CPU the whole pipeline is numpy (`encoder.numpy_network`) and torch is never
imported; on a CUDA GPU it is torch. Both run the same `encoder.spectral` front end.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from encoder.audio import Song, SongDecoder, load_song
from encoder.errors import AudioError, ModelError
from encoder.features import BLUR_LEVELS, Features
from encoder.model_file import DEFAULT_MODEL_PATH
from encoder.smoothing import smooth_and_normalise
from encoder.spectral import SpectralStream, frame_centres, spectral_inputs, thread_count

BATCH_FRAMES = 8192  # torch's network batch on the CPU; a GPU takes the whole song at once


def inference_device(choice: str) -> str:
    """"cpu" or "cuda" for a --device choice. "auto" imports torch (to ask for CUDA) only
    where an NVIDIA driver is installed; "cuda" without a GPU is an error, not a fallback."""
    if choice not in ("auto", "cpu", "cuda"):
        raise ModelError(f"unknown device {choice!r} (use auto, cpu or cuda)")
    if choice == "cpu" or (choice == "auto" and not _nvidia_driver_present()):
        return "cpu"
    from encoder.model import resolve_device

    return resolve_device(choice).type


def _nvidia_driver_present() -> bool:
    if os.name == "nt":
        return True  # no cheap check there: let torch answer
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl")


class FeatureEncoder:
    """A loaded model that turns songs into `Features`; load it once for many songs."""

    def __init__(self, model_path: Path | None = None, device: str = "auto", *,
                 engine: str | None = None) -> None:
        """`engine`: "numpy" or "torch"; by default numpy on the CPU, torch on a GPU."""
        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL_PATH
        self.device = inference_device(device)
        self.engine = engine or ("torch" if self.device == "cuda" else "numpy")
        if self.engine not in ("numpy", "torch") or (self.engine, self.device) == ("numpy", "cuda"):
            raise ModelError(f"no {self.engine} engine on {self.device}")
        self._network = (_TorchNetwork(self.model_path, self.device) if self.engine == "torch"
                         else _NumpyNetwork(self.model_path))
        self.config = self._network.config
        self.timings: dict[str, float] = {}

    def load(self, path: Path) -> Song:
        """Decode a song at the model's sample rate, checking it is long enough."""
        song = load_song(path, self.config.sample_rate)
        self._check_length(song)
        return song

    def _check_length(self, song: Song) -> None:
        if len(song.samples) < self.config.window:
            window_s = self.config.window / self.config.sample_rate
            raise AudioError(f"song is {song.duration_s:.2f} s long, shorter than one "
                             f"analysis window ({window_s:.2f} s)", song.path)

    def encode_file(self, path: Path) -> Features:
        """Decode and encode a song. With numpy on several cores the spectrogram runs while
        the file decodes (the same features as `encode_song(load(path))`, bit for bit)."""
        started = time.perf_counter()
        if self.engine == "numpy" and thread_count() > 1:
            song, inputs = self._decode_while_analysing(path)
            codes = self._network.codes_of_inputs(inputs, self.timings)
            return self._features(song, codes)
        song = self.load(path)
        decoded = time.perf_counter()
        features = self.encode_song(song)
        self.timings["decode"] = decoded - started
        return features

    def _decode_while_analysing(self, path: Path) -> tuple[Song, np.ndarray]:
        """Decode in a thread (libsndfile and soxr release the GIL) while this one analyses
        each chunk of frames as soon as it has been decoded. Timings: "decode" until the
        last block, "spectrogram" what the analysis took after it."""
        import queue
        import threading

        started = time.perf_counter()
        decoder = SongDecoder(path, self.config.sample_rate)
        blocks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def decode() -> None:
            try:
                for block in decoder.blocks():
                    blocks.put(block)
                    if stop.is_set():
                        break
                blocks.put(None)
            except BaseException as error:  # handed to the analysing thread
                blocks.put(error)

        stream = SpectralStream(self.config, self._network.mel_basis)
        thread = threading.Thread(target=decode, name="davis-decode", daemon=True)
        thread.start()
        try:
            while (block := blocks.get()) is not None:
                if isinstance(block, BaseException):
                    raise block
                stream.add(block)
            decoded = time.perf_counter()
            song = Song(path=decoder.path, samples=stream.samples,
                        sample_rate=self.config.sample_rate, title=decoder.title)
            self._check_length(song)
            inputs = stream.finish()
        finally:
            stop.set()
            thread.join()  # at most one more block; the decoder restores fd 2 as it stops
        self.timings["decode"] = decoded - started
        self.timings["spectrogram"] = time.perf_counter() - decoded
        return song, inputs

    def codes(self, samples: np.ndarray) -> np.ndarray:
        """The code layer's output, (frames, 10), one row per 1/fps s of audio."""
        config = self.config
        centres = frame_centres(len(samples), sample_rate=config.sample_rate, fps=config.fps)
        return self._network.codes(np.ascontiguousarray(samples, dtype=np.float32), centres,
                                   self.timings)

    def encode_song(self, song: Song) -> Features:
        return self._features(song, self.codes(song.samples))

    def _features(self, song: Song, codes: np.ndarray) -> Features:
        started = time.perf_counter()
        levels = smooth_and_normalise(codes, BLUR_LEVELS)
        self.timings["smoothing"] = time.perf_counter() - started
        return Features(levels=levels, fps=self.config.fps, title=song.title)


class _NumpyNetwork:
    def __init__(self, model_path: Path) -> None:
        from encoder.numpy_network import NumpyEncoder

        self.encoder = NumpyEncoder(model_path)
        self.config = self.encoder.config

    @property
    def mel_basis(self) -> np.ndarray:
        return self.encoder.mel_basis

    def codes(self, samples: np.ndarray, centres: np.ndarray, timings: dict) -> np.ndarray:
        started = time.perf_counter()
        inputs = spectral_inputs(samples, centres, self.config, self.encoder.mel_basis)
        timings["spectrogram"] = time.perf_counter() - started
        return self.codes_of_inputs(inputs, timings)

    def codes_of_inputs(self, inputs: np.ndarray, timings: dict) -> np.ndarray:
        started = time.perf_counter()
        codes = self.encoder.encode(self.encoder.normalise(inputs))  # it works in blocks itself
        timings["network"] = time.perf_counter() - started
        return codes


class _TorchNetwork:
    def __init__(self, model_path: Path, device: str) -> None:
        import torch

        from encoder.model import load_model

        self.torch = torch
        self.device = torch.device(device)
        self.model = load_model(model_path, self.device)
        self.config = self.model.config

    def codes(self, samples: np.ndarray, centres: np.ndarray, timings: dict) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            started = time.perf_counter()
            inputs = spectral_inputs(torch.from_numpy(samples).to(self.device),
                                     torch.from_numpy(centres).to(self.device), self.config,
                                     self.model.mel_basis)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            spectrogram_done = time.perf_counter()
            batch = inputs.shape[0] if self.device.type == "cuda" else BATCH_FRAMES
            codes = torch.cat([self.model.encode(self.model.normalise(inputs[i:i + batch]))
                               for i in range(0, inputs.shape[0], batch)]).float().cpu().numpy()
        timings["spectrogram"] = spectrogram_done - started
        timings["network"] = time.perf_counter() - spectrogram_done
        return codes
