"""The particles animation, rendered offscreen through the Renderer (standalone EGL)."""

from __future__ import annotations

import numpy as np
import pytest

from encoder.features import N_FEATURES, Features
from tests.conftest_gl import (open_renderer, constant_features, difference, gl_context,  # noqa: F401
                               park_framebuffer, render_frames)
from visualizer.animations import animation_class, animation_names
from visualizer.animations.particles import (PARTICLE, SPLAT_FROM, Particles, ring_spans,
                                             spawn, uses_splat)
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer

SIZE = (320, 180)
IDENTITY = Mapping(tuple(range(N_FEATURES)))  # parameter slot i reads feature i
NAMES = ("velocityRandomness", "swell", "size", "lifetime", "turbulence",
         "spawnRate", "timeScale", "hue", "flash", "lightness")
PULSED = {"swell": 0.15, "timeScale": 0.2, "flash": 0.12}  # name: decay (s)
FRAMES = 31  # song time 0 .. 3 s in steps of 0.1 s (the renderer's largest step)

# Mean absolute difference (0–255, over every channel of every pixel) that counts as "the
# picture changed"; identical inputs give exactly 0. The stream covers a few per cent of a
# dark frame, so whole-frame figures are small (the default frame after 3 s averages about 4
# at 320x180). Every parameter moving the picture is checked in tests/test_animations.py.
CHANGED = 1.0


@pytest.fixture(params=["points", "splat"])
def drawing(request, monkeypatch):
    """Each test that takes it runs with both ways of drawing the sprites."""
    monkeypatch.setattr(Particles, "drawing", request.param)
    return request.param


def features(values: dict[int, float], frames: int = 200) -> Features:
    """Constant features: 0.5 everywhere except the given {feature: value}."""
    return constant_features(values, frames)


def render(ctx, feature_values: dict[int, float] | None = None, *, size=SIZE, seed: int = 0,
           frames: int = FRAMES) -> np.ndarray:
    """A fresh renderer's frame after `frames` steps of 0.1 s with constant features."""
    return render_frames(ctx, "particles", features(feature_values or {}), size=size, seed=seed,
                         steps=frames)


def assert_glowing_stream(image: np.ndarray) -> None:
    """Bright particles over a dark background: neither black nor a screen-filling haze."""
    lit = image.max(axis=2) > 8
    assert image.max() > 150, image.max()
    assert 0.005 < lit.mean() < 0.5, lit.mean()
    assert np.median(image) < 8  # the background stays dark
    levels = np.unique(image.reshape(-1, 3), axis=0)
    assert len(levels) > 50, len(levels)  # soft sprites and fading trails, not flat dots


def test_registered_with_its_parameter_table():
    assert animation_class("particles") is Particles
    assert animation_names()[0] == "particles"
    parameters = {p.name: p for p in Particles.parameters()}
    assert list(parameters) == list(NAMES)
    spawn_rate = parameters["spawnRate"]
    assert (spawn_rate.avg, spawn_rate.min, spawn_rate.max, spawn_rate.blur, spawn_rate.fps) \
        == (6000, 1000, 30000, 1, 2.0)
    assert parameters["hue"].step == 1 and parameters["hue"].fps == 0.08
    assert {name: p.pulse for name, p in parameters.items() if p.pulse > 0} == PULSED
    assert all(p.description for p in parameters.values()) and Particles.description()


def test_renders_a_glowing_stream(gl_context, drawing):
    image = render(gl_context, frames=11)  # song time 0 .. 1 s
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert_glowing_stream(image)
    # hue 180 at 50 % saturation: cyan, so green and blue outshine red
    lit = image[image.max(axis=2) > 8].astype(float)
    assert lit[:, 1].mean() > 1.2 * lit[:, 0].mean() and lit[:, 2].mean() > 1.2 * lit[:, 0].mean()


def test_another_seed_sheds_another_stream(gl_context):
    first = render(gl_context, {0: 0.8, 5: 0.3}, seed=7)
    other_seed = render(gl_context, {0: 0.8, 5: 0.3}, seed=8)
    assert difference(first, other_seed) > CHANGED


