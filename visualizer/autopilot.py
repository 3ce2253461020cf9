"""The autopilot: the look changes by itself, every so often and on the music.

One rule for `davis play`, `davis live` and `davis render` (`--cycle SECONDS`): a change
comes once `period_s` of song time has passed since the last change, or earlier, in the
last quarter of the period, on a strong rise of the learned features' pulses, so the cut
lands on the music as a VJ's would. Changes are never closer than `MIN_GAP_S`. The rule
sees only the song times and cue values it is given, so a render stays deterministic.

The cue is the mean over the ten features of their fast pulses (`encoder.pulses`): it rises
when many learned features jump at once, which on real recordings is a strong onset, a
drop or a change of section, not every hi-hat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_CYCLE_S = 20.0   # the period when the autopilot is switched on by key
MIN_CYCLE_S = 0.5
CUE_DECAY_S = 0.15       # the pulses the cue is read from (as the animations' fast pulses)
EARLY_FRACTION = 0.25    # the last quarter of a period may end early on a cue...
CUE_RISE = 0.3           # ...when the cue rises this much from one frame to the next
MIN_GAP_S = 1.0          # and never closer than this to the change before


@dataclass(frozen=True)
class AutopilotSettings:
    """`--cycle`, `--cycle-presets` and `--favourites`, resolved.

    period_s: the period (None: the autopilot starts off; its key turns it on at
        `DEFAULT_CYCLE_S`).
    presets: the presets it changes between (empty: random looks).
    in_order: through `presets` in turn instead of drawn by rating.
    """

    period_s: float | None = None
    presets: tuple = ()
    in_order: bool = False

    def autopilot(self) -> "Autopilot":
        return Autopilot(self.period_s or DEFAULT_CYCLE_S, enabled=self.period_s is not None)


def cue_series(features) -> np.ndarray:
    """(frames,) a song's cue: the mean of its features' fast pulses at each frame."""
    return features.pulses(CUE_DECAY_S).mean(axis=1)


def cues_at(features, times_s: np.ndarray) -> np.ndarray:
    """A song's cue at each of these song times (the frames of a render)."""
    series = cue_series(features)
    frames = np.clip(np.round(np.asarray(times_s) * features.fps).astype(int), 0, len(series) - 1)
    return series[frames]


class Autopilot:
    """Decides, frame by frame, when the look changes (`due`).

    Args:
        period_s: the longest time between changes.
        enabled: whether `due` ever says yes (the player's key toggles it).
    """

    def __init__(self, period_s: float = DEFAULT_CYCLE_S, enabled: bool = True) -> None:
        if period_s < MIN_CYCLE_S:
            raise ValueError(f"a cycle of {period_s:g} s is shorter than {MIN_CYCLE_S:g} s")
        self.period_s = period_s
        self.enabled = enabled
        self._last_change_s: float | None = None
        self._previous_cue: float | None = None
        self._series: tuple[object, np.ndarray] | None = None  # (features, cue_series)

    @property
    def earliest_s(self) -> float:
        """How long after a change a cue may bring the next one."""
        return max(self.period_s * (1.0 - EARLY_FRACTION), MIN_GAP_S)

    def restart(self, time_s: float | None = None) -> None:
        """A change made by hand (or a new song) starts a new period at `time_s` (None: at
        the next frame)."""
        self._last_change_s = time_s
        self._previous_cue = None

    def due(self, time_s: float, cue: float) -> bool:
        """Whether the look changes at this frame (song time `time_s`, the cue now); a yes
        starts the next period."""
        rise = 0.0 if self._previous_cue is None else cue - self._previous_cue
        self._previous_cue = cue
        if self._last_change_s is None or time_s < self._last_change_s:  # started, sought back
            self._last_change_s = time_s
            return False
        if not self.enabled:
            return False
        elapsed = time_s - self._last_change_s
        if elapsed >= self.period_s - 1e-9 or (elapsed >= self.earliest_s and rise >= CUE_RISE):
            self._last_change_s = time_s
            return True
        return False

    def cue_at(self, features, time_s: float) -> float:
        """The cue of a song's `Features` at song time `time_s` (series cached per song), or
        of `LiveFeatures` now."""
        if not hasattr(features, "frame_index"):  # live: the newest pulses
            return float(np.mean(features.pulse(CUE_DECAY_S)))
        if self._series is None or self._series[0] is not features:
            self._series = (features, cue_series(features))
        return float(self._series[1][features.frame_index(time_s)])
