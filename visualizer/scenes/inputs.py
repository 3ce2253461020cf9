"""What a scene reads besides its parameters: the learned features and their pulses now,
and the samples behind Shadertoy's audio texture — from a song (at song time, frame-exact)
or from live input (the newest samples)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from encoder.features import N_FEATURES, Features
from visualizer.scenes.audio_texture import audio_rows, samples_needed

SCENE_SAMPLE_RATE = 22050   # iSampleRate: the rate davis decodes songs at for the model
SCENE_PULSE_S = 0.25        # decay of `davis_pulses`
RESTING_FEATURE = 0.5       # davis_features before any audio


@dataclass(frozen=True)
class SceneInputsNow:
    """One frame's inputs: (10,) features (blur 1) and pulses in [0, 1], and the (2, 512)
    uint8 audio texture (None when the scene does not read iChannel0)."""

    features: np.ndarray
    pulses: np.ndarray
    audio: np.ndarray | None
    sample_rate: int = SCENE_SAMPLE_RATE


class SongSamples:
    """A song's mono samples at `SCENE_SAMPLE_RATE`, decoded on first use (a scene that
    never reads the audio texture costs no decoding)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._samples: np.ndarray | None = None

    def ending_at(self, time_s: float, count: int) -> np.ndarray:
        """The `count` samples that end at song time `time_s` (silence outside the song)."""
        if self._samples is None:
            from encoder.audio import load_song
            from encoder.errors import DavisError

            try:
                self._samples = load_song(self.path, SCENE_SAMPLE_RATE).samples
            except DavisError:  # gone since it was encoded: the texture shows silence
                self._samples = np.zeros(0, np.float32)
        end = int(round(time_s * SCENE_SAMPLE_RATE))
        start = end - count
        out = np.zeros(count, dtype=np.float32)
        lo, hi = max(start, 0), min(end, len(self._samples))
        if hi > lo:
            out[lo - start:hi - start] = self._samples[lo:hi]
        return out


class LiveSamples:
    """The newest captured samples of a live source (`visualizer.live.source.LiveSource`),
    whatever the time asked for."""

    def __init__(self, source) -> None:
        self.source = source

    def ending_at(self, time_s: float, count: int) -> np.ndarray:
        return self.source.recent_samples(count)


class SceneInputs:
    """Computes `SceneInputsNow` for a song time from features (a song's `Features`, live
    `LiveFeatures`, or None) and samples (`SongSamples`, `LiveSamples`, or None: silence)."""

    def __init__(self, features, samples=None) -> None:
        self.features = features
        self.samples = samples

    def at(self, time_s: float, *, audio: bool) -> SceneInputsNow:
        features = self.features
        if features is None:
            now = np.full(N_FEATURES, RESTING_FEATURE, np.float32)
            pulses = np.zeros(N_FEATURES, np.float32)
        elif isinstance(features, Features):
            index = features.frame_index(time_s)  # the song's pulses are computed once
            now, pulses = features.blur(1)[index], features.pulses(SCENE_PULSE_S)[index]
        else:
            now, pulses = features.blur(1), features.pulse(SCENE_PULSE_S)
        rows = None
        if audio:
            count = samples_needed(SCENE_SAMPLE_RATE)
            samples = (self.samples.ending_at(time_s, count) if self.samples is not None
                       else np.zeros(count, np.float32))
            rows = audio_rows(samples, SCENE_SAMPLE_RATE)
        return SceneInputsNow(np.asarray(now, np.float32), np.asarray(pulses, np.float32), rows)
