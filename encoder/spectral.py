"""From samples to the network's input vectors: one per video frame.

One implementation for numpy arrays (the CPU path, no torch import) and torch tensors (any
device, and training): the few calls that differ between the two go through `_Ops`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from encoder.config import ModelConfig


def frame_centres(n_samples: int, *, sample_rate: int, fps: int) -> np.ndarray:
    """Sample index at the centre of each video frame: round(i * sample_rate / fps).

    Exact for any rate (no drift from an integer hop); round(duration * fps) frames.
    """
    n_frames = max(1, int(round(n_samples * fps / sample_rate)))
    return centre_samples(np.arange(n_frames), sample_rate=sample_rate, fps=fps)


def centre_samples(frames: np.ndarray, *, sample_rate: int, fps: int) -> np.ndarray:
    """The sample each frame number in `frames` is centred on (offline and live alike)."""
    return np.round(np.asarray(frames) * (sample_rate / fps)).astype(np.int64)


@dataclass(frozen=True)
class _Ops:
    """The array calls whose spelling differs between numpy and torch."""

    pad: Callable[[Any, int, int], Any]      # zeros before and after a 1-d array
    arange: Callable[[int, Any], Any]        # 0..n-1 on the device of an array
    hann: Callable[[int, Any], Any]          # periodic Hann window, float32, like an array
    rfft: Callable[[Any], Any]               # over the last axis
    log: Callable[[Any], Any]
    concat: Callable[[list, int], Any]       # along an axis
    mean_last: Callable[[Any], Any]          # mean over the last axis
    flip_columns: Callable[[Any], Any]
    map: Callable[[Callable, range], Any]    # chunk -> output, in order
    float32: Callable[[Any], Any]


def _numpy_hann(n: int, like) -> np.ndarray:
    return _hann(n)


@functools.lru_cache(maxsize=4)
def _hann(n: int) -> np.ndarray:
    """Periodic Hann window, computed once per length (live encoding asks 60 times a second)."""
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    window.flags.writeable = False
    return window


THREADS: int | None = None  # threads for the numpy spectrogram; None: one per core


def _numpy_map(function: Callable, chunks: range) -> list:
    """Chunks on every core: numpy's FFT and BLAS release the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    workers = min(THREADS or os.cpu_count() or 1, len(chunks))
    if workers <= 1:
        return list(map(function, chunks))
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, chunks))


# numpy's float64 FFT is twice as fast as its float32 one; outputs are float32 as torch's
_NUMPY = _Ops(pad=lambda x, before, after: np.pad(x, (before, after)),
              arange=lambda n, like: np.arange(n), hann=_numpy_hann,
              rfft=lambda x: np.fft.rfft(np.asarray(x, np.float64)),
              log=np.log, float32=lambda x: x.astype(np.float32),
              concat=lambda parts, axis: np.concatenate(parts, axis=axis),
              mean_last=lambda x: x.mean(axis=-1), flip_columns=lambda x: x[:, ::-1],
              map=_numpy_map)


def _torch_ops() -> _Ops:
    import torch

    return _Ops(pad=lambda x, before, after: torch.nn.functional.pad(x, (before, after)),
                arange=lambda n, like: torch.arange(n, device=like.device),
                hann=lambda n, like: torch.hann_window(n, periodic=True, device=like.device),
                rfft=torch.fft.rfft, log=torch.log, float32=lambda x: x.float(),
                concat=lambda parts, axis: torch.cat(parts, dim=axis),
                mean_last=lambda x: x.mean(dim=-1), flip_columns=lambda x: x.flip(1),
                map=lambda function, chunks: list(map(function, chunks)))


def spectral_inputs(samples, centres, config: ModelConfig, mel_basis, *,
                    chunk_frames: int = 1024):
    """Network inputs (frames, n_inputs), before normalisation: numpy in, numpy out;
    torch in, torch out (on the samples' device).

    For "log-mel" with delta lags, a frame's input is its log-mel spectrum followed by, for
    each lag, that spectrum minus the one of the window `lag` frames earlier.

    Args:
        samples: (n,) float32 mono audio at `config.sample_rate` (numpy, or torch on the
            target device).
        centres: (frames,) int64 sample indices the windows are centred on, of the same kind.
        mel_basis: (n_mels, window // 2 + 1) filter bank for "log-mel", else None.
        chunk_frames: frames per batch, bounding the memory of the gathered windows.
    """
    ops = _NUMPY if isinstance(samples, np.ndarray) else _torch_ops()
    window = config.window
    earliest = max(config.lag_samples, default=0)
    padded = ops.pad(samples, window // 2 + earliest, window - window // 2)
    offsets = ops.arange(window, samples) + earliest
    # the original took the FFT of the raw window, untapered
    taper = ops.hann(window, samples) if config.input_transform == "log-mel" else None

    def chunk_inputs(start: int):
        chunk = centres[start:start + chunk_frames, None]
        now = _transform(padded[chunk + offsets], config, taper, mel_basis, ops)
        parts = [now] + [_grouped(now - _transform(padded[chunk - lag + offsets], config, taper,
                                                   mel_basis, ops), config.change_bands, ops)
                         for lag in config.lag_samples]
        return ops.concat(parts, 1) if len(parts) > 1 else now

    return ops.concat(ops.map(chunk_inputs, range(0, centres.shape[0], chunk_frames)), 0)


def _grouped(change, bands: int, ops: _Ops):
    """Average (frames, n_mels) into (frames, bands) groups of adjacent bands."""
    if bands == change.shape[1]:
        return change
    return ops.mean_last(change.reshape(change.shape[0], bands, -1))


def _transform(frames, config: ModelConfig, taper, mel_basis, ops: _Ops):
    if config.input_transform == "log-mel":
        spectrum = ops.rfft(frames * taper)
        power = spectrum.real * spectrum.real + spectrum.imag * spectrum.imag
        power = power / (taper * taper).sum()
        return ops.float32(ops.log(power @ mel_basis.T + config.log_floor))
    magnitude = ops.float32(abs(ops.rfft(frames)))  # unscaled, as the original's np.fft.fft
    # The original fed all `window` bins of the full FFT; the upper half mirrors the lower.
    mirrored = ops.flip_columns(magnitude[:, 1:config.window - magnitude.shape[1] + 1])
    return ops.concat([magnitude, mirrored], 1)
