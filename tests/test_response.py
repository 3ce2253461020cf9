"""The whole chain answers a sound at once: a tone burst, encoded by the shipped model, moves
a pulse-mapped parameter and the picture within 100 ms.

The song is a quiet chord with a loud tone burst at 4 s. The learned features are the
shipped model's (no onset detector anywhere): the test maps the feature whose pulse jumps
at the burst onto the kaleidoscope's `flash` and renders the frames around it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from encoder.features import N_FEATURES
from encoder.inference import FeatureEncoder
from tests.conftest import chord
from tests.conftest_gl import gl_context, released  # noqa: F401
from visualizer.animations import animation_class
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer

RATE = 22050
BURST_S = 4.0
FPS = 60
WITHIN_S = 0.1  # the picture must have answered this long after the burst starts
# Frame i's analysis window is centred on i/60 s and reaches 46 ms ahead (2048 samples), so
# a burst shows up to that much early: "before" ends there.
AHEAD_S = 0.05


def burst_song(seconds: float = 6.0) -> np.ndarray:
    """A quiet C major chord, with a 300 ms burst of a loud A5 tone (and two harmonics)."""
    t = np.arange(int(seconds * RATE)) / RATE
    song = chord(seconds, RATE, amplitude=0.1)
    inside = (t >= BURST_S) & (t < BURST_S + 0.3)
    tone = sum(np.sin(2 * np.pi * 880.0 * k * t) / k for k in (1, 2, 3))
    song[inside] += 0.5 * tone[inside] * np.minimum((t[inside] - BURST_S) / 0.005, 1.0)
    return song.astype(np.float32)


@pytest.fixture(scope="module")
def burst_features():
    """The burst song through the shipped model (encoded once for this module)."""
    encoder = FeatureEncoder(device="cpu")
    from encoder.audio import Song

    return encoder.encode_song(Song(path=Path("burst.wav"), samples=burst_song(), sample_rate=RATE,
                                    title="burst"))


def test_some_learned_feature_pulses_at_a_tone_burst(burst_features):
    features = burst_features
    pulses = features.pulses(0.15)
    onset = int(BURST_S * FPS)
    within = onset + int(WITHIN_S * FPS)
    # a full-strength pulse within 100 ms of the burst, where it was quiet just before
    assert pulses[onset:within + 1].max() > 0.9
    best = int(np.argmax(pulses[onset:within + 1].max(axis=0)))
    assert pulses[onset - 30:onset - 3, best].max() < 0.3, pulses[onset - 30:onset - 3, best]


def test_a_pulse_mapped_parameter_changes_the_picture_within_100_ms(released, gl_context,
                                                                   burst_features):
    features = burst_features
    onset = int(BURST_S * FPS)
    within = onset + int(WITHIN_S * FPS)
    feature = int(np.argmax(features.pulses(0.15)[onset:within + 1].max(axis=0)))
    names = [p.name for p in animation_class("kaleidoscope").parameters()]
    slot = names.index("flash")
    order = [f for f in range(N_FEATURES) if f != feature]
    order.insert(slot, feature)  # `flash` reads the feature that pulses; the rest in order
    renderer = released(Renderer(gl_context, (192, 108), "kaleidoscope",
                                 Mapping(tuple(order[:N_FEATURES])), seed=0))
    renderer.set_features(features)

    def frame(time_s: float) -> np.ndarray:
        renderer.render(time_s)
        return renderer.read_rgb().copy()

    times = [BURST_S - 0.3 + step / FPS for step in range(int((0.3 + WITHIN_S) * FPS) + 1)]
    frames, flash = {}, {}
    for t in times:
        frames[round(t, 4)] = frame(t)
        flash[round(t, 4)] = renderer.values["flash"]
    keys = sorted(frames)
    # the picture's brightness: drifting slowly as the cubes turn while the chord holds, then
    # the flash
    before = [frames[t].mean() for t in keys if t < BURST_S - AHEAD_S]
    after = [frames[t].mean() for t in keys if t >= BURST_S - AHEAD_S]
    peak = animation_class("kaleidoscope").parameters()[slot].max
    assert max(flash[t] for t in keys if t >= BURST_S - AHEAD_S) > 0.5 * peak  # the flash fired...
    assert max(flash[t] for t in keys if t < BURST_S - AHEAD_S) < 0.2 * peak   # ...at the burst only
    jump = max(after) - max(before)
    drift = np.abs(np.diff(before)).max()  # the largest change from one frame to the next
    assert jump > 10.0 and jump > 5.0 * drift, (before, after)