def test_paused_frames_stand_still(gl_context, drawing):
    with open_renderer(gl_context, SIZE, "particles", IDENTITY, seed=0) as renderer:
        renderer.set_features(features({}))
        for frame in range(10):
            renderer.render(frame * 0.1)
        spawned = renderer.animation.spawned
        still = renderer.read_rgb().copy()
        renderer.render(0.9)  # the same song time again: dt = 0
        assert renderer.animation.spawned == spawned
        assert renderer.read_rgb().tobytes() == still.tobytes()


def test_restores_the_gl_state(gl_context, drawing):
    """After the additive sprites, an opaque draw replaces pixels again (blending is off)."""
    from visualizer.passes import FullscreenPass

    renderer = Renderer(gl_context, SIZE, "particles", IDENTITY, seed=0)
    colour = gl_context.texture((1, 1), 4, bytes([40, 80, 120, 255]))
    blit = FullscreenPass(gl_context, "common/blit.glsl")
    try:
        for frame in range(5):
            renderer.render(frame * 0.1)
        assert renderer.read_rgb().max() > 100
        blit.render(colour, renderer.framebuffer)
        assert np.all(renderer.read_rgb() == (40, 80, 120))
    finally:
        blit.release()
        colour.release()
        renderer.release()
        park_framebuffer(gl_context)


def test_sizes_scale_with_the_frame_height(gl_context, drawing):
    """The same picture at two resolutions: sprites cover the same fraction of the frame."""
    small = render(gl_context, size=(320, 180), frames=11)
    large = render(gl_context, size=(640, 360), frames=11)
    small_lit = (small.max(axis=2) > 8).mean()
    large_lit = (large.max(axis=2) > 8).mean()
    assert 0.6 < large_lit / small_lit < 1.6, (small_lit, large_lit)


def test_ring_spans():
    assert ring_spans(0, 0, 10) == ()
    assert ring_spans(3, 4, 10) == ((3, 4),)
    assert ring_spans(6, 4, 10) == ((6, 4),)  # ends exactly at the end: no empty second span
    assert ring_spans(8, 5, 10) == ((8, 2), (0, 3))
    assert ring_spans(23, 10, 10) == ((3, 7), (0, 3))  # serials wrap modulo the capacity
    with pytest.raises(ValueError):
        ring_spans(0, 11, 10)


def record_writes(monkeypatch, buffer) -> list[tuple[int, int]]:
    """Records each (offset, byte count) written to `buffer` from now on."""
    import moderngl

    writes: list[tuple[int, int]] = []
    write = moderngl.Buffer.write

    def recording_write(self, data, offset=0):
        if self is buffer:
            writes.append((offset, len(data)))
        write(self, data, offset)

    monkeypatch.setattr(moderngl.Buffer, "write", recording_write)
    return writes


def test_writes_only_the_spawned_range(gl_context, monkeypatch):
    """Each frame writes exactly its new particles at the ring's head, in two parts where it
    wraps, and draws no more than the live window."""
    monkeypatch.setattr(Particles, "capacity", 1000)
    stride = PARTICLE.itemsize
    with open_renderer(gl_context, SIZE, "particles", IDENTITY, seed=0) as renderer:
        animation = renderer.animation
        assert animation.capacity == 1000
        writes = record_writes(monkeypatch, animation.particle_buffer)
        renderer.values = dict(renderer.values, spawnRate=2345.0, lifetime=2.0, timeScale=1.0)
        renderer.render(0.0)
        assert writes == []  # dt 0: nothing spawned, nothing written
        head, wrapped = 0, 0
        for frame in range(1, 13):
            writes.clear()
            renderer.render(frame * 0.1)
            count = animation.spawned - head
            # the fraction is carried over: the total is spawnRate x animation time (timeScale 1
            # here, so song time), rounded down
            assert 0 <= 2345.0 * frame * 0.1 - animation.spawned < 1.0 + 1e-6
            assert 234 <= count <= 235
            slot = head % 1000
            if slot + count <= 1000:
                assert writes == [(slot * stride, count * stride)]
            else:
                wrapped += 1
                first = 1000 - slot
                assert writes == [(slot * stride, first * stride),
                                           (0, (count - first) * stride)]
            head = animation.spawned
            drawn = sum(n for _, n in animation.live_spans())
            assert drawn == min(animation.spawned, 1000)
        assert wrapped >= 2


