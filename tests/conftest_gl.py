"""An OpenGL context for tests that render: the process's offscreen context.

Import the fixtures into a test module with

    from tests.conftest_gl import gl_context, released  # noqa: F401

(`tests/conftest.py` belongs to the whole suite; this file is opt-in for GL tests.)

The context is `visualizer.gl.offscreen_context()`, the one `davis render` and the terminal
use, created once per process and shared by every test; the fixture itself is per test so
that it can check, after each test, that the test left no GL error behind. Where no context
can be created (no libEGL, no Mesa), GL tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import functools

import pytest


@functools.cache
def _shared_context():
    """(context, parking framebuffer) or (None, reason)."""
    from visualizer.gl import NoOffscreenGL, offscreen_context

    try:
        ctx = offscreen_context()
    except NoOffscreenGL as error:
        return None, str(error)
    # A tiny framebuffer that stays alive all session. moderngl rebinds the current
    # framebuffer after creating a new one; if the current one was released meanwhile
    # (a renderer's target after `Renderer.release`), that rebind is GL_INVALID_OPERATION.
    # Binding this one first keeps tests independent of what the previous test released.
    park = ctx.framebuffer(color_attachments=[ctx.renderbuffer((1, 1))])
    return ctx, park


def park_framebuffer(ctx) -> None:
    """Bind the session's parking framebuffer (see `_shared_context`)."""
    shared, park = _shared_context()
    if shared is ctx:
        park.use()


@pytest.fixture
def gl_context():
    """The shared moderngl context; fails the test if it leaves a GL error set."""
    ctx, reason = _shared_context()
    if ctx is None:
        pytest.skip(reason)
    park_framebuffer(ctx)
    ctx.error  # reading it clears an error left from outside any test
    yield ctx
    error = ctx.error
    park_framebuffer(ctx)
    assert error == "GL_NO_ERROR", f"the test left an OpenGL error: {error}"


@pytest.fixture
def released(gl_context):
    """`released(thing)` returns `thing` and releases it after the test (a renderer, a GL
    object, anything with `release()`), newest first."""
    things = []

    def keep(thing):
        things.append(thing)
        return thing

    yield keep
    while things:
        things.pop().release()
    park_framebuffer(gl_context)


@contextlib.contextmanager
def open_renderer(ctx, *args, **kwargs):
    """`with open_renderer(ctx, size, animation, mapping) as renderer:` for helpers that
    are not tests (and so cannot take the `released` fixture)."""
    from visualizer.renderer import Renderer

    renderer = Renderer(ctx, *args, **kwargs)
    try:
        yield renderer
    finally:
        renderer.release()
        park_framebuffer(ctx)


# --- rendering through the Renderer, shared by the animation tests ---------------------------

def constant_features(values: dict[int, float] | None = None, frames: int = 200,
                      base: float = 0.5):
    """Features that hold `base` everywhere except the given {feature: value}, at every level."""
    import numpy as np

    from encoder.features import BLUR_LEVELS, N_FEATURES, Features

    table = np.full((frames, N_FEATURES), base, dtype=np.float32)
    for feature, value in (values or {}).items():
        table[:, feature] = value
    return Features(levels={level: table.copy() for level in BLUR_LEVELS})


def render_frames(ctx, name: str, features, *, size, seed: int = 0, steps: int,
                  mapping=None):
    """A fresh renderer's frame after `steps` steps of 0.1 s of song time, as (h, w, 3) uint8."""
    from encoder.features import N_FEATURES
    from visualizer.mapping import Mapping

    mapping = mapping or Mapping(tuple(range(N_FEATURES)))
    with open_renderer(ctx, size, name, mapping, seed=seed) as renderer:
        renderer.set_features(features)
        for step in range(steps):
            renderer.render(step * 0.1)
        return renderer.read_rgb().copy()


def difference(a, b) -> float:
    """Mean absolute difference of two frames, 0–255 per channel."""
    import numpy as np

    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
