"""From samples to the network's input vectors: one per video frame (torch, any device)."""

from __future__ import annotations

import numpy as np
import torch

from encoder.config import ModelConfig


def frame_centres(n_samples: int, *, sample_rate: int, fps: int) -> np.ndarray:
    """Sample index at the centre of each video frame: round(i * sample_rate / fps).

    Exact for any rate (no drift from an integer hop); round(duration * fps) frames.
    """
    n_frames = max(1, int(round(n_samples * fps / sample_rate)))
    return np.round(np.arange(n_frames) * (sample_rate / fps)).astype(np.int64)


def spectral_inputs(samples: torch.Tensor, centres: torch.Tensor, config: ModelConfig,
                    mel_basis: torch.Tensor | None, *, chunk_frames: int = 1024) -> torch.Tensor:
    """Network inputs (frames, n_inputs), before normalisation.

    For "log-mel" with delta lags, a frame's input is its log-mel spectrum followed by, for
    each lag, that spectrum minus the one of the window `lag` frames earlier.

    Args:
        samples: (n,) float32 mono audio at `config.sample_rate`, on the target device.
        centres: (frames,) int64 sample indices the windows are centred on.
        mel_basis: (n_mels, window // 2 + 1) filter bank for "log-mel", else None.
        chunk_frames: frames per batch, bounding the memory of the gathered windows.
    """
    window = config.window
    earliest = max(config.lag_samples, default=0)
    padded = torch.nn.functional.pad(samples, (window // 2 + earliest, window - window // 2))
    offsets = torch.arange(window, device=samples.device) + earliest
    taper = _taper(config, samples.device)
    outputs = []
    for start in range(0, centres.shape[0], chunk_frames):
        chunk = centres[start:start + chunk_frames, None]
        now = _transform(padded[chunk + offsets], config, taper, mel_basis)
        parts = [now] + [_grouped(now - _transform(padded[chunk - lag + offsets], config, taper,
                                                   mel_basis), config.change_bands)
                         for lag in config.lag_samples]
        outputs.append(torch.cat(parts, dim=1) if len(parts) > 1 else now)
    return torch.cat(outputs)


def _grouped(change: torch.Tensor, bands: int) -> torch.Tensor:
    """Average (frames, n_mels) into (frames, bands) groups of adjacent bands."""
    if bands == change.shape[1]:
        return change
    return change.reshape(change.shape[0], bands, -1).mean(dim=2)


def _taper(config: ModelConfig, device: torch.device) -> torch.Tensor | None:
    if config.input_transform == "log-mel":
        return torch.hann_window(config.window, periodic=True, device=device)
    return None  # the original took the FFT of the raw window


def _transform(frames: torch.Tensor, config: ModelConfig, taper: torch.Tensor | None,
               mel_basis: torch.Tensor | None) -> torch.Tensor:
    if config.input_transform == "log-mel":
        spectrum = torch.fft.rfft(frames * taper)
        power = spectrum.real.square() + spectrum.imag.square()
        power = power / taper.square().sum()
        return torch.log(power @ mel_basis.T + config.log_floor)
    magnitude = torch.fft.rfft(frames).abs()  # unscaled, as the original's np.fft.fft
    # The original fed all `window` bins of the full FFT; the upper half mirrors the lower.
    mirrored = magnitude[:, 1:config.window - magnitude.shape[1] + 1].flip(1)
    return torch.cat([magnitude, mirrored], dim=1)
