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
    windows: Callable[[Any, int], Any]       # a view of every window of a length, row i at i
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


def thread_count() -> int:
    """Threads the numpy spectrogram runs on (`THREADS`, else one per core)."""
    return THREADS or os.cpu_count() or 1


def _numpy_map(function: Callable, chunks: range) -> list:
    """Chunks on every core: numpy's FFT and BLAS release the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    workers = min(thread_count(), len(chunks))
    if workers <= 1:
        return list(map(function, chunks))
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, chunks))


# numpy's float64 FFT is twice as fast as its float32 one; outputs are float32 as torch's
_NUMPY = _Ops(pad=lambda x, before, after: np.pad(x, (before, after)),
              windows=np.lib.stride_tricks.sliding_window_view,
              arange=lambda n, like: np.arange(n), hann=_numpy_hann,
              rfft=lambda x: np.fft.rfft(np.asarray(x, np.float64)),
              log=np.log, float32=lambda x: x.astype(np.float32),
              concat=lambda parts, axis: np.concatenate(parts, axis=axis),
              mean_last=lambda x: x.mean(axis=-1), flip_columns=lambda x: x[:, ::-1],
              map=_numpy_map)


def _torch_ops() -> _Ops:
    import torch

    return _Ops(pad=lambda x, before, after: torch.nn.functional.pad(x, (before, after)),
                windows=lambda x, n: x.unfold(0, n, 1),
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
    before, after = padding(config)
    return _padded_inputs(ops.pad(samples, before, after), centres, config, mel_basis, ops,
                          chunk_frames)


def padding(config: ModelConfig) -> tuple[int, int]:
    """Samples a frame reads before and after its centre (its window and its lags): the
    zeros around a song, the history and look-ahead of a live stream."""
    return (config.window // 2 + max(config.lag_samples, default=0),
            config.window - config.window // 2)


def _padded_inputs(padded, centres, config: ModelConfig, mel_basis, ops: _Ops,
                   chunk_frames: int):
    """`spectral_inputs` of the frames centred on `centres` of an already padded song."""
    windows = ops.windows(padded, config.window)  # a view: rows are gathered per chunk
    earliest = max(config.lag_samples, default=0)
    # the original took the FFT of the raw window, untapered
    taper = ops.hann(config.window, padded) if config.input_transform == "log-mel" else None

    def spectra(at):
        return _transform(windows[at + earliest], config, taper, mel_basis, ops)

    def chunk_inputs(start: int):
        chunk = centres[start:start + chunk_frames]
        now = spectra(chunk)
        parts = [now]
        for lag in config.lag_samples:
            parts.append(_grouped(now - _earlier_spectra(now, chunk, lag, spectra, ops),
                                  config.change_bands, ops))
        return ops.concat(parts, 1) if len(parts) > 1 else now

    return ops.concat(ops.map(chunk_inputs, range(0, centres.shape[0], chunk_frames)), 0)


def _earlier_spectra(now, chunk, lag: int, spectra, ops: _Ops):
    """The spectra of the windows `lag` samples before each of `chunk`'s. Where that window
    is the previous frame's (a lag of one frame, every other hop), `now` already has it;
    the others are computed."""
    previous = (ops.arange(chunk.shape[0], chunk) - 1).clip(min=0)
    earlier = now[previous]
    computed = chunk - lag != chunk[previous]
    computed[0] = True
    earlier[computed] = spectra((chunk - lag)[computed])
    return earlier


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


class SpectralStream:
    """`spectral_inputs` (numpy) of a song that arrives in blocks: each chunk of frames is
    analysed as soon as its windows have arrived, so the spectrogram runs while the rest of
    the file decodes. `finish` returns exactly what `spectral_inputs` gives for the whole
    song: the same padding and the same chunks, whatever the blocks were."""

    def __init__(self, config: ModelConfig, mel_basis: np.ndarray, *,
                 chunk_frames: int = 1024) -> None:
        self.config, self.mel_basis, self.chunk_frames = config, mel_basis, chunk_frames
        self._before, self._after = padding(config)
        self._buffer = np.zeros(self._before + (1 << 20) + self._after, dtype=np.float32)
        self.length = 0  # samples received
        self._analysed = 0  # frames
        self._parts: list[np.ndarray] = []

    @property
    def samples(self) -> np.ndarray:
        """The samples received so far (a view)."""
        return self._buffer[self._before:self._before + self.length]

    def add(self, block: np.ndarray) -> None:
        """Append mono float32 samples and analyse every whole chunk now heard."""
        end = self._before + self.length + len(block)
        if end + self._after > len(self._buffer):  # grow, keeping zeros after the samples
            grown = np.zeros(max(end + self._after, len(self._buffer) * 3 // 2), np.float32)
            grown[:self._before + self.length] = self._buffer[:self._before + self.length]
            self._buffer = grown
        self._buffer[self._before + self.length:end] = block
        self.length += len(block)
        heard = self._frames_heard()
        whole = (heard - self._analysed) // self.chunk_frames * self.chunk_frames
        if whole > 0:
            self._analyse(self._analysed + whole)

    def finish(self) -> np.ndarray:
        """The inputs of every frame of the song, now that all of it has arrived."""
        config = self.config
        self._analyse(len(frame_centres(self.length, sample_rate=config.sample_rate,
                                        fps=config.fps)))
        return np.concatenate(self._parts)

    def _frames_heard(self) -> int:
        """How many frames from the first have their whole window among the samples."""
        config, limit = self.config, self.length - self._after
        count = max(0, int(limit * config.fps / config.sample_rate) + 2)
        while count > 0 and centre_samples(count - 1, sample_rate=config.sample_rate,
                                           fps=config.fps) > limit:
            count -= 1
        return count

    def _analyse(self, up_to: int) -> None:
        if up_to <= self._analysed:
            return
        config = self.config
        centres = centre_samples(np.arange(self._analysed, up_to),
                                 sample_rate=config.sample_rate, fps=config.fps)
        padded = self._buffer[:self._before + self.length + self._after]
        self._parts.append(_padded_inputs(padded, centres, config, self.mel_basis, _NUMPY,
                                          self.chunk_frames))
        self._analysed = up_to
