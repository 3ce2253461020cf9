"""The GPU side of a render: the renderer's RGBA texture -> I420 bytes, read back through two
pixel buffers in turn.

The colour conversion and the vertical flip happen on the GPU (`shaders/common/i420.glsl`),
so only 1.5 bytes per pixel travel; the frame read last time is collected while this one is
in flight.
"""

from __future__ import annotations

import numpy as np

from visualizer.shaders import load_program

SHADER = "common/i420.glsl"


class I420Readback:
    """Converts frames to I420 on the GPU and reads them back one frame behind, through two
    pixel buffers used in turn, so the GPU works on frame n while frame n-1 is collected.

    Frames come back as (h * 3/2, w) uint8 arrays: PyAV's yuv420p layout, top row first.
    """

    def __init__(self, ctx, size: tuple[int, int]) -> None:
        import moderngl

        self.ctx = ctx
        self.size = size
        width, height = size
        pack_size = (-(-width // 16), height * 3 // 2)
        self.row_bytes = pack_size[0] * 16
        self._resources = []
        self._passes = []
        for defines, rows in (({}, (0, height)), ({"CHROMA": 1}, (height, height // 2))):
            program = self._own(load_program(ctx, SHADER, defines))
            program["size"].value = size
            program["source"].value = 0
            vao = self._own(ctx.vertex_array(program, []))
            self._passes.append((vao, (0, rows[0], pack_size[0], rows[1])))
        self.texture = self._own(ctx.texture(pack_size, 4, dtype="u4"))
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.framebuffer = self._own(ctx.framebuffer(color_attachments=[self.texture]))
        self._buffers = [self._own(ctx.buffer(reserve=self.row_bytes * pack_size[1]))
                         for _ in range(2)]
        self._submitted = 0
        self._collected = 0

    def _own(self, resource):
        self._resources.append(resource)
        return resource

    def submit(self, texture) -> np.ndarray | None:
        """Convert `texture` (RGBA, `size`) and start reading it; returns the previous frame,
        or None for the first one."""
        import moderngl

        self.ctx.enable_only(moderngl.NOTHING)
        self.framebuffer.use()
        texture.use(location=0)
        for vao, viewport in self._passes:
            self.framebuffer.viewport = viewport
            vao.render(moderngl.TRIANGLES, vertices=3)
        self.framebuffer.viewport = (0, 0, *self.texture.size)
        self.framebuffer.read_into(self._buffers[self._submitted % 2], components=4,
                                   alignment=1, dtype="u4")
        self._submitted += 1
        return self.collect() if self._submitted - self._collected > 1 else None

    def collect(self) -> np.ndarray | None:
        """The oldest frame not yet collected (None when none is pending)."""
        if self._collected == self._submitted:
            return None
        data = self._buffers[self._collected % 2].read()
        self._collected += 1
        width, height = self.size
        packed = np.frombuffer(data, dtype=np.uint8).reshape(height * 3 // 2, self.row_bytes)
        return packed if self.row_bytes == width else np.ascontiguousarray(packed[:, :width])

    def release(self) -> None:
        # moderngl rebinds "the current framebuffer" after creating one: it must not be ours.
        if self.ctx.fbo is self.framebuffer:
            self.ctx.detect_framebuffer(0).use()
        while self._resources:
            self._resources.pop().release()
