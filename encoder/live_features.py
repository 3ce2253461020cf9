"""Live features: the codes of a stream smoothed, normalised and pulsed causally, frame by frame.

Offline, a song's codes are smoothed by centred moving averages and normalised over the
whole song (`encoder.smoothing`), and pulses are scaled by the song's own jumps
(`encoder.pulses`). Live there is no whole song, so each step has a causal twin:

- each blur level of width L frames becomes an exponential moving average of span L
  (alpha = 2 / (L + 1), the same noise reduction as a box of L frames, with no look-ahead);
- normalisation is the same robust map (`encoder.smoothing.robust_scale`, `robust_blend`)
  against the recent
  history of that level (the last max(10 s, 4 L frames), at most 200 s, every (L // 100)-th
  frame of it), refreshed four times a second: it adapts within a few seconds, and silence (a constant history) gives a
  steady 0.5, never noise blown up to the full range;
- a pulse's jump strength is scaled by the jumps of the last 30 s, as offline by the song's.
"""

from __future__ import annotations

import math

import numpy as np

from encoder.features import BLUR_LEVELS, FPS, N_FEATURES
from encoder.pulses import FULL_PERCENTILE, MIN_FULL_JUMP, QUIET_PERCENTILE
from encoder.smoothing import (
    MIN_CODE_SPREAD,
    _constant_columns,
    robust_blend,
    robust_scale,
    sorted_percentiles,
)

REFRESH_S = 0.25           # how often the normalisation statistics are recomputed
MIN_HISTORY_S = 10.0
MAX_HISTORY_S = 200.0
JUMP_HISTORY_S = 30.0
WARM_UP_FRAMES = 15        # before this many frames a level reads 0.5 and nothing pulses