def test_draws_only_the_live_window(gl_context):
    """At steady state the drawn window is spawnRate x lifetime particles (both on the
    animation's clock), not the whole ring."""
    with open_renderer(gl_context, SIZE, "particles", IDENTITY, seed=0) as renderer:
        animation = renderer.animation
        assert animation.capacity == 250_000
        renderer.values = dict(renderer.values, spawnRate=3000.0, lifetime=2.0, timeScale=0.5)
        for frame in range(80):
            renderer.render(frame * 0.1)
        drawn = sum(n for _, n in animation.live_spans())
        assert 6_000 <= drawn <= 6_000 + 150  # plus at most one frame's batch


def test_spawn_is_vectorised_and_seeded():
    values = {p.name: p.start_value for p in Particles.parameters()}
    times = np.linspace(0.0, 1.0, 500)
    a = spawn(np.random.default_rng(3), times, values)
    b = spawn(np.random.default_rng(3), times, values)
    assert a.dtype == PARTICLE and len(a) == 500 and a.tobytes() == b.tobytes()
    assert np.array_equal(a["start"][:, 3], times.astype(np.float32))
    spread = np.abs(a["velocity"][:, :3]).max()
    assert 0 < spread <= 0.5 * 7.5 * values["velocityRandomness"] + 1.0
    assert np.all(a["life"][:, 1] == values["lifetime"])


def test_sprites_and_splat_draw_the_same_stream(gl_context, monkeypatch):
    """The compute path (software renderers) and the point sprites (GPUs) differ only in
    rounding; each gives the same frame twice."""
    frames = {}
    for drawing in ("points", "splat", "splat"):
        monkeypatch.setattr(Particles, "drawing", drawing)
        frames.setdefault(drawing, []).append(render(gl_context, {0: 0.8, 3: 0.9}))
    points, (splat, again) = frames["points"][0].astype(int), frames["splat"]
    assert splat.tobytes() == again.tobytes()
    assert_glowing_stream(splat)
    assert np.abs(points - splat).mean() < 0.1
    assert np.abs(points - splat).max() <= 16
    assert difference(points, render(gl_context, {0: 0.8, 3: 0.1})) > CHANGED  # it can differ


def test_auto_splats_many_particles_on_a_software_renderer(gl_context):
    from visualizer.gl import is_software_renderer

    software = is_software_renderer(gl_context)
    assert uses_splat(gl_context, "auto") == (software and gl_context.version_code >= 430)
    assert uses_splat(gl_context, "splat") and not uses_splat(gl_context, "points")
    with pytest.raises(ValueError, match="drawing must be one of"):
        uses_splat(gl_context, "dots")
    with open_renderer(gl_context, SIZE, "particles", IDENTITY, seed=0) as renderer:
        animation = renderer.animation
        assert not animation.splatting(SPLAT_FROM - 1)
        assert animation.splatting(SPLAT_FROM) == uses_splat(gl_context, "auto")


def test_the_splat_follows_a_resize(gl_context, monkeypatch):
    monkeypatch.setattr(Particles, "drawing", "splat")
    with open_renderer(gl_context, SIZE, "particles", IDENTITY, seed=0) as renderer:
        renderer.set_features(features({}))
        for frame in range(6):
            renderer.render(frame * 0.1)
        renderer.resize((160, 90))
        renderer.render(0.6)
        image = renderer.read_rgb()
        assert image.shape == (90, 160, 3) and image.max() > 100
