"""Pulses: envelopes that jump when a learned feature rises quickly, then decay.

A pulse is computed from the normalised `blur1` features only, so what moves the picture
on a beat is still the network's own code, not a hand-made loudness or onset detector.
Everything here is causal: the value at frame t depends on frames <= t (the song-wide
scale of `rise_strength` aside, which the live input replaces with a running one).
"""

from __future__ import annotations

import numpy as np

RISE_SPAN_FRAMES = 2  # a rise is measured against the lowest of the previous two frames
QUIET_PERCENTILE = 90.0  # rises at or below this percentile of the song count as stillness
FULL_PERCENTILE = 99.5   # a rise this large (or larger) gives a full pulse of 1...
MIN_FULL_RISE = 0.1      # ...but never less than a tenth of the feature's range in 2 frames


def rises(values: np.ndarray, span: int = RISE_SPAN_FRAMES) -> np.ndarray:
    """How much each feature rose at each frame: v[t] - min(v[t-span..t-1]), never negative.

    Args:
        values: (frames, features) normalised features.
    Returns:
        (frames, features) float64 array; the first frame is 0.
    """
    values = np.asarray(values, dtype=np.float64)
    lowest = np.full_like(values, np.inf)
    for lag in range(1, span + 1):
        lowest[lag:] = np.minimum(lowest[lag:], values[:-lag])
    lowest[0] = values[0]
    return np.maximum(values - np.minimum(lowest, values), 0.0)


def rise_strength(values: np.ndarray) -> np.ndarray:
    """Rises scaled per feature to [0, 1] over the song: 0 up to the song's usual jitter
    (`QUIET_PERCENTILE`), 1 at its strongest rises (`FULL_PERCENTILE`), linear between.

    The full scale is at least `MIN_FULL_RISE`, so a feature that only drifts slowly, or
    never moves (a constant, silence), gives small pulses or none: noise is never blown up.
    """
    raised = rises(values)
    quiet, full = np.percentile(raised, [QUIET_PERCENTILE, FULL_PERCENTILE], axis=0)
    scaled = (raised - quiet) / np.maximum(full - quiet, MIN_FULL_RISE)
    return np.clip(scaled, 0.0, 1.0)


def pulse_envelope(strength: np.ndarray, decay_s: float, fps: float) -> np.ndarray:
    """The envelope env[t] = max(strength[t], env[t-1] * exp(-1 / (decay_s * fps))).

    Attack within the frame, exponential decay with time constant `decay_s`. Vectorised: in
    the log domain the recursion is a running maximum of log(strength[s]) + s / (decay_s * fps).

    Args:
        strength: (frames,) or (frames, features) values in [0, 1].
    """
    strength = np.asarray(strength, dtype=np.float64)
    if decay_s <= 0:
        raise ValueError(f"decay_s must be > 0, got {decay_s}")
    rate = 1.0 / (decay_s * fps)  # log-decay per frame
    frames = np.arange(strength.shape[0], dtype=np.float64)
    if strength.ndim == 2:
        frames = frames[:, None]
    envelope = np.zeros_like(strength)
    # restart the running maximum every block so the offsets stay small (float precision)
    block = max(1, int(600 / rate))
    carried = np.zeros(strength.shape[1:])
    for start in range(0, strength.shape[0], block):
        part = strength[start:start + block]
        local = frames[:part.shape[0]]
        with np.errstate(divide="ignore"):
            logs = np.log(np.maximum(part, 0.0)) + local * rate
        peak = np.maximum.accumulate(logs, axis=0)
        chunk = np.exp(peak - local * rate)
        chunk = np.maximum(chunk, carried * np.exp(-(local + 1) * rate))
        envelope[start:start + block] = chunk
        carried = chunk[-1]
    return envelope