class _History:
    """The last `capacity` rows of a (frames, 10) series and, refreshed every `refresh` rows,
    its sorted columns and robust scale."""

    def __init__(self, capacity: int, refresh: int, min_spread: float = 0.0,
                 stride: int = 1, phase: int = 0) -> None:
        self.rows = np.zeros((max(1, capacity // stride), N_FEATURES))
        self.count = 0
        self.stride = stride  # keep every stride-th row: a slow level needs no more
        self._offered = 0
        self.refresh = max(1, refresh // stride)
        self.phase = phase  # histories with different phases refresh on different frames
        self.min_spread = min_spread
        self.ordered = np.zeros((0, N_FEATURES))
        self.constant = np.ones(N_FEATURES, dtype=bool)
        self.scale: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def push(self, row: np.ndarray) -> bool:
        """Keep `row` (every stride-th); True when the statistics were refreshed."""
        self._offered += 1
        if (self._offered - 1) % self.stride:
            return False
        self.rows[self.count % len(self.rows)] = row
        self.count += 1
        if self.count > 2 * WARM_UP_FRAMES and (self.count + self.phase) % self.refresh:
            return False
        self.ordered = np.sort(self.rows[:min(self.count, len(self.rows))], axis=0)
        self.constant = _constant_columns(self.ordered[[0, -1]])
        self.scale = robust_scale(self.ordered, min_spread=self.min_spread)
        return True



class _Levels:
    """Every level's sorted history side by side, padded with +inf, so one set of array
    operations places all levels' newest values at once (the per-frame work of `davis live`).
    Stored (levels, features, frames): counting along the contiguous last axis is fastest."""

    def __init__(self, histories: list[_History]) -> None:
        size = max(len(history.rows) for history in histories)
        self.ordered = np.full((len(histories), N_FEATURES, size), np.inf)
        self.sizes = np.ones(len(histories))
        self.scale = np.zeros((3, len(histories), N_FEATURES))
        self.scale[2] = 1.0
        self.constant = np.ones((len(histories), N_FEATURES), dtype=bool)
        self.warm = np.zeros(len(histories), dtype=bool)

    def refresh(self, index: int, history: _History) -> None:
        n = len(history.ordered)
        self.ordered[index, :, :n] = history.ordered.T
        self.ordered[index, :, n:] = np.inf
        self.sizes[index] = n
        self.scale[:, index] = history.scale
        self.constant[index] = history.constant
        self.warm[index] = history.count >= WARM_UP_FRAMES

    def normalise(self, values: np.ndarray) -> np.ndarray:
        """(levels, 10) values -> their places in their histories, as `robust_normalise`
        places a song's values; 0.5 for a level still warming up or a constant column."""
        value = values[:, :, None]
        ranks = (_count(self.ordered < value) + _count(self.ordered <= value)).astype(np.int64) - 1
        quantile = np.clip(ranks / (2.0 * np.maximum(self.sizes - 1, 1))[:, None], 0.0, 1.0)
        result = robust_blend(quantile, values, *self.scale)
        result[self.constant | ~self.warm[:, None]] = 0.5
        return np.clip(result, 0.0, 1.0, out=result)


def _count(flags: np.ndarray) -> np.ndarray:
    """How many are true along the last axis (summing bytes is several times numpy's bool sum)."""
    return flags.view(np.uint8).sum(axis=-1, dtype=np.uint16)


class LiveFeatures:
    """Feed codes (`update`); read the newest normalised blur levels and pulses.

    Args:
        fps: frames per second of the codes.
        levels: the blur levels to keep (all of them by default).
    """

    def __init__(self, fps: int = FPS, levels: tuple[int, ...] = BLUR_LEVELS) -> None:
        self.fps = fps
        self.levels = tuple(levels)
        refresh = max(1, round(REFRESH_S * fps))
        self._index = {level: i for i, level in enumerate(self.levels)}
        self._alpha = np.array([[2.0 / (level + 1.0)] for level in self.levels])
        self._smoothed: np.ndarray | None = None  # (levels, 10), the causal averages
        self._histories = [_History(self._history_frames(level), refresh, MIN_CODE_SPREAD,
                                    stride=max(1, level // 100), phase=index)
                           for index, level in enumerate(self.levels)]
        self._places = _Levels(self._histories)
        self._values = np.full((len(self.levels), N_FEATURES), 0.5)
        self._jumps = _History(round(JUMP_HISTORY_S * fps), refresh)
        self._strength = np.zeros(N_FEATURES)
        self._jump_scale = np.zeros((2, N_FEATURES))
        self._pulses: dict[float, np.ndarray] = {}
        self.frames = 0

    def _history_frames(self, level: int) -> int:
        return int(min(max(MIN_HISTORY_S * self.fps, 4 * level), MAX_HISTORY_S * self.fps))

    def update(self, codes: np.ndarray) -> None:
        """Take the codes (k, 10) of the next k frames, oldest first."""
        for code in np.asarray(codes, dtype=np.float64).reshape(-1, N_FEATURES):
            self._step(code)

    def _step(self, code: np.ndarray) -> None:
        if self._smoothed is None:
            self._smoothed = np.repeat(code[None], len(self.levels), axis=0)
        else:
            self._smoothed += self._alpha * (code - self._smoothed)
        for index, history in enumerate(self._histories):
            if history.push(self._smoothed[index]):
                self._places.refresh(index, history)
        previous = self._values  # replaced, not changed in place: earlier reads stay valid
        self._values = self._places.normalise(self._smoothed)
        self.frames += 1
        if 1 in self._index:
            blur1 = self._index[1]
            self._step_pulses(np.abs(self._values[blur1] - previous[blur1]))

    def _step_pulses(self, moved: np.ndarray) -> None:
        jumps = self._jumps
        if jumps.push(moved):
            self._jump_scale = sorted_percentiles(jumps.ordered, (QUIET_PERCENTILE, FULL_PERCENTILE))
        if jumps.count < 2 * WARM_UP_FRAMES:
            strength = np.zeros(N_FEATURES)
        else:
            quiet, full = self._jump_scale
            strength = np.clip((moved - quiet) / np.maximum(full - quiet, MIN_FULL_JUMP), 0.0, 1.0)
        self._strength = strength
        for decay_s, envelope in self._pulses.items():
            np.maximum(strength, envelope * math.exp(-1.0 / (decay_s * self.fps)), out=envelope)

    # --- reading ---

    def blur(self, level: int) -> np.ndarray:
        """The newest (10,) values of a blur level, in [0, 1]."""
        try:
            return self._values[self._index[level]]
        except KeyError:
            raise KeyError(f"no blur level {level}; have {sorted(self.levels)}") from None

    def pulse(self, decay_s: float) -> np.ndarray:
        """The newest (10,) pulse envelopes with time constant `decay_s` (tracked from the first
        call on)."""
        if decay_s not in self._pulses:
            self._pulses[decay_s] = self._strength.copy()
        return self._pulses[decay_s]
