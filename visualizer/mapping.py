"""Which learned feature drives which parameter, and the parameter values at a song time."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from encoder.errors import DavisError
from encoder.features import N_FEATURES, Features
from visualizer.parameters import Parameter

# A rate-limited parameter changes on its feature's sudden changes: when that feature's
# pulse (decay HOLD_EVENT_DECAY_S) is at least HOLD_EVENT_LEVEL, or MAX_HOLD_WAIT_S after
# its step was due without one.
HOLD_EVENT_DECAY_S = 0.1
HOLD_EVENT_LEVEL = 0.5
MAX_HOLD_WAIT_S = 2.0


@dataclass(frozen=True)
class Mapping:
    """A permutation of the 10 features onto an animation's 10 parameter slots.

    Slot i is the i-th parameter of the animation's table; slots past the table are unused,
    as in the original. The same permutation applied to another animation gives it a mapping
    too, which is what a locked mapping does across animation changes.
    """

    permutation: tuple[int, ...]

    def __post_init__(self) -> None:
        if sorted(self.permutation) != list(range(N_FEATURES)):
            raise ValueError(f"not a permutation of 0..{N_FEATURES - 1}: {self.permutation}")

    @classmethod
    def random(cls, rng: random.Random) -> "Mapping":
        permutation = list(range(N_FEATURES))
        rng.shuffle(permutation)  # Fisher–Yates
        return cls(tuple(permutation))

    def assignment(self, parameters: tuple[Parameter, ...]) -> dict[str, int]:
        """Parameter name -> feature index, for presets and the HUD."""
        return {p.name: self.permutation[slot] for slot, p in enumerate(parameters)}

    @classmethod
    def from_assignment(cls, parameters: tuple[Parameter, ...], assignment: dict[str, int],
                        where: str) -> "Mapping":
        """Rebuild a mapping from a preset's {parameter: feature} table (unused slots filled in order)."""
        names = [p.name for p in parameters]
        unknown = set(assignment) - set(names)
        if unknown:
            raise DavisError(f"{where}: unknown parameter(s) {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(names)})")
        features = list(assignment.values())
        if any(not isinstance(f, int) or isinstance(f, bool) or not 0 <= f < N_FEATURES
               for f in features):
            raise DavisError(f"{where}: mapping values must be feature numbers 0–{N_FEATURES - 1}")
        if len(set(features)) != len(features):
            raise DavisError(f"{where}: two parameters read the same feature")
        free = iter(f for f in range(N_FEATURES) if f not in features)
        slots = [assignment[name] if name in assignment else next(free) for name in names]
        slots += list(free)
        return cls(tuple(slots))


class ParameterTrack:
    """The values of an animation's parameters over one song, for one mapping.

    Each parameter's input series (its feature at its blur level, or that feature's pulse
    envelope) is gathered once into a (frames, parameters) table, and so is the frame each
    parameter shows at each frame (itself, or its last rate-limit step), so evaluating a
    frame is a handful of vectorised lookups: microseconds.
    """

    def __init__(self, parameters: tuple[Parameter, ...], mapping: Mapping,
                 features: Features) -> None:
        self.values_of = ParameterValues(parameters)
        self.fps = features.fps
        n_frames = features.n_frames
        columns, shown = [], []
        frames = np.arange(n_frames)
        events = None
        for parameter, feature in zip(parameters, mapping.permutation):
            if parameter.pulse > 0:
                columns.append(features.pulses(parameter.pulse)[:, feature])
            else:
                columns.append(features.blur(parameter.blur)[:, feature])
            if parameter.fps > 0:
                if events is None:
                    events = features.pulses(HOLD_EVENT_DECAY_S) >= HOLD_EVENT_LEVEL
                shown.append(held_frames(events[:, feature], features.fps / parameter.fps,
                                         features.fps * MAX_HOLD_WAIT_S))
            else:
                shown.append(frames)
        self._series = (np.stack(columns, axis=1).astype(np.float32) if columns
                        else np.zeros((n_frames, 0), dtype=np.float32))
        self._shown = (np.stack(shown, axis=1).astype(np.int64) if shown
                       else np.zeros((n_frames, 0), dtype=np.int64))
        self._columns = np.arange(len(parameters))

    def features_at(self, time_s: float) -> np.ndarray:
        """The input each parameter reads at `time_s`, after its rate limit (a hold)."""
        frame = min(max(int(round(time_s * self.fps)), 0), self._series.shape[0] - 1)
        return self._series[self._shown[frame], self._columns]

    def values_at(self, time_s: float) -> dict[str, float]:
        return self.values_of(self.features_at(time_s))


