"""Reusable post-processing building blocks: offscreen render targets and full-screen passes.

A `FullscreenPass` runs one program from `shaders/` (whose vertex stage comes from
`common/fullscreen.glsl`) over the whole screen: it reads a source texture and writes either
its own output texture or a framebuffer it is given (the last pass of a chain writes into
the animation's target). Nothing is allocated per frame; `resize` recreates the output.
"""

from __future__ import annotations

import moderngl

from visualizer.shaders import load_program


class RenderTarget:
    """A colour texture (optionally with a depth renderbuffer) and the framebuffer around it."""

    def __init__(self, ctx, size: tuple[int, int], *, depth: bool = False, components: int = 4,
                 dtype: str = "f1", filter: int = moderngl.LINEAR, repeat: bool = False) -> None:
        self.ctx = ctx
        self.depth = depth
        self.components = components
        self.dtype = dtype
        self.filter = filter
        self.repeat = repeat
        self.texture = None
        self.depth_buffer = None
        self.framebuffer = None
        self.size = size
        self._create(size)

    def _create(self, size: tuple[int, int]) -> None:
        self.size = size
        self.texture = self.ctx.texture(size, self.components, dtype=self.dtype)
        self.texture.filter = (self.filter, self.filter)
        self.texture.repeat_x = self.repeat
        self.texture.repeat_y = self.repeat
        self.depth_buffer = self.ctx.depth_renderbuffer(size) if self.depth else None
        self.framebuffer = self.ctx.framebuffer(color_attachments=[self.texture],
                                                depth_attachment=self.depth_buffer)

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size and self.texture is not None:
            return
        old = (self.framebuffer, self.depth_buffer, self.texture)
        was_bound = old[0] is not None and self.ctx.fbo is old[0]
        # Create before releasing: moderngl rebinds the current framebuffer after creating
        # one, and rebinding a deleted framebuffer is GL_INVALID_OPERATION.
        self._create(size)
        if was_bound:
            self.framebuffer.use()
        for resource in old:
            if resource is not None:
                resource.release()

    def release(self) -> None:
        for resource in (self.framebuffer, self.depth_buffer, self.texture):
            if resource is not None:
                resource.release()
        self.framebuffer = self.depth_buffer = self.texture = None


class FullscreenPass:
    """One full-screen shader pass.

    Args:
        ctx: the moderngl context.
        shader: a program file relative to `shaders/` (it includes `common/fullscreen.glsl`).
        size: the size of the pass's own output texture; None for a pass that only ever
            renders into a framebuffer given to `render` (no texture is allocated then).
        source_uniform: the sampler the source texture is bound to (unit 0).
        defines, components, dtype, filter: passed to `load_program` and the output texture.

    Uniforms that the GLSL compiler optimised away are ignored when set, so a caller can
    always pass the same keyword arguments.
    """

    def __init__(self, ctx, shader: str, size: tuple[int, int] | None = None, *,
                 source_uniform: str = "source", defines: dict[str, object] | None = None,
                 components: int = 4, dtype: str = "f1", filter: int = moderngl.LINEAR) -> None:
        self.ctx = ctx
        self.shader = shader
        self.program = load_program(ctx, shader, defines)
        self.vao = ctx.vertex_array(self.program, [])
        self._uniforms = {name: self.program[name] for name in self.program
                          if isinstance(self.program[name], moderngl.Uniform)}
        self._source = self._uniforms.get(source_uniform)
        if self._source is not None:
            self._source.value = 0
        self._texture_units: dict[str, int] = {}
        self.target = (RenderTarget(ctx, size, components=components, dtype=dtype, filter=filter)
                       if size is not None else None)

    @property
    def texture(self):
        """The pass's output texture (None for a pass without one)."""
        return self.target.texture if self.target is not None else None

    @property
    def size(self) -> tuple[int, int] | None:
        return self.target.size if self.target is not None else None

    def set(self, **uniforms) -> None:
        """Set uniforms without drawing (values stay until changed)."""
        for name, value in uniforms.items():
            member = self._uniforms.get(name)
            if member is not None:
                member.value = value

    def render(self, source=None, framebuffer=None, *, textures: dict | None = None,
               **uniforms):
        """Draw the pass and return the texture it wrote (None when drawing into `framebuffer`).

        `source` is bound to unit 0; `textures` maps further sampler names to textures
        (bound to units 1, 2, ... in the order first seen).
        """
        if source is not None:
            source.use(location=0)
        if textures:
            for name, texture in textures.items():
                unit = self._texture_units.get(name)
                if unit is None:
                    unit = self._texture_units[name] = len(self._texture_units) + 1
                    member = self._uniforms.get(name)
                    if member is not None:
                        member.value = unit
                texture.use(location=unit)
        if uniforms:
            self.set(**uniforms)
        if framebuffer is not None:
            framebuffer.use()
            self.vao.render(moderngl.TRIANGLES, vertices=3)
            return None
        if self.target is None:
            raise ValueError(f"pass {self.shader} has no output texture: give it a framebuffer")
        self.target.framebuffer.use()
        self.vao.render(moderngl.TRIANGLES, vertices=3)
        return self.target.texture

    def resize(self, size: tuple[int, int]) -> None:
        if self.target is not None:
            self.target.resize(size)

    def release(self) -> None:
        if self.target is not None:
            self.target.release()
            self.target = None
        for resource in (self.vao, self.program):
            if resource is not None:
                resource.release()
        self.vao = self.program = None
        self._uniforms = {}
        self._source = None
