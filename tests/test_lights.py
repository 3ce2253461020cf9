"""The lights animation: its strip physics (numpy) and its frames through the Renderer (EGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from encoder.features import N_FEATURES, Features
from tests.conftest_gl import (open_renderer, constant_features, difference, gl_context,  # noqa: F401
                               park_framebuffer, render_frames)
from visualizer.animations import animation_class, animation_names
from visualizer.animations import strip_physics as physics
from visualizer.animations.lights import N_PARTICLES, Lights
from visualizer.animations.scene import hsl as hsl_color
from visualizer.animations.strip_physics import (
    StripPhysics,
    link_pairs,
    point_force_step,
)
from visualizer.mapping import Mapping

SIZE = (320, 180)
IDENTITY = Mapping(tuple(range(N_FEATURES)))  # parameter slot i reads feature i
NAMES = ("particlesWeight", "edgesDistance", "hue", "saturation", "lightness", "opacity", "size",
         "burst", "flash", "spin")
PULSED = ("burst", "flash", "spin")
SLOT = {name: slot for slot, name in enumerate(NAMES)}
STEPS = 11  # song time 0 .. 1 s in steps of 0.1 s (the renderer's largest step: 6 ticks each)

# Mean absolute difference (0-255, over every channel of every pixel) that counts as "the
# picture changed". Identical inputs give exactly 0 (test_deterministic), so any threshold
# above zero separates. The strip covers about a fifth of the 320x180 frame; 0.5 over the
# whole frame is about 2.5 levels per channel over the lit part, a change one can see. The
# weakest parameter, saturation (43% -> 57%), measures about 1.4 and the others 3.8-15.
CHANGED = 0.5


def features(values: dict[int, float], frames: int = 200) -> Features:
    """Constant features: 0.5 everywhere except the given {feature: value}."""
    return constant_features(values, frames)


def render(ctx, feature_values: dict[int, float] | None = None, *, size=SIZE, seed: int = 0,
           steps: int = STEPS) -> np.ndarray:
    """A fresh renderer's frame after `steps` steps of 0.1 s with constant features."""
    return render_frames(ctx, "lights", features(feature_values or {}), size=size, seed=seed,
                         steps=steps)


# --- physics -------------------------------------------------------------------------------


