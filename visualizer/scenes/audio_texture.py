"""Shadertoy's audio input: a 512x2 single-channel texture, row 0 the spectrum, row 1 the
waveform, as WebAudio's `AnalyserNode` gives them to Shadertoy — computed here from the
song's own samples at song time, so a render is frame-exact.

Shadertoy analyses 2048 samples at 44.1 kHz and uses the first 512 of its 1024 bins
(0–11 kHz, 21.5 Hz apart); davis decodes at 22,050 Hz, so 1024 samples give the same bins.
The magnitudes are smoothed over time the way the analyser does between frames
(`SMOOTHING` 0.8 per 1/60 s), but from the samples alone: a weighted mean over the
`SMOOTHING_WINDOWS` windows ending 0, 1/60, 2/60... s before the frame, so the same song
time always gives the same texture whatever the frame rate or the frames drawn before.
"""

from __future__ import annotations

import numpy as np

FFT_SIZE = 1024
BINS = 512
WAVEFORM = 512
MIN_DB, MAX_DB = -100.0, -30.0      # WebAudio's default byte range of the spectrum
SMOOTHING = 0.8                     # WebAudio's default smoothingTimeConstant
SMOOTHING_WINDOWS = 8
ANALYSER_FPS = 60                   # the spacing of the smoothing windows


def hop(sample_rate: int) -> int:
    return int(round(sample_rate / ANALYSER_FPS))


def samples_needed(sample_rate: int) -> int:
    """How many samples, ending at the frame's time, `audio_rows` reads."""
    return FFT_SIZE + (SMOOTHING_WINDOWS - 1) * hop(sample_rate)


def _window() -> np.ndarray:
    n = np.arange(FFT_SIZE)
    phase = 2.0 * np.pi * n / FFT_SIZE
    return (0.42 - 0.5 * np.cos(phase) + 0.08 * np.cos(2.0 * phase)).astype(np.float32)


BLACKMAN = _window()  # WebAudio's (periodic) Blackman window, alpha = 0.16
WEIGHTS = (1.0 - SMOOTHING) * SMOOTHING ** np.arange(SMOOTHING_WINDOWS)
WEIGHTS = (WEIGHTS / WEIGHTS.sum()).astype(np.float32)  # newest window first


def spectrum_bytes(magnitudes: np.ndarray) -> np.ndarray:
    """Linear magnitudes (|FFT| / FFT_SIZE) to WebAudio's bytes: dB mapped from
    [MIN_DB, MAX_DB] onto 0..255, floored."""
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(magnitudes)
    scaled = np.floor(255.0 / (MAX_DB - MIN_DB) * (db - MIN_DB))
    return np.clip(np.nan_to_num(scaled, neginf=0.0), 0, 255).astype(np.uint8)


def audio_rows(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """(2, 512) uint8: the spectrum and the waveform of the `samples_needed` samples that end
    at the frame's time (fewer are padded with silence in front)."""
    needed = samples_needed(sample_rate)
    samples = np.asarray(samples, dtype=np.float32)[-needed:]
    if len(samples) < needed:
        samples = np.concatenate([np.zeros(needed - len(samples), np.float32), samples])
    step = hop(sample_rate)
    ends = needed - step * np.arange(SMOOTHING_WINDOWS)  # newest first
    windows = np.stack([samples[end - FFT_SIZE:end] for end in ends]) * BLACKMAN
    magnitudes = np.abs(np.fft.rfft(windows, axis=1)[:, :BINS]) / FFT_SIZE
    rows = np.empty((2, BINS), dtype=np.uint8)
    rows[0] = spectrum_bytes(WEIGHTS @ magnitudes)
    rows[1] = np.clip(np.floor(128.0 * (1.0 + samples[-WAVEFORM:])), 0, 255).astype(np.uint8)
    return rows
