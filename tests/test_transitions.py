"""Soft changes of look: during a blend the frame lies between the old look and the new one
and moves from one to the other; afterwards only the new animation holds GL objects; mapping
reshuffles glide; `davis render` blends frame-exactly and gives the same bytes twice."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from encoder.features import N_FEATURES
from tests.conftest_gl import constant_features, difference, gl_context, released  # noqa: F401
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer
from visualizer.transitions import TransitionSettings, ease, transition_styles

SIZE = (192, 108)
IDENTITY = Mapping(tuple(range(N_FEATURES)))
STEP_S = 0.1
BLEND_S = 1.0


def moving_features(frames: int = 600):
    """Features that sweep slowly, so parameters (and pictures) change with song time."""
    from encoder.features import BLUR_LEVELS, Features

    t = np.arange(frames)[:, None] / 60.0
    table = (0.5 + 0.45 * np.sin(0.7 * t + np.arange(N_FEATURES))).astype(np.float32)
    return Features(levels={level: table.copy() for level in BLUR_LEVELS})


def share_towards(frame: np.ndarray, old: np.ndarray, new: np.ndarray) -> float:
    """How far `frame` has gone from `old` towards `new`: the least-squares w of
    frame ~ old + w (new - old), over all pixels (0: the old look, 1: the new one)."""
    a, b, f = (x.astype(np.float64) for x in (old, new, frame))
    return float(np.sum((f - a) * (b - a)) / max(np.sum((b - a) ** 2), 1e-9))


def test_there_are_at_least_five_styles():
    assert {"crossfade", "wipe", "radial", "dissolve", "zoom"} <= set(transition_styles())


@pytest.mark.parametrize("style", transition_styles())
def test_a_blend_moves_from_the_old_look_to_the_new(style, gl_context, released):  # noqa: F811
    features = moving_features()
    blended = released(Renderer(gl_context, SIZE, "kaleidoscope", IDENTITY, seed=1,
                                transition=TransitionSettings(BLEND_S, style)))
    old_alone = released(Renderer(gl_context, SIZE, "kaleidoscope", IDENTITY, seed=1))
    new_alone = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY, seed=1))
    for renderer in (blended, old_alone, new_alone):
        renderer.set_features(features)
    for step in range(5):  # the old look runs a while first
        blended.render(step * STEP_S)
        old_alone.render(step * STEP_S)
    blended.set_animation("tunnel")
    shares, apart = [], []
    for step in range(5, 5 + int(BLEND_S / STEP_S) + 2):
        time_s = step * STEP_S
        for renderer in (blended, old_alone, new_alone):
            renderer.render(time_s)
        frame, old, new = blended.read_rgb(), old_alone.read_rgb(), new_alone.read_rgb()
        shares.append(share_towards(frame, old, new))
        apart.append(min(difference(frame, old), difference(frame, new)))
    # both looks were animating throughout: the last frame is exactly the new look alone
    assert np.array_equal(blended.read_rgb(), new_alone.read_rgb())
    assert shares[0] < 0.15 and shares[-1] > 0.99, shares
    assert all(later >= earlier - 0.03 for earlier, later in zip(shares, shares[1:])), shares
    middle = len(shares) // 2
    assert 0.1 < shares[middle] < 0.95, shares  # the zoom smears the old look: it leaves it fast
    assert apart[middle] > 2.0, apart  # halfway, the frame is neither look alone


def test_in_the_player_the_old_look_still_moves_though_redrawn_less_often(
        gl_context, released):  # noqa: F811
    from visualizer.transitions import PLAYER_OUTGOING_EVERY

    features = moving_features()
    economy = released(Renderer(gl_context, SIZE, "kaleidoscope", IDENTITY, seed=1,
                                transition=TransitionSettings(BLEND_S, "crossfade"),
                                outgoing_every=PLAYER_OUTGOING_EVERY))
    economy.set_features(features)
    economy.render(0.0)
    economy.set_animation("tunnel")
    outgoing = economy.blend.outgoing
    seen = []
    for step in range(1, 3 * PLAYER_OUTGOING_EVERY + 1):
        economy.render(step * STEP_S)
        seen.append(outgoing.last_time_s)
    # redrawn on every PLAYER_OUTGOING_EVERY-th frame from the first (reused between), and at
    # the song time of the frame that redraws it
    redrawn = [STEP_S * (1 + PLAYER_OUTGOING_EVERY * (i // PLAYER_OUTGOING_EVERY))
               for i in range(len(seen))]
    assert seen == pytest.approx(redrawn)
    assert len(set(seen)) == 3  # it moves
    assert economy.animations_alive == 2


def test_after_the_blend_only_the_new_animation_holds_gl_objects(gl_context, released):  # noqa: F811
    renderer = released(Renderer(gl_context, SIZE, "particles", IDENTITY,
                                 transition=TransitionSettings(0.5, "crossfade")))
    renderer.set_features(constant_features())
    renderer.render(0.0)
    old = renderer.animation
    renderer.set_animation("lights")
    renderer.render(0.1)
    assert renderer.animations_alive == 2 and old.live_objects > 0
    for step in range(2, 8):
        renderer.render(step * STEP_S)
    assert renderer.animations_alive == 1 and old.live_objects == 0
    assert renderer.animation.live_objects > 0


def test_a_new_song_blends_in_while_the_old_song_goes_on(gl_context, released):  # noqa: F811
    first_song, second_song = moving_features(), constant_features()
    blended = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY, seed=2,
                                transition=TransitionSettings(BLEND_S, "crossfade")))
    old_song = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY, seed=2))
    new_song = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY, seed=2))
    blended.set_features(first_song)
    old_song.set_features(first_song)
    new_song.set_features(second_song)
    for step in range(30):  # 3 s into the first song
        blended.render(step * STEP_S)
        old_song.render(step * STEP_S)
    old = blended.animation
    blended.set_features(second_song)  # the next song starts at 0 s
    assert blended.animations_alive == 2 and old.live_objects > 0
    shares = []
    for step in range(int(BLEND_S / STEP_S) + 2):
        blended.render(step * STEP_S)
        old_song.render(2.9 + step * STEP_S)  # the old song's picture keeps its own clock
        new_song.render(step * STEP_S)
        shares.append(share_towards(blended.read_rgb(), old_song.read_rgb(), new_song.read_rgb()))
    assert shares[0] < 0.05 and 0.2 < shares[len(shares) // 2] < 0.8, shares
    assert np.array_equal(blended.read_rgb(), new_song.read_rgb())
    assert blended.animations_alive == 1 and old.live_objects == 0


def test_a_new_change_during_a_blend_ends_it(gl_context, released):  # noqa: F811
    renderer = released(Renderer(gl_context, SIZE, "field", IDENTITY,
                                 transition=TransitionSettings(2.0)))
    renderer.set_features(constant_features())
    renderer.render(0.0)
    first = renderer.animation
    renderer.set_animation("lights")
    renderer.render(0.1)
    second = renderer.animation
    renderer.set_animation("tunnel")
    renderer.render(0.2)
    assert first.live_objects == 0 and second.live_objects > 0 and renderer.animations_alive == 2


def test_no_transition_is_a_hard_cut(gl_context, released):  # noqa: F811
    renderer = released(Renderer(gl_context, SIZE, "kaleidoscope", IDENTITY))
    renderer.set_features(constant_features())
    renderer.render(0.0)
    old = renderer.animation
    renderer.set_animation("tunnel")
    assert old.live_objects == 0 and renderer.animations_alive == 1


def test_a_reshuffled_mapping_glides_to_its_new_values(gl_context, released):  # noqa: F811
    features = moving_features()
    other = Mapping(tuple(reversed(range(N_FEATURES))))
    gliding = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY,
                                transition=TransitionSettings(BLEND_S)))
    before = released(Renderer(gl_context, SIZE, "tunnel", IDENTITY))
    after = released(Renderer(gl_context, SIZE, "tunnel", other))
    for renderer in (gliding, before, after):
        renderer.set_features(features)
    gliding.render(0.0)
    gliding.set_mapping(other)
    start_s = 0.5
    for time_s in (start_s, start_s + 0.3, start_s + 0.6, start_s + 1.2):
        for renderer in (gliding, before, after):
            renderer.render(time_s)
        weight = ease((time_s - start_s) / BLEND_S)
        for name, value in gliding.values.items():
            expected = before.values[name] + weight * (after.values[name] - before.values[name])
            assert value == pytest.approx(expected, abs=1e-5), (name, time_s)
    assert gliding.values == after.values  # the glide is over


def test_render_blends_frame_exactly_and_gives_the_same_bytes_twice(cli, songs, tmp_path, gl_context):  # noqa: F811
    from encoder.batch import FeatureSource
    from visualizer.looks import Look
    from visualizer.video import render_video

    song = songs.sweep("sweep.wav", seconds=3.0)
    files = []
    for name in ("a", "b"):
        output = tmp_path / f"{name}.mp4"
        result = cli("render", song, "-o", output, "--size", "160x90", "--fps", "10",
                     "--duration", "3", "--cycle", "1", "--seed", "4", "--transition", "1",
                     "--transition-style", "wipe")
        assert result.exit_code == 0, result.output
        files.append(hashlib.sha256(output.read_bytes()).digest())
    assert files[0] == files[1]

    # the frames themselves (before the video encoder): a blend against a hard cut
    features = FeatureSource().get(song).features
    frames = {}
    for seconds in (1.0, 0.0):
        kept: list[np.ndarray] = []
        render_video(gl_context, features, song, Look("kaleidoscope"), tmp_path / f"{seconds}.mp4",
                     size=(160, 90), fps=10, seed=4, duration_s=3.0, cycle_s=1.0,
                     transition=TransitionSettings(seconds, "wipe"),
                     frame_hook=lambda frame: kept.append(np.frombuffer(frame, np.uint8).copy()))
        frames[seconds] = kept
    blended, hard = frames[1.0], frames[0.0]
    assert len(blended) == len(hard) == 30
    assert all(np.array_equal(blended[i], hard[i]) for i in range(10))  # before the change at 1 s
    # at the change the hard cut shows the new look alone; the blend starts from the old one
    assert difference(blended[10], blended[9]) < 0.5 * difference(hard[10], hard[9])
    assert not np.array_equal(blended[15], hard[15])
    assert np.array_equal(blended[19], hard[19]) or difference(blended[19], hard[19]) < 3.0


def test_an_unknown_style_is_one_clear_error(cli, tmp_path):
    result = cli("render", "-o", tmp_path / "x.mp4", "--transition-style", "sparkle")
    assert result.exit_code == 2
    assert "no transition style 'sparkle'; there are crossfade" in result.output
    assert not (tmp_path / "x.mp4").exists()
