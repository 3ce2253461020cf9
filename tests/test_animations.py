"""The contract every registered animation meets, checked the same way for each one.

Adding an animation module is enough for it to be tested here: through the Renderer on a
standalone EGL context, it draws a non-black frame, every parameter moves the picture, the
same inputs give the same bytes, it survives a resize and it releases its GL objects.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS, N_FEATURES, Features
from tests.conftest_gl import (constant_features, difference, gl_context, released,  # noqa: F401
                               park_framebuffer, render_frames)
from visualizer.animations import animation_class, animation_names
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer

SIZE = (256, 144)
IDENTITY = Mapping(tuple(range(N_FEATURES)))  # slot i reads feature i
STEPS = 16  # 1.5 s of song time in 0.1 s steps

# Mean absolute difference (0-255 per channel) that counts as a visible change, min against
# max of one parameter after 1.5 s. Identical inputs give exactly 0, so anything above
# rounding noise separates; the thresholds ask for a change over much of what is drawn. The
# particle stream, the lights' strip and the field's pattern cover part of a dark frame, so
# 1.0 there is about a quarter of it (a pulse of the field's inject adds fresh blots: about
# 1.5); the tunnel fills the frame, so 3.0 there (its weakest, fog, measures about 14).
CHANGED = {"tunnel": 3.0}
CHANGED_DEFAULT = 1.0

NAMES = animation_names()


def changed(name: str) -> float:
    return CHANGED.get(name, CHANGED_DEFAULT)


BASE = 0.8  # the other features: above avg, so effects that scale others (e.g. an RGB shift
            # whose direction is one parameter and strength another) are visible
# Every feature dips to 0 over these frames and comes back just before the last frames
# rendered (1.4 and 1.5 s), so parameters read as pulses fire too (a flat feature never
# pulses); a feature set to 0 stays flat. A rate-limited parameter's feature is kept out of
# the dip (`steady`): its step would land on the dip and show 0 whatever its value is.
DIP_FRAMES = slice(76, 86)


def dipping_features(values: dict[int, float] | None = None, frames: int = 240,
                     steady: tuple[int, ...] = ()):
    features = constant_features(values, frames, BASE)
    dipping = [k for k in range(N_FEATURES) if k not in steady]
    for table in features.levels.values():
        table[DIP_FRAMES, dipping] = 0.0
    return features


def lively_features(frames: int = 400):
    """Every feature drifting and beating twice a second, differently."""
    t = np.arange(frames)[:, None] / 60
    k = np.arange(N_FEATURES)[None, :]
    beat = np.exp(-((t * 2.0) % 1.0) * 6.0)
    table = (0.5 + 0.3 * np.sin(2 * np.pi * t * (0.1 + 0.05 * k) + 1.3 * k)
             + 0.2 * beat * np.cos(k)).astype(np.float32)
    return Features(levels={level: table.copy() for level in BLUR_LEVELS})


def render(ctx, name: str, values: dict[int, float] | None = None, *, seed: int = 0,
           size=SIZE, steps: int = STEPS, steady: tuple[int, ...] = ()) -> np.ndarray:
    return render_frames(ctx, name, dipping_features(values, steady=steady), size=size, seed=seed,
                         steps=steps).astype(np.int16)


def test_the_original_three_and_two_new_ones_are_registered():
    assert {"particles", "lights", "kaleidoscope"} <= set(NAMES)
    assert len(NAMES) >= 5
    assert NAMES[:3] == ["particles", "lights", "kaleidoscope"]  # the original's N order


@pytest.mark.parametrize("name", NAMES)
def test_declares_described_parameters(name):
    cls = animation_class(name)
    assert cls.description()
    parameters = cls.parameters()
    assert 1 <= len(parameters) <= N_FEATURES
    assert all(p.description for p in parameters)
    if name not in ("particles", "lights", "kaleidoscope"):
        assert len(parameters) >= 8


@pytest.mark.parametrize("name", NAMES)
def test_renders_a_non_black_frame(gl_context, name):
    image = render(gl_context, name)
    assert image.mean() > 5 and image.max() > 100, (image.mean(), image.max())


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_changes_the_picture(gl_context, name):
    """Feature 0 (the parameter's min) against 1 (max) and 0.5 (avg): a periodic parameter
    such as an angle from 0 to 2 pi looks the same at both ends."""
    quiet = []
    parameters = animation_class(name).parameters()
    steady = tuple(slot for slot, parameter in enumerate(parameters) if parameter.fps > 0)
    for slot, parameter in enumerate(parameters):
        low = render(gl_context, name, {slot: 0.0}, steady=steady)
        change = max(difference(low, render(gl_context, name, {slot: value}, steady=steady))
                     for value in (1.0, 0.5))
        if change <= changed(name):
            quiet.append(f"{parameter.name}: {change:.2f}")
    assert not quiet, f"parameters that barely change the picture: {quiet}"


@pytest.mark.parametrize("name", NAMES)
def test_same_inputs_give_the_same_frame(gl_context, name):
    values = {0: 0.9, 3: 0.2, 5: 0.7}
    assert np.array_equal(render(gl_context, name, values, seed=4), render(gl_context, name, values, seed=4))


@pytest.mark.parametrize("name", NAMES)
def test_pausing_freezes_the_picture(released, gl_context, name):
    """Time only advances by dt: rendering the same song time again (dt = 0) changes nothing."""
    renderer = released(Renderer(gl_context, SIZE, name, IDENTITY, seed=0))
    renderer.set_features(lively_features())
    for step in range(11):
        renderer.render(step * 0.1)
    frozen = renderer.read_rgb().copy()
    for _ in range(3):
        renderer.render(1.0)
        assert renderer.read_rgb().tobytes() == frozen.tobytes()
    renderer.render(1.1)
    assert difference(renderer.read_rgb(), frozen) > 0.1


@pytest.mark.parametrize("name", NAMES)
def test_a_value_that_is_not_a_number_draws_as_the_default(released, gl_context, name):
    """A broken preset or feature gives NaN or infinity: the animation draws its default
    there instead of a black or garbage frame."""
    pictures = []
    for broken in (False, True):
        renderer = released(Renderer(gl_context, SIZE, name, IDENTITY, seed=2))
        values = dict(renderer.animation.defaults)
        if broken:
            values = {key: (float("nan") if index % 2 else float("inf"))
                      for index, key in enumerate(values)}
        for _ in range(4):
            renderer.draw(0.1, values)
        pictures.append(renderer.read_rgb().copy())
    assert np.array_equal(*pictures)


@pytest.mark.parametrize("name", NAMES)
def test_gl_state_left_on_does_not_change_the_picture(released, gl_context, name):
    """The renderer resets GL state before each animation draws: blending, depth test and
    culling left on by anything else (an overlay, another animation) change nothing."""
    import moderngl

    pictures = []
    for dirty in (False, True):
        renderer = released(Renderer(gl_context, SIZE, name, IDENTITY, seed=3))
        renderer.set_features(lively_features())
        for step in range(6):
            if dirty:
                gl_context.enable(moderngl.BLEND | moderngl.DEPTH_TEST | moderngl.CULL_FACE)
                gl_context.blend_func = moderngl.ONE, moderngl.ONE
            renderer.render(step * 0.1)
        pictures.append(renderer.read_rgb().copy())
    gl_context.enable_only(moderngl.NOTHING)
    gl_context.blend_func = moderngl.DEFAULT_BLENDING
    assert np.array_equal(*pictures)


@pytest.mark.parametrize("name", NAMES)
def test_survives_resizes_without_piling_up_gl_objects(released, gl_context, name):
    renderer = released(Renderer(gl_context, SIZE, name, IDENTITY, seed=0))
    renderer.set_features(lively_features())
    renderer.render(0.0)
    owned = renderer.animation.live_objects
    assert owned > 0
    time_s = 0.1
    for size in ((200, 300), (97, 61), (640, 360), SIZE):
        park_framebuffer(gl_context)  # the renderer releases its bound target on resize
        renderer.resize(size)
        assert renderer.animation.size == size
        for _ in range(8):
            renderer.render(time_s)
            time_s += 0.1
        image = renderer.read_rgb()
        assert image.shape == (size[1], size[0], 3)
        assert image.mean() > 3 and image.max() > 100, (size, image.mean(), image.max())
    assert renderer.animation.live_objects == owned  # nothing piles up per frame or resize


@pytest.mark.parametrize("name", NAMES)
def test_switching_releases_every_gl_object(released, gl_context, name):
    renderer = released(Renderer(gl_context, SIZE, name, IDENTITY, seed=0))
    renderer.render(0.0)
    old = renderer.animation
    assert old.live_objects > 0
    renderer.set_animation(name)
    assert old.live_objects == 0
    renderer.release()
    assert renderer.animation.live_objects == 0


def resident_bytes() -> int:
    """Resident memory after handing freed heap pages back to the system (glibc's
    malloc_trim), so readings do not swing with when the allocator happens to do it."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.parametrize("name", NAMES)
def test_creating_and_releasing_does_not_grow_memory(gl_context, name):
    """100 create/render/release cycles leave resident memory where it was.

    Large buffers (the particles' 10.5 MiB ring) come and go with every cycle, and whether
    the allocator has handed their pages back at a given moment varies, so one reading swings
    by about that much. The peak over 10 cycles is steady and a leak would raise it: the peak
    after 100 cycles is compared with the peak before them.
    """
    def cycle() -> int:
        renderer = Renderer(gl_context, SIZE, name, IDENTITY, seed=0)
        renderer.render(0.0)
        renderer.render(0.1)
        renderer.release()
        park_framebuffer(gl_context)
        assert renderer.animation.live_objects == 0
        gl_context.finish()
        return resident_bytes()

    for _ in range(10):  # warm up the driver's caches and Python's allocators
        cycle()
    before = max(cycle() for _ in range(10))
    for _ in range(80):
        cycle()
    after = max(cycle() for _ in range(10))
    growth = after - before
    assert growth < 4 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MiB"


def test_a_failed_construction_releases_what_it_made():
    from visualizer.animations.base import Animation

    class Resource:
        released = False

        def release(self):
            self.released = True

    class Broken(Animation):  # no `name`: not registered
        def __init__(self):
            super().__init__(ctx=None, size=(1, 1))
            self.made = Resource()
            with self.building():
                self.own(self.made)
                raise RuntimeError("shader failed to compile")

        def draw(self, frame, target):
            pass

    made = []
    original = Broken.__init__

    def remember(self):
        made.append(self)
        original(self)

    Broken.__init__ = remember
    with pytest.raises(RuntimeError, match="compile"):
        Broken()
    assert made[0].made.released and made[0].live_objects == 0
