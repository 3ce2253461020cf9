"""Smoothing and normalisation of the per-frame codes (pure numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS
from encoder.smoothing import centred_moving_average, min_max_normalise, smooth_and_normalise


def naive_moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Mean over frames [ceil(i - width/2), ceil(i + width/2)) clipped to the song."""
    n = len(values)
    result = np.empty(values.shape, dtype=np.float64)
    for i in range(n):
        low = min(max(math.ceil(i - width / 2), 0), n)
        high = min(max(math.ceil(i + width / 2), 0), n)
        result[i] = values[low:high].astype(np.float64).mean(axis=0)
    return result


@pytest.mark.parametrize("width", BLUR_LEVELS + (2, 3, 7))
@pytest.mark.parametrize("n_frames", [1, 2, 5, 9, 60, 1234, 4000])
def test_moving_average_matches_naive_window(width, n_frames, rng):
    values = rng.normal(size=(n_frames, 10)).astype(np.float32)
    expected = naive_moving_average(values, width)
    np.testing.assert_allclose(centred_moving_average(values, width), expected,
                               rtol=1e-9, atol=1e-12)


def test_window_is_centred_on_the_frame():
    # An impulse at frame 50 spreads over frames 45..54 with width 10 (ceil(i-5) <= 50 < ceil(i+5)).
    values = np.zeros((101, 1))
    values[50] = 1.0
    smoothed = centred_moving_average(values, 10)[:, 0]
    assert np.flatnonzero(smoothed).tolist() == list(range(46, 56))
    np.testing.assert_allclose(smoothed[46:56], 0.1)


def test_width_longer_than_the_song_is_the_song_mean(rng):
    values = rng.normal(size=(40, 10))
    smoothed = centred_moving_average(values, 3000)
    np.testing.assert_allclose(smoothed, np.broadcast_to(values.mean(axis=0), values.shape))


def test_width_one_is_identity(rng):
    values = rng.normal(size=(333, 10)).astype(np.float32)
    # Prefix-sum differences round at float64 precision, far below float32's.
    np.testing.assert_allclose(centred_moving_average(values, 1), values, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(centred_moving_average(values, 1).astype(np.float32), values)


@pytest.mark.parametrize("width", [0, -3])
def test_width_below_one_is_rejected(width):
    with pytest.raises(ValueError):
        centred_moving_average(np.zeros((10, 10)), width)


@pytest.mark.parametrize("offset, scale", [(0.0, 1.0), (-7.5, 0.01), (1000.0, 3.0)])
def test_normalise_maps_each_column_onto_zero_one(rng, offset, scale):
    values = offset + scale * rng.normal(size=(500, 10))
    normalised = min_max_normalise(values)
    assert normalised.dtype == np.float32
    np.testing.assert_array_equal(normalised.min(axis=0), 0.0)
    np.testing.assert_array_equal(normalised.max(axis=0), 1.0)
    expected = (values - values.min(axis=0)) / (values.max(axis=0) - values.min(axis=0))
    np.testing.assert_allclose(normalised, expected, atol=1e-6)


@pytest.mark.parametrize("constant", [0.0, 0.1, -3.7, 1e6])
def test_constant_column_is_one_half(rng, constant):
    values = rng.normal(size=(200, 10))
    values[:, 3] = constant
    normalised = min_max_normalise(values)
    assert not np.isnan(normalised).any()
    np.testing.assert_array_equal(normalised[:, 3], 0.5)
    # The other columns are unaffected.
    np.testing.assert_array_equal(normalised[:, [0, 1, 2, 4]].min(axis=0), 0.0)
    np.testing.assert_array_equal(normalised[:, [0, 1, 2, 4]].max(axis=0), 1.0)


@pytest.mark.parametrize("level", BLUR_LEVELS)
def test_smoothed_constant_is_one_half(level):
    # 0.1 is not exactly representable: the prefix sums leave rounding noise that must not
    # be stretched into a full-range signal.
    values = np.full((5000, 10), 0.1, dtype=np.float32)
    smoothed = centred_moving_average(values, level)
    normalised = min_max_normalise(smoothed)
    assert not np.isnan(normalised).any()
    np.testing.assert_array_equal(normalised, 0.5)


def test_all_zero_codes_give_one_half_at_every_level():
    levels = smooth_and_normalise(np.zeros((300, 10), dtype=np.float32), BLUR_LEVELS)
    for values in levels.values():
        np.testing.assert_array_equal(values, 0.5)


@pytest.mark.parametrize("n_frames", [1, 7, 2000])
def test_smooth_and_normalise_gives_every_level_in_range(rng, n_frames):
    codes = rng.normal(size=(n_frames, 10)).astype(np.float32)
    levels = smooth_and_normalise(codes, BLUR_LEVELS)
    assert list(levels) == list(BLUR_LEVELS)
    for level, values in levels.items():
        assert values.shape == (n_frames, 10)
        assert values.dtype == np.float32
        assert not np.isnan(values).any()
        assert values.min() >= 0.0 and values.max() <= 1.0
        expected = min_max_normalise(naive_moving_average(codes, level))
        np.testing.assert_allclose(values, expected, atol=1e-5, err_msg=f"blur{level}")
    # With enough frames every level but the widest keeps the full [0, 1] range.
    if n_frames == 2000:
        for level in BLUR_LEVELS[:-1]:
            np.testing.assert_array_equal(levels[level].min(axis=0), 0.0)
            np.testing.assert_array_equal(levels[level].max(axis=0), 1.0)


def test_more_smoothing_is_smoother(rng):
    codes = rng.normal(size=(3000, 10))
    levels = smooth_and_normalise(codes, BLUR_LEVELS)
    roughness = [np.abs(np.diff(levels[level], axis=0)).mean() for level in BLUR_LEVELS[:-1]]
    assert roughness == sorted(roughness, reverse=True)