def held_frames(events: np.ndarray, interval: float, max_wait: float) -> np.ndarray:
    """For every frame, the frame whose input a rate-limited parameter shows there.

    The parameter takes a new value at most once per `interval` frames, and each change
    waits for a sudden change of its feature (`events`, a bool per frame) for up to
    `max_wait` frames more, so the picture changes on the music rather than on a clock.
    Causal: whether frame t is a step depends on frames <= t only. Frame 0 is a step.
    """
    n_frames = len(events)
    # the first event at or after each frame (n_frames: none), as a list for quick lookups
    marked = np.where(events, np.arange(n_frames), n_frames)
    next_event = np.minimum.accumulate(marked[::-1])[::-1].tolist() + [n_frames]
    steps = [0]
    wait = min(interval, max_wait)
    while True:
        due = steps[-1] + interval
        first = math.ceil(due)
        step = min(next_event[min(first, n_frames)], math.ceil(due + wait))
        if step >= n_frames:
            break
        steps.append(step)
    steps = np.asarray(steps, dtype=np.int64)
    return steps[np.searchsorted(steps, np.arange(n_frames), side="right") - 1]


class LiveParameterTrack:
    """The values of an animation's parameters now, from live features
    (`encoder.live_features.LiveFeatures`): the same mapping, blur levels, pulses, rate
    limits and value map as a song's `ParameterTrack`, read from the newest frame."""

    def __init__(self, parameters: tuple[Parameter, ...], mapping: Mapping, live) -> None:
        self.values_of = ParameterValues(parameters)
        self.live = live
        self._sources = [(("pulse", p.pulse) if p.pulse > 0 else ("blur", p.blur), feature)
                         for p, feature in zip(parameters, mapping.permutation)]
        for (kind, value), _ in self._sources:
            if kind == "pulse":
                live.pulse(value)  # start tracking this decay now
        live.pulse(HOLD_EVENT_DECAY_S)
        self._features = np.array([feature for _, feature in self._sources], dtype=np.int64)
        rates = np.array([p.fps for p in parameters], dtype=np.float64)
        self._limited = rates > 0
        self._interval = np.where(self._limited, 1.0 / np.where(self._limited, rates, 1.0), 0.0)
        self._wait = np.minimum(self._interval, MAX_HOLD_WAIT_S)
        self._held = np.full(len(parameters), np.nan)
        self._stepped_at = np.full(len(parameters), -np.inf)

    def features_at(self, time_s: float) -> np.ndarray:
        """The newest input of each parameter; a rate-limited one holds its value until its
        next step, which (as for a song) waits for a sudden change of its feature."""
        now = np.array([self.live.pulse(value)[feature] if kind == "pulse"
                        else self.live.blur(value)[feature]
                        for (kind, value), feature in self._sources])
        event = self.live.pulse(HOLD_EVENT_DECAY_S)[self._features] >= HOLD_EVENT_LEVEL
        due = self._stepped_at + self._interval
        step = (~self._limited | (time_s < self._stepped_at)  # -inf at first: a step
                | ((time_s >= due) & (event | (time_s >= due + self._wait))))
        self._held = np.where(step, now, self._held)
        self._stepped_at = np.where(step, time_s, self._stepped_at)
        return self._held

    def values_at(self, time_s: float) -> dict[str, float]:
        return self.values_of(self.features_at(time_s))


class ParameterValues:
    """From each parameter's input in [0, 1] to its value: min at 0, avg at 0.5, max at 1,
    linear in between, rounded to `step`."""

    def __init__(self, parameters: tuple[Parameter, ...]) -> None:
        self.names = tuple(p.name for p in parameters)
        self._avg = np.array([p.avg for p in parameters])
        self._low = np.array([p.min for p in parameters])
        self._high = np.array([p.max for p in parameters])
        self._step = np.array([p.step for p in parameters])

    def __call__(self, inputs: np.ndarray) -> dict[str, float]:
        x = np.asarray(inputs, dtype=np.float64)
        values = np.where(x < 0.5, self._low + 2 * x * (self._avg - self._low),
                          self._avg + 2 * (x - 0.5) * (self._high - self._avg))
        stepped = self._step > 0
        values = np.where(stepped, np.rint(values / np.where(stepped, self._step, 1.0))
                          * np.where(stepped, self._step, 1.0), values)
        return dict(zip(self.names, values.tolist()))
