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
    """Scale each column to [0, 1] over the song (the 2017 normalisation, kept for comparison);
    a constant column becomes 0.5."""
    low, high = values.min(axis=0), values.max(axis=0)
    constant = _constant_columns(values)
    normalised = (values - low) / np.where(constant, 1.0, high - low)
    normalised[:, constant] = 0.5
    return np.clip(normalised, 0.0, 1.0).astype(np.float32)


# The smallest 5th-95th percentile spread of a code that counts as a signal, in code units.
# The compact model's codes are whitened on its training frames (unit variance); recorded
# songs spread 0.1-1 even at the slowest smoothing level, while a steady tone's codes jitter
# by 0.002-0.02. Below the floor a feature is not stretched to fill [0, 1]: its jitter stays
# near 0.5 and a single event still stands out.
MIN_CODE_SPREAD = 0.05
# Nor is a feature whose bulk (5th-95th percentile) spans under this fraction of its full
# range: it holds one level, and what leaves it (rarely) is an event.
MIN_BULK_FRACTION = 0.05


def robust_normalise(values: np.ndarray, *, low_percentile: float = 5.0,
                     high_percentile: float = 95.0, min_spread: float = 0.0) -> np.ndarray:
    """Map each column to [0, 1] so that one outlier cannot squash the rest of the song.

    The result is the average of two maps: the song's quantile map (each value's rank, so a
    feature covers [0, 1] evenly) and a linear map from the `low_percentile`-th to the
    `high_percentile`-th percentile, clipped (which keeps how far above its usual level an
    event goes, so sharp events stay sharp). Equal values get equal ranks, so a stretch of
    silence stays one steady value; a constant column becomes 0.5 (never NaN).

    A column whose percentile spread is below `min_spread`, or below `MIN_BULK_FRACTION` of
    its full range, is mostly noise around one level (a steady tone): the linear map then
    spans that floor around the level and the quantile map, which would blow the noise up to
    the full range, fades out in proportion.

    Args:
        values: (frames, features) array.
    """
    values = np.asarray(values, dtype=np.float64)
    constant = _constant_columns(values)
    result = np.full(values.shape, 0.5, dtype=np.float64)
    varying = np.flatnonzero(~constant)
    if len(varying):
        x = values[:, varying]
        order = np.argsort(x, axis=0)  # ties get one rank whatever their order
        ordered = np.take_along_axis(x, order, axis=0)
        quantile = np.empty_like(x)
        np.put_along_axis(quantile, order, _tied_ranks(ordered) / (2.0 * max(len(x) - 1, 1)),
                          axis=0)
        scale = robust_scale(ordered, low_percentile, high_percentile, min_spread)
        result[:, varying] = robust_blend(quantile, x, *scale)
    return np.clip(result, 0.0, 1.0).astype(np.float32)


def _tied_ranks(ordered: np.ndarray) -> np.ndarray:
    """Twice the average rank of each entry of columns sorted along axis 0: the first plus
    the last position of its value, so equal values get equal ranks."""
    n = len(ordered)
    positions = np.arange(n)[:, None]
    starts = np.ones(ordered.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = np.ones(ordered.shape, dtype=bool)
    ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, positions, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, positions, n - 1)[::-1], axis=0)[::-1]
    return (first + last).astype(np.float64)


def robust_scale(ordered: np.ndarray, low_percentile: float = 5.0, high_percentile: float = 95.0,
                 min_spread: float = 0.0):
    """(low, high, spread) of `robust_normalise`'s linear map for a series sorted along its
    first axis (the whole song offline; the last seconds live), per column."""
    low, high = sorted_percentiles(ordered, (low_percentile, high_percentile))
    spread = np.maximum(np.maximum(high - low, min_spread),
                        MIN_BULK_FRACTION * (ordered[-1] - ordered[0]))
    return low, high, spread


def sorted_percentiles(ordered: np.ndarray, percentiles) -> np.ndarray:
    """`np.percentile(ordered, percentiles, axis=0)` (linear interpolation) of an array
    already sorted along its first axis, without sorting it again."""
    places = np.asarray(percentiles, dtype=np.float64) / 100.0 * (len(ordered) - 1)
    below = np.floor(places).astype(np.int64)
    above = np.minimum(below + 1, len(ordered) - 1)
    weight = (places - below).reshape(-1, *([1] * (ordered.ndim - 1)))
    return ordered[below] + weight * (ordered[above] - ordered[below])


def robust_blend(quantile, x, low, high, spread):
    """`robust_normalise`'s value from a value's quantile and its linear map."""
    linear = np.clip(0.5 + (x - 0.5 * (low + high)) / spread, 0.0, 1.0)
    quantile_weight = 0.5 * (high - low) / spread
    return quantile_weight * quantile + (1.0 - quantile_weight) * linear


def _constant_columns(values: np.ndarray) -> np.ndarray:
    """Columns whose range is below 1e-6 of their magnitude: the rounding noise of a smoothed
    constant must not be blown up into a full-range signal."""
    low, high = values.min(axis=0), values.max(axis=0)
    scale = np.maximum(np.abs(low), np.abs(high))
    return (high - low) <= 1e-6 * np.maximum(scale, 1e-30)


def smooth_and_normalise(codes: np.ndarray, levels: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Every smoothing level of the (frames, features) codes, each robustly normalised to [0, 1]."""
    codes = np.asarray(codes, dtype=np.float64)
    return {level: robust_normalise(centred_moving_average(codes, level), min_spread=MIN_CODE_SPREAD)
            for level in levels}
