"""The tunnel and field animations, rendered offscreen through the Renderer (standalone EGL).

Both are driven by synthetic features through the identity mapping (parameter slot i reads
feature i), so a test sets one parameter to its min (feature 0) or max (feature 1) while
the others stay at avg (feature 0.5).
"""

from __future__ import annotations

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS, N_FEATURES, Features
from tests.conftest_gl import (open_renderer, difference, gl_context, park_framebuffer,  # noqa: F401
                               render_frames)
from visualizer.animations import animation_class, animation_names
from visualizer.animations.field import (
    KILL_BAND_HALF_WIDTH,
    MAX_STEPS,
    Field,
    field_size,
    kill_rate,
)
from visualizer.animations.tunnel import Tunnel
from visualizer.mapping import Mapping

NAMES = ("tunnel", "field")
SIZE = (320, 180)
IDENTITY = Mapping(tuple(range(N_FEATURES)))
FRAMES = 21  # song time 0 .. 2 s in steps of 0.1 s (the renderer's largest step)

# Mean absolute difference (0-255, over every channel of every pixel) that counts as "the
# picture changed" (the contract every animation meets, every parameter moving the picture
# among it, is checked in tests/test_animations.py).
CHANGED = 3.0


def features(values: dict[int, float] | None = None, frames: int = 400, *,
             lively: bool = False) -> Features:
    """Constant features (0.5, or the given {feature: value}); `lively` adds beats and drift."""
    table = np.full((frames, N_FEATURES), 0.5, dtype=np.float32)
    if lively:
        t = np.arange(frames)[:, None] / 60
        k = np.arange(N_FEATURES)[None, :]
        beat = np.exp(-((t * 2.0) % 1.0) * 6.0)
        table = (0.5 + 0.3 * np.sin(2 * np.pi * t * (0.1 + 0.05 * k) + 1.3 * k)
                 + 0.2 * beat * np.cos(k)).astype(np.float32)
    for feature, value in (values or {}).items():
        table[:, feature] = value
    return Features(levels={level: table.copy() for level in BLUR_LEVELS})


def render(ctx, name: str, values: dict[int, float] | None = None, *, seed: int = 0,
           size=SIZE, frames: int = FRAMES, lively: bool = False) -> np.ndarray:
    """A fresh renderer's frame after `frames` steps of 0.1 s."""
    return render_frames(ctx, name, features(values, lively=lively), size=size, seed=seed,
                         steps=frames)


def assert_lively(image: np.ndarray) -> None:
    """Not black, not one flat colour."""
    assert image.mean() > 10, image.mean()
    assert image.max() > 100, image.max()
    colours = np.unique(image.reshape(-1, 3) // 16, axis=0)
    assert len(colours) >= 10, len(colours)


# --- registration and parameter tables ------------------------------------------------------

def test_registered_in_order_with_their_parameter_tables():
    assert animation_class("tunnel") is Tunnel and Tunnel.order == 4
    assert animation_class("field") is Field and Field.order == 5
    names = animation_names()
    assert names.index("tunnel") < names.index("field")
    for name in NAMES:
        cls = animation_class(name)
        assert cls.description()
        parameters = cls.parameters()
        assert 8 <= len(parameters) <= N_FEATURES
        assert all(p.description for p in parameters)
        assert all(p.min < p.max and p.min <= p.avg <= p.max for p in parameters)


@pytest.mark.parametrize("name, punchy, slow", [
    ("tunnel", ("speed", "glow", "flash"), ("rings", "segments", "hue")),
    ("field", ("inject", "relief", "zoom"), ("feed", "kill", "hue")),
])
def test_blur_levels_suit_what_each_parameter_does(name, punchy, slow):
    """Beat-like parameters are pulses that jump on sharp rises and fade within half a
    second; structure and colour read slow, rate-limited features."""
    parameters = {p.name: p for p in animation_class(name).parameters()}
    for key in punchy:
        assert 0 < parameters[key].pulse <= 0.5, (key, parameters[key].pulse)
    for key in slow:
        assert parameters[key].blur >= 300 and 0 < parameters[key].fps <= 1


# --- pictures -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_renders_a_lively_frame_after_one_second(gl_context, name):
    image = render(gl_context, name, frames=11)
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert_lively(image)


@pytest.mark.parametrize("name", NAMES)
def test_another_seed_gives_another_picture(gl_context, name):
    first = render(gl_context, name, seed=3, lively=True)
    other_seed = render(gl_context, name, seed=4, lively=True)
    assert difference(first, other_seed) > CHANGED


# --- the field's simulation -----------------------------------------------------------------

def test_field_grid_keeps_the_aspect_and_a_fixed_short_side():
    assert field_size((1280, 720)) == (320, 180)
    assert field_size((640, 360)) == (320, 180)
    assert field_size((3840, 2160)) == (320, 180)
    assert field_size((320, 180)) == (320, 180)
    assert field_size((720, 1280)) == (180, 320)
    assert field_size((200, 300)) == (180, 270)
    assert field_size((97, 61)) == (97, 61)  # never more cells than pixels
    assert field_size((1, 1)) == (1, 1)
    assert field_size((10000, 10)) == (720, 10)  # the long side is capped


def test_kill_rate_follows_the_pattern_band():
    assert kill_rate(0.037, 0.0) == pytest.approx(0.061)
    assert kill_rate(0.037, 1.0) - kill_rate(0.037, -1.0) == pytest.approx(2 * KILL_BAND_HALF_WIDTH[2])
    assert kill_rate(0.01, 0.0) == kill_rate(0.022, 0.0)  # clamped outside the table
    assert kill_rate(0.03, 0.0) < kill_rate(0.044, 0.0)


def field_cover(ctx, values: dict[int, float], seconds: float) -> float:
    """The fraction of the field's cells where V > 0.2 after `seconds` of song time, rendered
    at 30 fps (16 reaction steps per frame: the full rate, no frame hits MAX_STEPS)."""
    with open_renderer(ctx, SIZE, "field", IDENTITY, seed=0) as renderer:
        renderer.set_features(features(values))
        for frame in range(int(round(seconds * 30)) + 1):
            renderer.render(frame / 30)
        state = renderer.animation.state_texture
        cells = np.frombuffer(state.read(), dtype=np.float32).reshape(-1, 2)
        return float((cells[:, 1] > 0.2).mean())


@pytest.mark.parametrize("feed", [0.0, 1.0])
@pytest.mark.parametrize("kill", [0.0, 1.0])
def test_every_feed_and_kill_keeps_a_pattern_alive(gl_context, feed, kill):
    """At the corners of the feed x kill square, with no injection, the seeded spots grow
    into a pattern: neither dying out nor flooding the field."""
    cover = field_cover(gl_context, {0: feed, 1: kill, 5: 0.0}, seconds=6.0)
    assert 0.05 < cover < 0.8, cover


def test_field_steps_are_capped_per_frame(gl_context):
    with open_renderer(gl_context, SIZE, "field", IDENTITY, seed=0) as renderer:
        animation = renderer.animation
        renderer.draw(0.1, renderer.values)
        assert animation.steps_last_frame == MAX_STEPS
        renderer.draw(1 / 60, renderer.values)
        assert animation.steps_last_frame in (7, 8)
        renderer.draw(0.0, renderer.values)
        assert animation.steps_last_frame == 0
