"""From samples to the network's input vectors: one per video frame (torch, any device)."""

from __future__ import annotations

import numpy as np
import torch

from encoder.config import ModelConfig

LOG_FLOOR = 1e-6  # mel power floor before the log: about -60 dB below a full-scale tone


def frame_centres(n_samples: int, *, sample_rate: int, fps: int) -> np.ndarray:
    """Sample index at the centre of each video frame: round(i * sample_rate / fps).

    Exact for any rate (no drift from an integer hop); round(duration * fps) frames.
    """
    n_frames = max(1, int(round(n_samples * fps / sample_rate)))
    return np.round(np.arange(n_frames) * (sample_rate / fps)).astype(np.int64)


def spectral_inputs(samples: torch.Tensor, centres: torch.Tensor, config: ModelConfig,
                    mel_basis: torch.Tensor | None, *, chunk_frames: int = 1024) -> torch.Tensor:
    """Network inputs (frames, n_inputs), before normalisation.

    Args:
        samples: (n,) float32 mono audio at `config.sample_rate`, on the target device.
        centres: (frames,) int64 sample indices the windows are centred on.
        mel_basis: (n_mels, window // 2 + 1) filter bank for "log-mel", else None.
        chunk_frames: frames per batch, bounding the memory of the gathered windows.
    """
    window = config.window
    padded = torch.nn.functional.pad(samples, (window // 2, window - window // 2))
    offsets = torch.arange(window, device=samples.device)
    taper = _taper(config, samples.device)
    outputs = []
    for start in range(0, centres.shape[0], chunk_frames):
        frames = padded[centres[start:start + chunk_frames, None] + offsets]
        outputs.append(_transform(frames, config, taper, mel_basis))
    return torch.cat(outputs)


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
        return torch.log(power @ mel_basis.T + LOG_FLOOR)
    magnitude = torch.fft.rfft(frames).abs()  # unscaled, as the original's np.fft.fft
    # The original fed all `window` bins of the full FFT; the upper half mirrors the lower.
    mirrored = magnitude[:, 1:config.window - magnitude.shape[1] + 1].flip(1)
    return torch.cat([magnitude, mirrored], dim=1)
