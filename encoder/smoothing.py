"""Smoothing and normalisation of per-frame codes, as the original web page expects them."""

from __future__ import annotations

import numpy as np


def centred_moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Average of each row over frames [ceil(i - width/2), ceil(i + width/2)) clipped to the song.

    O(n) in the number of frames, whatever the width (prefix sums in float64).

    Args:
        values: (frames, features) array.
        width: window length in frames, >= 1; width 1 returns the values unchanged.
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    n = values.shape[0]
    centre = np.arange(n)
    low = np.clip(np.ceil(centre - width / 2), 0, n).astype(np.int64)
    high = np.clip(np.ceil(centre + width / 2), 0, n).astype(np.int64)
    prefix = np.zeros((n + 1, values.shape[1]), dtype=np.float64)
    np.cumsum(values, axis=0, dtype=np.float64, out=prefix[1:])
    return (prefix[high] - prefix[low]) / (high - low)[:, None]


def min_max_normalise(values: np.ndarray) -> np.ndarray:
    """Scale each column to [0, 1] over the song; a constant column becomes 0.5 (never NaN).

    A column counts as constant when its range is below 1e-6 of its magnitude, so the
    rounding noise of a smoothed constant is not blown up into a full-range signal.
    """
    low = values.min(axis=0)
    high = values.max(axis=0)
    spread = high - low
    scale = np.maximum(np.abs(low), np.abs(high))
    constant = spread <= 1e-6 * np.maximum(scale, 1e-30)
    safe_spread = np.where(constant, 1.0, spread)
    normalised = (values - low) / safe_spread
    normalised[:, constant] = 0.5
    return np.clip(normalised, 0.0, 1.0).astype(np.float32)


def smooth_and_normalise(codes: np.ndarray, levels: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Every smoothing level of the (frames, features) codes, each normalised to [0, 1]."""
    codes = np.asarray(codes, dtype=np.float64)
    return {level: min_max_normalise(centred_moving_average(codes, level)) for level in levels}
