"""The process's offscreen OpenGL context, for everything that draws without a window.

`davis render`, `davis play --terminal`, the tests, the benchmarks and the scripts all draw
through one standalone EGL context: no window, no display needed. It is created on first use
and kept until the process ends (creating and destroying contexts is slow, and some drivers
leak them). The pygame window makes its own GLX context instead; with Mesa a process that
has used EGL cannot make a GLX context current afterwards, so never mix the two in one
process.
"""

from __future__ import annotations

from encoder.errors import DavisError

GL_VERSION = 330  # OpenGL 3.3 core: what every shader in shaders/ is written for

SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "lavapipe")

_context = None


class NoOffscreenGL(DavisError):
    """No OpenGL 3.3 context can be made through EGL (no libEGL, no driver, too old a GL)."""


def offscreen_context():
    """The process's standalone OpenGL 3.3 context (a moderngl.Context), opened on first call.

    Raises:
        NoOffscreenGL: moderngl, libEGL or an OpenGL 3.3 driver is missing.
    """
    global _context
    if _context is None:
        try:
            import moderngl

            _context = moderngl.create_context(standalone=True, backend="egl",
                                               require=GL_VERSION)
        except Exception as error:  # ImportError, or moderngl's Error from EGL
            raise NoOffscreenGL(f"cannot create an offscreen OpenGL 3.3 context through EGL "
                                f"({type(error).__name__}: {error})") from None
    return _context


def is_software_renderer(ctx) -> bool:
    """Whether `ctx` draws on the CPU (Mesa's llvmpipe and the like)."""
    renderer = ctx.info.get("GL_RENDERER", "").lower()
    return any(name in renderer for name in SOFTWARE_RENDERERS)