def test_link_sets_cover_every_link_once_without_sharing_a_particle():
    strip = StripPhysics(40, seed=0)
    index = np.arange(40 * 3, dtype=np.float64).reshape(40, 3)
    strip.positions[...] = index  # the views then hold particle numbers * 3
    seen = []
    for a, b in strip.link_sets:
        first = (a[..., 0] // 3).astype(int).ravel()
        second = (b[..., 0] // 3).astype(int).ravel()
        both = np.concatenate([first, second])
        assert len(set(both.tolist())) == len(both)  # no write conflicts within a set
        seen += list(zip(first.tolist(), second.tolist()))
    assert sorted(seen) == sorted(map(tuple, link_pairs(40).tolist()))
    assert len(seen) == 39 + 38


def test_relaxation_brings_links_within_range():
    rng = np.random.default_rng(3)
    strip = StripPhysics(400, seed=1)
    for distance in (0.2, 0.8, 1.0):
        strip.positions[...] = rng.uniform(-5, 5, (400, 3))  # links far too long (and some short)
        for _ in range(300):
            strip.relax(distance)
        lengths = strip.link_lengths()
        assert lengths.min() >= 0.5 * distance - 1e-3, (distance, lengths.min())
        assert lengths.max() <= 1.0 * distance + 1e-3, (distance, lengths.max())
    # links already within range (0.3 and 0.6 apart, limits 0.3 and 0.6) are left alone
    strip.positions[...] = np.arange(400)[:, None] * np.array([0.3, 0.0, 0.0])
    before = strip.positions.copy()
    strip.relax(0.6)
    assert np.allclose(strip.positions, before, rtol=0.0, atol=1e-12)


def test_one_relaxation_pass_moves_a_pair_symmetrically_to_the_limit():
    a = np.array([[0.0, 0.0, 0.0]])
    b = np.array([[3.0, 0.0, 0.0]])
    physics.relax_links(a, b, 0.5, 1.0)
    assert np.allclose(a, [[1.0, 0.0, 0.0]]) and np.allclose(b, [[2.0, 0.0, 0.0]])
    a = np.array([[0.0, 0.0, 0.0]])
    b = np.array([[0.0, 0.1, 0.0]])
    physics.relax_links(a, b, 0.5, 1.0)
    assert np.allclose(b - a, [[0.0, 0.5, 0.0]])


def test_friction_damps_velocity(monkeypatch):
    monkeypatch.setattr(physics, "point_force_step", lambda p, h, m, **kw: np.zeros_like(p))
    strip = StripPhysics(8, seed=0)
    # a strip of equilateral triangles: every link 0.8 long, within [0.5, 1.0]
    index = np.arange(8)
    strip.positions[...] = np.stack([0.4 * index, 0.4 * math.sqrt(3) * (index % 2), 0 * index], 1)
    strip.previous[...] = strip.positions - np.array([0.0, 0.0, 0.2])  # all moving along z
    strip.tick(mass=1.0, distance=1.0)
    velocity = strip.positions - strip.previous
    assert np.allclose(velocity, [0.0, 0.0, 0.2 * (1 - physics.FRICTION)])
    for _ in range(200):
        strip.tick(mass=1.0, distance=1.0)
    assert np.abs(strip.positions - strip.previous).max() < 0.2 * 0.95 ** 200 * 1.01


def test_point_force_attracts_outside_its_radius_and_repels_inside():
    points = np.array([[30.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, -15.0]])
    step = point_force_step(points, 0.5, mass=1.0)
    assert step[0, 0] < 0 and step[1, 1] > 0 and np.allclose(step[2], 0.0)
    # a = F / m: half the mass, twice the step (above the stability floor)
    assert np.allclose(point_force_step(points, 0.5, mass=0.5), 2 * step)
    # at the origin itself nothing is undefined
    assert np.all(np.isfinite(point_force_step(np.zeros((1, 3)), 0.5, 1.0)))


def test_the_strip_settles_on_the_force_shell():
    strip = StripPhysics(N_PARTICLES, seed=0)
    for _ in range(300):
        strip.tick(mass=0.6, distance=0.8)
    radius = np.linalg.norm(strip.positions, axis=1)
    assert abs(np.median(radius) - physics.FORCE_RADIUS) < 0.5
    lengths = strip.link_lengths()
    assert lengths.min() > 0.5 * 0.8 * 0.95 and lengths.max() < 0.8 * 1.05


@pytest.mark.parametrize("mass, distance", [(0.001, 0.2), (0.001, 1.0), (2.0, 0.2), (0.001, None)])
def test_no_nan_after_1000_ticks_with_extreme_parameters(mass, distance):
    strip = StripPhysics(N_PARTICLES, seed=5)
    for tick in range(1000):
        # None: the link length jumps between its extremes every few ticks
        strip.tick(mass, distance if distance is not None else (0.2, 1.0)[(tick // 7) % 2])
    assert np.all(np.isfinite(strip.positions)) and np.all(np.isfinite(strip.previous))
    assert np.abs(strip.positions).max() < 1000


def test_advance_runs_fixed_ticks_and_caps_them():
    strip = StripPhysics(8, seed=0, max_ticks=6)
    assert strip.advance(0.0, 0.6, 0.8) == 0
    assert sum(strip.advance(1 / 60, 0.6, 0.8) for _ in range(60)) == 60   # one tick per frame
    assert sum(strip.advance(1 / 144, 0.6, 0.8) for _ in range(144)) in (59, 60, 61)
    assert strip.advance(0.1, 0.6, 0.8) == 6
    assert strip.advance(5.0, 0.6, 0.8) == 6  # a stall: capped, and the backlog dropped
    assert strip.advance(1 / 60, 0.6, 0.8) == 1


def test_same_seed_same_motion():
    first, second = StripPhysics(N_PARTICLES, seed=9), StripPhysics(N_PARTICLES, seed=9)
    for dt in (0.1, 1 / 60, 0.05, 1 / 30):
        first.advance(dt, 0.3, 0.5)
        second.advance(dt, 0.3, 0.5)
    assert np.array_equal(first.positions, second.positions)
    assert not np.array_equal(first.positions, StripPhysics(N_PARTICLES, seed=10).positions)


def test_hsl_matches_three_js():
    assert np.allclose(hsl_color(0, 100, 50), (1.0, 0.0, 0.0))
    assert np.allclose(hsl_color(200, 50, 50), (0.25, 0.5833333, 0.75))
    assert np.allclose(hsl_color(240, 0, 43), (0.43, 0.43, 0.43))


# --- frames --------------------------------------------------------------------------------


def test_registered_with_its_parameter_table():
    assert animation_class("lights") is Lights
    assert animation_names().index("lights") < animation_names().index("kaleidoscope")
    parameters = {p.name: p for p in Lights.parameters()}
    assert tuple(parameters) == NAMES
    table = {name: (p.avg, p.min, p.max, p.step, p.blur, p.fps) for name, p in parameters.items()}
    assert table == {
        "particlesWeight": (0.6, 0.001, 2, -1, 300, 0.2),
        "edgesDistance": (0.8, 0.2, 1, -1, 300, 0.8),
        "hue": (200, 150, 255, 1, 100, 0.06),
        "saturation": (50, 43, 57, 1, 50, -1),
        "lightness": (50, 43, 57, 1, 50, -1),
        "opacity": (0.7, 0.5, 0.9, -1, 50, 0.2),
        "size": (1.0, 0.7, 3, -1, 300, 0.1),
        **{name: table[name] for name in PULSED},
    }  # the 2017 table, plus three pulse-driven parameters
    assert {name for name, p in parameters.items() if p.pulse > 0} == set(PULSED)
    assert all(p.description for p in parameters.values()) and Lights.description()


def test_renders_a_glowing_frame(gl_context):
    image = render(gl_context)
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert image.mean() > 5 and image.max() > 200, (image.mean(), image.max())
    # bluish (hue 200) and not one flat colour
    assert image[..., 2].mean() > image[..., 0].mean()
    assert len(np.unique(image.reshape(-1, 3) // 16, axis=0)) >= 10
    # the glow: the bloom lights pixels next to the strip, not just the strip itself
    lit = image.max(axis=2)
    assert ((lit > 8) & (lit < 60)).mean() > 0.02


def test_another_seed_gives_another_strip(gl_context):
    values = {0: 0.8, 1: 0.3, 6: 0.9}
    first = render(gl_context, values, seed=7)
    assert difference(first, render(gl_context, values, seed=8)) > CHANGED


def test_paused_frames_do_not_move():
    """dt = 0 (paused): no tick, no upload; the same frame again."""
    strip = StripPhysics(8, seed=0)
    before = strip.positions.copy()
    assert strip.advance(0.0, 0.6, 0.8) == 0
    assert np.array_equal(strip.positions, before) and strip.ticks == 0


def test_survives_a_resize(gl_context):
    with open_renderer(gl_context, SIZE, "lights", IDENTITY, seed=0) as renderer:
        renderer.set_features(features({}))
        for step in range(10):
            renderer.render(step * 0.1)
        assert renderer.read_rgb().mean() > 5
        park_framebuffer(gl_context)
        renderer.resize((256, 400))
        assert renderer.animation.size == (256, 400)
        for step in range(10, 15):
            renderer.render(step * 0.1)
        image = renderer.read_rgb()
        assert image.shape == (400, 256, 3)
        assert image.mean() > 5 and image.max() > 200
        # the shell stays round and centred on the new (portrait) frame
        rows, columns = np.nonzero(image.max(axis=2) > 40)
        assert abs(columns.mean() - 128) < 25 and abs(rows.mean() - 200) < 40


# --- bloom ---------------------------------------------------------------------------------


def test_gaussian_taps_reproduce_a_normalised_gaussian():
    from visualizer.bloom import gaussian_taps

    for sigma in (0.5, 1.0, 2.0, 3.3, 6.0):
        center, taps = gaussian_taps(sigma)
        assert math.isclose(center + 2 * sum(w for _, w in taps), 1.0, rel_tol=1e-9)
        # each fetch between texels k and k + 1 splits its weight back onto them (bilinear);
        # the variance of that texel kernel is sigma² less the truncation at 2.5 sigma
        variance = 0.0
        for offset, weight in taps:
            k = math.floor(offset)
            variance += 2 * weight * ((k + 1 - offset) * k * k + (offset - k) * (k + 1) ** 2)
        if sigma >= 1.0:
            assert variance == pytest.approx(sigma * sigma, rel=0.1)


def test_bloom_spreads_a_bright_dot_and_keeps_the_picture(gl_context):
    import moderngl

    from visualizer.bloom import Bloom

    ctx = gl_context
    size = (64, 48)
    picture = np.zeros((size[1], size[0], 4), np.uint8)
    picture[20:24, 28:32] = 255            # a bright 4x4 dot (one small texel)
    picture[5, 5] = (40, 40, 40, 255)       # a dim pixel, below the threshold
    source = ctx.texture(size, 4, picture.tobytes())
    target_texture = ctx.texture(size, 4)
    target = ctx.framebuffer(color_attachments=[target_texture])
    bloom = Bloom(ctx, size, downscale=4, threshold=0.25, strength=4.0, sigma=1.5)
    try:
        bloom.render(source, target)
        out = np.frombuffer(target.read(components=4), np.uint8).reshape(size[1], size[0], 4)
        assert (out[20:24, 28:32, :3] == 255).all()            # the picture is kept
        assert out[22, 36, 0] > 10 and out[15, 30, 0] > 10       # glow around the dot
        assert out[5, 5, 0] == 40 and out[5, 5, 0] == out[5, 5, 2]  # no glow from dim pixels
        assert out[45, 2, :3].max() == 0                         # far away: still black
        bloom.resize((32, 24))
        assert bloom.texture.size == (8, 6)
        assert ctx.error == "GL_NO_ERROR"
    finally:
        bloom.release()
        for resource in (target, target_texture, source):
            resource.release()
        park_framebuffer(ctx)
        ctx.enable_only(moderngl.NOTHING)
