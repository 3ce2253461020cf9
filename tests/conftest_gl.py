"""An OpenGL context for tests that render: one standalone EGL context per test process.

Import the fixture into a test module with

    from tests.conftest_gl import gl_context  # noqa: F401

(`tests/conftest.py` belongs to the whole suite; this file is opt-in for GL tests.)

The context is created once and shared by every test of the session (creating and
destroying contexts per test is slow and leaks in some drivers); the fixture itself is
per test so that it can check, after each test, that the test left no GL error behind.
Where no EGL context can be created (no libEGL, no Mesa), GL tests are skipped with the
reason.
"""

from __future__ import annotations

import functools

import pytest


@functools.cache
def _shared_context():
    """(context, parking framebuffer) or (None, reason)."""
    try:
        import moderngl

        ctx = moderngl.create_context(standalone=True, backend="egl")
    except Exception as error:  # ImportError, or moderngl's Error from EGL
        return None, f"no standalone EGL OpenGL context ({type(error).__name__}: {error})"
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
