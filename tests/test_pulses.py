"""Pulse envelopes: attack within a frame, decay at the parameter's rate, never a look ahead."""

from __future__ import annotations

import numpy as np
import pytest

from encoder.pulses import jump_strength, jumps, pulse_envelope

FPS = 60


def naive_envelope(strength: np.ndarray, decay_s: float) -> np.ndarray:
    factor = np.exp(-1.0 / (decay_s * FPS))
    out = np.zeros_like(strength, dtype=np.float64)
    for t in range(len(strength)):
        out[t] = max(strength[t], out[t - 1] * factor if t else 0.0)
    return out


def test_attack_is_within_the_frame_of_the_jump():
    strength = np.zeros(120)
    strength[30] = 1.0
    envelope = pulse_envelope(strength, 0.2, FPS)
    assert envelope[29] == 0.0
    assert envelope[30] == pytest.approx(1.0)


@pytest.mark.parametrize("decay_s", [0.05, 0.2, 1.0])
def test_decay_follows_the_time_constant(decay_s):
    strength = np.zeros(400)
    strength[10] = 1.0
    envelope = pulse_envelope(strength, decay_s, FPS)
    after = 10 + round(decay_s * FPS)  # one time constant later: 1/e
    assert envelope[after] == pytest.approx(np.exp(-1.0), rel=1e-6)
    assert np.all(np.diff(envelope[10:]) <= 0)


@pytest.mark.parametrize("decay_s", [0.01, 0.1, 2.0])
def test_vectorised_envelope_matches_the_recursion(rng, decay_s):
    strength = (rng.random(20_000) > 0.97) * rng.random(20_000)
    np.testing.assert_allclose(pulse_envelope(strength, decay_s, FPS),
                               naive_envelope(strength, decay_s), atol=1e-9)


def test_envelope_never_looks_ahead(rng):
    values = rng.random((600, 10))
    strength = jump_strength(values)
    for cut in (1, 100, 599):
        changed = values.copy()
        changed[cut:] = rng.random((600 - cut, 10))
        # jumps up to `cut` depend only on the past (the song-wide scale aside)
        np.testing.assert_array_equal(jumps(changed)[:cut], jumps(values)[:cut])
        early = pulse_envelope(strength[:cut], 0.2, FPS)
        np.testing.assert_allclose(pulse_envelope(strength, 0.2, FPS)[:cut], early)


@pytest.mark.parametrize("step", [0.4, -0.4])
def test_a_sudden_step_either_way_gives_a_full_pulse_and_slow_drift_none(step):
    frames = np.arange(1200)
    drift = 0.5 + 0.2 * np.sin(frames / 200.0)  # slow: never a pulse
    values = np.stack([drift, drift], axis=1)
    values[600:, 1] += step  # one step up (or down) in the second feature
    strength = jump_strength(values)
    assert strength[:, 0].max() < 0.05
    assert strength[600, 1] == pytest.approx(1.0)
    assert strength[601:, 1].max() < 0.05 and strength[:600, 1].max() < 0.05


@pytest.mark.parametrize("values", [np.zeros((500, 10)), np.full((500, 10), 0.5)])
def test_silence_and_constants_never_pulse(values):
    assert not np.isnan(jump_strength(values)).any()
    np.testing.assert_array_equal(jump_strength(values), 0.0)


def test_decay_must_be_positive():
    with pytest.raises(ValueError):
        pulse_envelope(np.zeros(10), 0.0, FPS)
