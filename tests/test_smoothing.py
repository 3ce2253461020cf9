"""Smoothing and normalisation of the per-frame codes (pure numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS
from encoder.smoothing import (MIN_CODE_SPREAD, centred_moving_average, min_max_normalise,
                               robust_normalise, smooth_and_normalise)


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
def test_normalise_covers_zero_one_whatever_the_offset_and_scale(rng, offset, scale):
    values = offset + scale * rng.normal(size=(2000, 10))
    normalised = robust_normalise(values)
    assert normalised.dtype == np.float32
    np.testing.assert_allclose(normalised.min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(normalised.max(axis=0), 1.0, atol=1e-6)
    np.testing.assert_allclose(normalised, robust_normalise((values - offset) / scale), atol=1e-5)


def test_normalise_keeps_the_order_of_values(rng):
    values = rng.normal(size=(1000, 3))
    normalised = robust_normalise(values)
    for column in range(3):
        order = np.argsort(values[:, column])
        assert np.all(np.diff(normalised[order, column]) >= 0)


def test_one_outlier_does_not_squash_the_rest_of_the_song(rng):
    values = rng.normal(size=(3000, 1))
    values[1500] = 30.0  # a click, ten times the song's usual spread
    robust = robust_normalise(values)[:, 0]
    squashed = min_max_normalise(values)[:, 0]
    spread = lambda x: np.percentile(x, 90) - np.percentile(x, 10)  # noqa: E731
    assert spread(squashed) < 0.1
    assert spread(robust) > 0.7


def test_spiky_feature_spans_the_range_and_stays_sharp(rng):
    quiet = 0.05 * rng.random(3000)
    quiet[::100] = 1.0  # events far above the usual level
    normalised = robust_normalise(quiet[:, None])[:, 0]
    assert np.percentile(normalised, 90) - np.percentile(normalised, 10) > 0.7
    assert normalised[::100].min() > 0.99
    assert np.median(np.delete(normalised, np.s_[::100])) < 0.6


def test_silence_stays_one_steady_value(rng):
    values = np.concatenate([np.zeros((500, 2)), rng.normal(size=(1500, 2))])
    normalised = robust_normalise(values)
    assert np.ptp(normalised[:500], axis=0).max() == 0.0


@pytest.mark.parametrize("normalise", [robust_normalise, min_max_normalise])
@pytest.mark.parametrize("constant", [0.0, 0.1, -3.7, 1e6])
def test_constant_column_is_one_half(rng, normalise, constant):
    values = rng.normal(size=(200, 10))
    values[:, 3] = constant
    normalised = normalise(values)
    assert not np.isnan(normalised).any()
    np.testing.assert_array_equal(normalised[:, 3], 0.5)
    # The other columns are unaffected.
    np.testing.assert_allclose(normalised[:, [0, 1, 2, 4]].min(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(normalised[:, [0, 1, 2, 4]].max(axis=0), 1.0, atol=1e-6)


@pytest.mark.parametrize("level", BLUR_LEVELS)
def test_smoothed_constant_is_one_half(level):
    # 0.1 is not exactly representable: the prefix sums leave rounding noise that must not
    # be stretched into a full-range signal.
    values = np.full((5000, 10), 0.1, dtype=np.float32)
    smoothed = centred_moving_average(values, level)
    normalised = robust_normalise(smoothed)
    assert not np.isnan(normalised).any()
    np.testing.assert_array_equal(normalised, 0.5)


def test_all_zero_codes_give_one_half_at_every_level():
    levels = smooth_and_normalise(np.zeros((300, 10), dtype=np.float32), BLUR_LEVELS)
    for values in levels.values():
        np.testing.assert_array_equal(values, 0.5)


def test_jitter_below_the_spread_floor_stays_put_and_an_event_stands_out(rng):
    """A steady tone's codes jitter by a few thousandths: they are not stretched to fill
    [0, 1], while one click on top still reaches the end of the range."""
    steady = 1.0 + 0.002 * rng.normal(size=(600, 1))
    steady[300] += 0.2
    normalised = robust_normalise(steady, min_spread=MIN_CODE_SPREAD)[:, 0]
    assert normalised[300] == 1.0
    rest = np.delete(normalised, 300)
    assert np.abs(rest - 0.5).max() < 0.25
    # without the floor the jitter alone spans the whole range (the click is too small for
    # the floor relative to the full range to apply)
    assert np.ptp(np.delete(robust_normalise(steady)[:, 0], 300)) > 0.9


def test_a_steady_level_with_rare_big_events_keeps_them_apart(rng):
    """Whatever the units: when the bulk of a feature spans under MIN_BULK_FRACTION of its
    full range, the bulk stays near the middle and the events reach the ends."""
    values = 100.0 + 0.01 * rng.normal(size=(2000, 1))
    values[::500] += 5.0
    normalised = robust_normalise(values)[:, 0]
    assert np.all(normalised[::500] > 0.99)
    bulk = np.delete(normalised, np.s_[::500])
    assert np.percentile(bulk, 95) - np.percentile(bulk, 5) < 0.4 and bulk.max() < 0.95


def test_a_song_spread_above_the_floor_is_not_affected(rng):
    codes = rng.normal(size=(500, 3))
    np.testing.assert_array_equal(robust_normalise(codes, min_spread=MIN_CODE_SPREAD),
                                  robust_normalise(codes))


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
        expected = robust_normalise(naive_moving_average(codes, level),
                                    min_spread=MIN_CODE_SPREAD)
        np.testing.assert_allclose(values, expected, atol=1e-5, err_msg=f"blur{level}")
    # With enough frames every level but the widest keeps the full [0, 1] range.
    if n_frames == 2000:
        for level in BLUR_LEVELS[:-1]:
            np.testing.assert_allclose(levels[level].min(axis=0), 0.0, atol=1e-6)
            np.testing.assert_allclose(levels[level].max(axis=0), 1.0, atol=1e-6)


def test_more_smoothing_is_smoother(rng):
    codes = rng.normal(size=(3000, 10))
    levels = smooth_and_normalise(codes, BLUR_LEVELS)
    roughness = [np.abs(np.diff(levels[level], axis=0)).mean() for level in BLUR_LEVELS[:-1]]
    assert roughness == sorted(roughness, reverse=True)


def test_tied_values_share_their_average_rank(rng):
    """The quantile half of the map is the average rank (scipy's rankdata 'average')."""
    values = np.round(rng.normal(size=(3000, 4)), 1)  # many ties
    values[:, 1] = np.repeat([0.0, 1.0, 2.0], 1000)
    ranks = np.empty_like(values)
    for column in range(values.shape[1]):  # reference: the mean position of each value
        ordered = np.sort(values[:, column])
        for value in np.unique(ordered):
            where = np.flatnonzero(ordered == value)
            ranks[values[:, column] == value, column] = where.mean()
    normalised = robust_normalise(values, low_percentile=0.0, high_percentile=100.0)
    # with the whole range as the linear part, the map is half quantile, half linear
    linear = (values - values.min(0)) / (values.max(0) - values.min(0))
    expected = 0.5 * ranks / (len(values) - 1) + 0.5 * linear
    np.testing.assert_allclose(normalised, expected, atol=1e-6)
