"""Parameters, mappings and presets: the rules that turn features into shader uniforms."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from encoder.errors import DavisError
from encoder.features import BLUR_LEVELS, Features
from visualizer.mapping import LiveParameterTrack, Mapping, ParameterTrack, held_frames
from visualizer.parameters import Parameter
from visualizer.presets import PresetError, find_preset, list_presets, parse_preset, save_new_preset

SIDES = Parameter("sides", avg=12, min=0, max=24, step=-1, blur=1, fps=-1)


def constant_features(values: list[float], frames: int = 600) -> Features:
    row = np.array(values, dtype=np.float32)
    return Features({level: np.tile(row, (frames, 1)) for level in BLUR_LEVELS})


def ramp_features(frames: int = 600) -> Features:
    """Every feature rises linearly from 0 to 1 over the song."""
    ramp = np.linspace(0, 1, frames, dtype=np.float32)[:, None].repeat(10, axis=1)
    return Features({level: ramp for level in BLUR_LEVELS})


@pytest.mark.parametrize("feature, expected", [(0.0, 0.0), (0.25, 6.0), (0.5, 12.0), (0.75, 18.0), (1.0, 24.0)])
def test_feature_maps_piecewise_linearly_through_avg(feature, expected):
    assert SIDES.value(feature) == pytest.approx(expected)


def test_step_rounds_values():
    hue = Parameter("hue", avg=180, min=0, max=360, step=1)
    assert hue.value(0.3337) == round(2 * 0.3337 * 180)
    assert float(hue.value(0.3337)).is_integer()


def test_track_matches_the_scalar_rule_for_every_parameter():
    parameters = (SIDES, Parameter("hue", 180, 0, 360, step=1, blur=10),
                  Parameter("size", 4.5, 3.5, 13, blur=50))
    features = ramp_features()
    mapping = Mapping((3, 7, 1, 0, 2, 4, 5, 6, 8, 9))
    track = ParameterTrack(parameters, mapping, features)
    for time_s in (0.0, 1.3, 4.99, 9.99):
        values = track.values_at(time_s)
        frame = features.frame_index(time_s)
        for slot, parameter in enumerate(parameters):
            x = float(features.blur(parameter.blur)[frame, mapping.permutation[slot]])
            assert values[parameter.name] == pytest.approx(parameter.value(x), abs=1e-9)


def step_features(frames: int = 600, at: int = 300) -> Features:
    """Every feature sits at 0.2 and jumps to 0.9 at frame `at` (a sharp rise)."""
    values = np.full((frames, 10), 0.2, dtype=np.float32)
    values[at:] = 0.9
    return Features({level: values for level in BLUR_LEVELS})


def test_pulse_parameter_jumps_on_a_rise_and_decays_at_its_rate():
    flash = Parameter("flash", avg=0.5, min=0.0, max=1.0, pulse=0.25)
    steady = Parameter("level", avg=0.5, min=0.0, max=1.0)
    track = ParameterTrack((flash, steady), Mapping(tuple(range(10))), step_features())
    assert track.values_at(4.9)["flash"] == 0.0  # resting value before the rise
    assert track.values_at(5.0)["flash"] == pytest.approx(1.0)  # the same frame as the rise
    assert track.values_at(5.25)["flash"] == pytest.approx(np.exp(-1.0), rel=0.1)
    assert track.values_at(8.0)["flash"] < 0.01
    # The blur-reading parameter simply follows its feature.
    assert track.values_at(4.9)["level"] == pytest.approx(0.2 * 2 * 0.5)
    assert track.values_at(8.0)["level"] == pytest.approx(0.5 + 2 * 0.4 * 0.5)


def test_pulse_parameters_show_their_source():
    assert Parameter("a", 1, 0, 2, pulse=0.3).source == "pulse 0.3 s"
    assert Parameter("a", 1, 0, 2, blur=50).source == "blur 50"


@pytest.mark.parametrize("entry, message", [
    ('pulse = 0.0', "pulse must be -1"),
    ('pulse = "fast"', "pulse must be a number"),
    ('blur = 7', "blur 7 is not one of"),
    ('speed = 2', "bad parameter file"),
])
def test_bad_parameter_tables_give_one_clear_error(tmp_path, entry, message):
    from visualizer.parameters import load_parameters

    path = tmp_path / "parameters.toml"
    path.write_text(f'[[parameter]]\nname = "size"\navg = 1.0\nmin = 0.0\nmax = 2.0\n{entry}\n')
    with pytest.raises(DavisError, match=message):
        load_parameters(path)


def test_presets_written_before_pulses_still_load(tmp_path):
    old = ('{"name": "old", "animation": "kaleidoscope", "mapping": {"sides": 4}, '
           '"overrides": {"sides": {"min": 6, "avg": 8, "max": 10, "step": 2, "blur": 100}}, '
           '"created": "2026-11-20T10:00:00", "davis_version": "0.1.0"}')
    animation, mapping, parameters = parse_preset(old, tmp_path / "old.json").resolve()
    sides = next(p for p in parameters if p.name == "sides")
    assert (sides.min, sides.blur, sides.pulse) == (6, 100, -1)
    assert mapping.assignment(parameters)["sides"] == 4


def test_rate_limit_holds_values_deterministically():
    slow = Parameter("sides", 12, 0, 24, fps=0.5)  # at most one change every 2 s
    track = ParameterTrack((slow,), Mapping(tuple(range(10))), ramp_features())
    held = [track.values_at(t)["sides"] for t in np.arange(0.0, 1.99, 0.1)]
    assert len(set(held)) == 1
    assert track.values_at(1.5) == track.values_at(1.5)
    # a ramp never changes suddenly: the step waits min(2 s, its interval) past its due time
    assert track.values_at(3.9)["sides"] == held[0]
    assert track.values_at(4.0)["sides"] > held[0]


def test_rate_limited_step_lands_on_a_sudden_change():
    slow = Parameter("sides", 12, 0, 24, fps=0.5)
    track = ParameterTrack((slow,), Mapping(tuple(range(10))), step_features(at=150))
    before, at_jump = track.values_at(149 / 60)["sides"], track.values_at(150 / 60)["sides"]
    assert track.values_at(2.0)["sides"] == before  # due at 2 s, but nothing happened yet
    assert at_jump > before + 10  # the step is the jump's own frame, showing the new value
    assert track.values_at(4.0)["sides"] == at_jump  # and it holds for a whole interval


def test_held_frames_are_causal_and_bounded():
    rng = np.random.default_rng(3)
    events = rng.random(3000) < 0.02
    shown = held_frames(events, interval=60, max_wait=120)
    steps = np.flatnonzero(np.diff(shown)) + 1
    assert shown[0] == 0 and np.all(shown <= np.arange(3000))
    gaps = np.diff(np.concatenate([[0], steps]))
    assert gaps.min() >= 60 and gaps.max() <= 120  # one interval, plus at most one more
    assert np.all(events[steps] | (gaps == 120))   # each step is an event, or the wait ran out
    assert np.array_equal(held_frames(events[:1700], 60, 120), shown[:1700])  # no look-ahead


class FakeLive:
    """The reading side of `LiveFeatures`: newest blur values and pulses."""

    def __init__(self) -> None:
        self.value, self.jump = 0.2, 0.0

    def blur(self, level: int) -> np.ndarray:
        return np.full(10, self.value)

    def pulse(self, decay_s: float) -> np.ndarray:
        return np.full(10, self.jump)


def test_live_rate_limit_waits_for_a_sudden_change():
    live = FakeLive()
    track = LiveParameterTrack((Parameter("sides", 12, 0, 24, fps=0.5),), Mapping(tuple(range(10))),
                               live)
    assert track.values_at(0.0)["sides"] == pytest.approx(0.2 * 24)
    live.value = 0.8
    assert track.values_at(2.5)["sides"] == pytest.approx(0.2 * 24)  # due, but no change yet
    live.jump = 1.0  # the feature's pulse: a sudden change now
    assert track.values_at(2.6)["sides"] == pytest.approx(12 + 0.3 * 2 * 12)
    live.value = 0.5
    assert track.values_at(4.0)["sides"] == pytest.approx(12 + 0.3 * 2 * 12)  # not due yet
    live.jump = 0.0
    assert track.values_at(6.5)["sides"] == pytest.approx(12 + 0.3 * 2 * 12)  # due, no event
    assert track.values_at(6.6)["sides"] == pytest.approx(12)  # the wait ran out


def test_same_seed_gives_same_mappings_and_different_seeds_differ():
    first = [Mapping.random(random.Random(7)) for _ in range(3)]
    again = [Mapping.random(random.Random(7)) for _ in range(3)]
    assert first == again
    shuffles = {Mapping.random(random.Random(seed)).permutation for seed in range(20)}
    assert len(shuffles) > 15


def test_mapping_round_trips_through_assignment():
    parameters = (SIDES, Parameter("amount", 0.1, 0, 1))
    mapping = Mapping((4, 9, 0, 1, 2, 3, 5, 6, 7, 8))
    assignment = mapping.assignment(parameters)
    assert assignment == {"sides": 4, "amount": 9}
    rebuilt = Mapping.from_assignment(parameters, assignment, "test")
    assert rebuilt.assignment(parameters) == assignment


@pytest.mark.parametrize("assignment, message", [
    ({"nope": 1}, "unknown parameter"),
    ({"sides": 10}, "feature numbers"),
    ({"sides": 1, "amount": 1}, "same feature"),
])
def test_bad_mapping_in_a_preset_is_explained(assignment, message):
    with pytest.raises(DavisError, match=message):
        Mapping.from_assignment((SIDES, Parameter("amount", 0.1, 0, 1)), assignment, "p.json")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DAVIS_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_saved_preset_loads_back_identical_and_never_overwrites(data_dir):
    mapping = {"rotationX": 3, "rotationY": 1, "amount": 0, "sides": 9, "angleRGB": 5,
               "zoom": 2, "flash": 4, "twist": 6}
    first = save_new_preset("kaleidoscope", mapping)
    second = save_new_preset("kaleidoscope", mapping)
    assert first.name != second.name and first.path.exists() and second.path.exists()
    loaded = find_preset(first.name)
    animation, rebuilt, _ = loaded.resolve()
    assert animation == "kaleidoscope"
    assert rebuilt.assignment(loaded.resolve()[2]) == mapping
    assert json.loads(first.path.read_text())["davis_version"]


def test_shipped_presets_are_valid_and_listed_first(data_dir):
    save_new_preset("kaleidoscope", {"sides": 1})
    presets = list_presets()
    shipped = [p for p in presets if p.shipped]
    assert len(shipped) >= 3 and presets[:len(shipped)] == shipped
    for preset in shipped:
        preset.resolve()


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('["a list"]', "JSON object"),
    ('{"mapping": {}}', "missing animation"),
    ('{"animation": "nope", "mapping": {}}', "unknown animation"),
    ('{"animation": "kaleidoscope", "mapping": {"colour": 1}}', "unknown parameter"),
    ('{"animation": "kaleidoscope", "mapping": {}, "overrides": {"sides": {"min": "x"}}}', "numbers"),
    ('{"animation": "kaleidoscope", "mapping": {}, "overrides": {"sides": {"blur": 7}}}', "blur 7"),
    ('{"animation": "kaleidoscope", "mapping": {}, "overrides": {"sides": {"pulse": 0}}}', "pulse must be"),
    ('{"animation": "kaleidoscope", "mapping": {}, "overrides": {"sides": {"pulse": 60}}}', "0.01–10 seconds"),
    ('{"animation": "kaleidoscope", "mapping": {}, "overrides": {"sides": {"pulse": "x"}}}', "numbers"),
])
def test_bad_presets_give_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(DavisError, match=message):
        parse_preset(text, path).resolve()


def test_unknown_preset_name_is_explained(data_dir):
    with pytest.raises(PresetError, match="no preset named 'missing'"):
        find_preset("missing")
