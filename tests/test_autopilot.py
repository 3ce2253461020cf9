"""The autopilot (`--cycle`): a new look every period of song time, or early on a strong rise
of the features near the end of a period; the same rule in a render (frame-exact, the same
bytes twice) and in the player (the C key); `--cycle-presets` and `--favourites` choose where
it goes, weighted by rating."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS, N_FEATURES, Features
from tests.conftest_gl import difference, gl_context  # noqa: F401
from visualizer.frontend import FrontEnd
from visualizer.autopilot import CUE_RISE, Autopilot, AutopilotSettings, cues_at
from visualizer.looks import Look, LookChooser, look_schedule

FPS = 10


def stepping_features(seconds: float, steps_s=(), fps: int = 60, seed: int = 0) -> Features:
    """Features that wander a little and jump all together at each of `steps_s` (a strong
    event in the music: every learned feature moves at once)."""
    frames = int(seconds * fps)
    rng = np.random.default_rng(seed)
    table = 0.5 + np.cumsum(rng.normal(0, 0.002, (frames, N_FEATURES)), axis=0)
    for k, step_s in enumerate(steps_s):
        table[int(step_s * fps):] += 0.3 if k % 2 == 0 else -0.3
    table = np.clip(table, 0, 1).astype(np.float32)
    return Features({level: table for level in BLUR_LEVELS}, fps=fps)


def changes(autopilot: Autopilot, times_s, cues) -> list[float]:
    return [round(t, 6) for t, cue in zip(times_s, cues) if autopilot.due(t, cue)]


# --- the rule ----------------------------------------------------------------------------------

def test_without_cues_the_look_changes_once_a_period():
    times = np.arange(0, 10, 0.1)
    assert changes(Autopilot(2.5), times, np.zeros_like(times)) == [2.5, 5.0, 7.5]


def test_a_strong_rise_near_the_end_of_a_period_changes_early():
    times = np.round(np.arange(0, 12, 0.1), 6)
    cues = np.zeros_like(times)
    for t in (1.0, 3.3, 9.0, 10.6):  # too early, in the last quarter, too early, last quarter
        cues[np.searchsorted(times, t)] = 1.0
    assert changes(Autopilot(4.0), times, cues) == [3.3, 7.3, 10.6]


def test_a_small_rise_or_a_steady_high_cue_changes_nothing_early():
    times = np.round(np.arange(0, 8, 0.1), 6)
    small = np.where(times >= 3.5, CUE_RISE * 0.8, 0.0)
    assert changes(Autopilot(4.0), times, small) == [4.0]
    steady = np.ones_like(times)
    assert changes(Autopilot(4.0), times, steady) == [4.0]


def test_changes_keep_a_minimum_gap_and_restart_after_a_manual_change():
    from visualizer.autopilot import MIN_GAP_S

    times = np.round(np.arange(0, 3, 0.05), 6)
    cues = (np.arange(len(times)) % 2).astype(float)  # a rise at every other frame
    made = changes(Autopilot(1.0), times, cues)
    assert np.all(np.diff(made) >= MIN_GAP_S - 1e-9) and made[0] >= MIN_GAP_S - 1e-9

    autopilot = Autopilot(2.0)
    assert not autopilot.due(0.0, 0.0)
    autopilot.restart()  # the user changed the look at 1.5 s
    assert not autopilot.due(1.5, 0.0) and not autopilot.due(3.0, 0.0)
    assert autopilot.due(3.5, 0.0)
    assert not autopilot.due(1.0, 0.0), "seeking back starts a new period"
    assert autopilot.due(3.0, 0.0)


def test_switched_off_it_never_changes_the_look():
    autopilot = AutopilotSettings(None).autopilot()
    assert not autopilot.enabled
    assert not any(autopilot.due(t, 1.0) for t in np.arange(0, 60, 0.5))


def test_the_cue_rises_at_a_strong_event_in_the_features():
    features = stepping_features(6.0, steps_s=(2.0, 4.0))
    cues = cues_at(features, np.arange(0, 6, 1 / 60))
    rises = np.diff(cues, prepend=cues[0])
    assert set(np.flatnonzero(rises >= CUE_RISE)) == {120, 240}


# --- where the changes go ----------------------------------------------------------------------

def presets_rated(*ratings):
    from dataclasses import replace

    from visualizer.presets import find_preset

    base = find_preset("kaleidoscope-calm")
    return [replace(base, name=f"look-{k}", favourite=True, rating=rating)
            for k, rating in enumerate(ratings)]


def test_favourites_are_drawn_by_rating_and_never_twice_running():
    chooser = LookChooser(random.Random(1), presets_rated(5, 1, 3))
    counts = {}
    for _ in range(3000):
        look = chooser.next_look("kaleidoscope", "look-2")
        counts[look.preset.name] = counts.get(look.preset.name, 0) + 1
    assert "look-2" not in counts  # never the one showing
    # five stars against one: about five times as often
    assert 4.0 < counts["look-0"] / counts["look-1"] < 6.2


def test_cycle_presets_go_through_them_in_turn():
    chooser = LookChooser(random.Random(1), presets_rated(1, 2, 3), in_order=True)
    assert chooser.first_look().preset.name == "look-0"
    names, showing = [], "look-0"
    for _ in range(4):
        showing = chooser.next_look("kaleidoscope", showing).preset.name
        names.append(showing)
    assert names == ["look-1", "look-2", "look-0", "look-1"]


def test_a_render_schedule_changes_at_the_autopilots_times():
    features = stepping_features(8.0, steps_s=(3.4, 5.0))  # 3.4: early in period 2 (earliest 3 s)
    times = np.arange(80) / FPS
    cues = cues_at(features, times)
    schedule = look_schedule(Look("kaleidoscope"), 80, FPS, seed=2, cycle_s=4.0, cues=cues)
    assert [segment.first_frame for segment in schedule] == [0, 34, 74]
    assert schedule == look_schedule(Look("kaleidoscope"), 80, FPS, 2, 4.0, cues=cues)
    assert len({segment.animation for segment in schedule}) == 3


# --- in a rendered video -----------------------------------------------------------------------

def test_cycle_cuts_on_the_music_in_a_render_frame_exactly_and_the_same_twice(
        songs, tmp_path, gl_context):  # noqa: F811
    from visualizer.transitions import TransitionSettings
    from visualizer.video import render_video

    song = songs.chord("chord.wav", seconds=6.0)
    features = stepping_features(6.0, steps_s=(2.6,))  # a strong event at 2.6 s
    digests, pictures = [], []
    for name in ("a", "b"):
        kept: list[np.ndarray] = []
        output = tmp_path / f"{name}.mp4"
        result = render_video(gl_context, features, song, Look("kaleidoscope"), output,
                              size=(96, 54), fps=FPS, seed=3, duration_s=6.0, cycle_s=3.0,
                              transition=TransitionSettings(0.0),
                              frame_hook=lambda frame: kept.append(
                                  np.frombuffer(frame, np.uint8).astype(np.int16)))
        digests.append(hashlib.sha256(output.read_bytes()).digest())
        pictures.append(kept)
    assert digests[0] == digests[1]
    assert len(result.animations) == 3  # early at 2.6 s (in the last quarter), then 5.6 s
    steps = [difference(a, b) for a, b in zip(pictures[0], pictures[0][1:])]
    cuts = sorted(np.argsort(steps)[-2:] + 1)
    assert cuts == [26, 56], steps


def test_render_cycle_presets_and_favourites_from_the_command_line(cli, songs, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("DAVIS_DATA_DIR", str(tmp_path / "data"))
    song = songs.sweep("sweep.wav", seconds=2.0)
    common = ("--size", "64x36", "--fps", "10", "--seed", "1")
    result = cli("render", song, "-o", tmp_path / "f.mp4", *common, "--favourites")
    assert result.exit_code == 2
    assert "no favourite presets yet: press V in davis play to mark one" in result.output

    from visualizer.presets import find_preset, update_preset

    update_preset(find_preset("kaleidoscope-pulse"), favourite=True, rating=4)
    outputs = {}
    for name, args in {"favourites": ("--favourites",),
                       "preset": ("--preset", "kaleidoscope-pulse")}.items():
        outputs[name] = tmp_path / f"{name}.mp4"
        result = cli("render", song, "-o", outputs[name], *common, *args)
        assert result.exit_code == 0, result.output
    assert outputs["favourites"].read_bytes() == outputs["preset"].read_bytes()

    result = cli("render", song, "-o", tmp_path / "c.mp4", *common, "--cycle-presets",
                 "--cycle", "0.5", "--transition", "0")
    assert result.exit_code == 0, result.output


# --- in the player -----------------------------------------------------------------------------

class CountingFrontEnd(FrontEnd):
    """A front end for `Session` that presses `keys` at frame 1 and stops after `frames`."""

    own_actions = frozenset()

    def __init__(self, ctx, frames: int, keys=()) -> None:
        self.ctx, self.fps_limit, self.frames, self.keys = ctx, 60, frames, list(keys)
        self.snapshots = []

    def size(self):
        return (64, 36)

    def poll(self, timeout_s):
        if len(self.snapshots) >= self.frames:
            return ["quit"]
        return self.keys if len(self.snapshots) == 1 else []

    def present(self, renderer, snapshot):
        self.snapshots.append(snapshot)

    def perform(self, action):
        return ""

    def close(self):
        pass


@pytest.fixture
def silent(monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")


def test_the_c_key_turns_the_autopilot_on_and_it_changes_the_look(gl_context, silent):  # noqa: F811
    from visualizer.session import PlayOptions, Session

    songs = {Path("song.wav"): stepping_features(30.0)}
    frontend = CountingFrontEnd(gl_context, frames=90, keys=["autopilot"])
    options = PlayOptions(seed=1, autopilot=AutopilotSettings(None))  # off, C turns it on
    with Session(frontend, songs, Look("tunnel"), options) as session:
        session.player.autopilot.period_s = 0.5
        session.run()
    messages = [m.text for s in frontend.snapshots for m in s.messages]
    assert any(text.startswith("Autopilot on: a new look every 0.5 s") for text in messages)
    assert any(text.startswith("Autopilot: ") for text in messages)
    assert len({s.animation for s in frontend.snapshots}) >= 2
