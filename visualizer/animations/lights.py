"""Lights (after a Particulate.js example): a glowing strip of particles tangled on a shell.

The 2017 page simulated 3,000 particles linked in a strip (each to the two before it) around
an attractor–repulsor point at the origin, with Particulate.js, and drew them with Three.js
as additive point sprites plus the links as lines, in one HSL colour with opacity and fog,
then a bloom pass, seen from (0, 50, -40) towards the origin. After the first second the
original barely moved; here three pulse-driven parameters answer the music's sudden changes
(the shell bursts outwards and settles back, the lights flash, the camera swings round the
shell), and the camera keeps a slow orbit between them. Here the physics is
`strip_physics.StripPhysics` (vectorised numpy, a fixed tick of 0.5 per 1/60 s of song
time), the positions go to the GPU in one buffer write per frame, the points and the
lines (an index buffer made once) are two draws with additive blending into an offscreen
texture, and `visualizer.bloom.Bloom` composites that with its glow into the target.

At 1280x720 on 2-core llvmpipe a frame costs about 0.6 ms of physics, 1-5 ms of sprites
(with `size`), 2-3 ms of lines and about 5 ms of bloom.
"""

from __future__ import annotations

import math

import moderngl

from visualizer.animations.base import Animation, Frame
from visualizer.animations.scene import hsl, uniform_bytes, view_projection
from visualizer.animations.strip_physics import FORCE_RADIUS, StripPhysics, link_pairs
from visualizer.bloom import Bloom
from visualizer.passes import RenderTarget
from visualizer.shaders import load_program

N_PARTICLES = 3000
CAMERA = (0.0, 50.0, -40.0)  # at orbit angle 0
ORBIT_RAD_S = 0.12            # the camera's slow turn about the vertical axis
TARGET = (0.0, 0.0, 0.0)
FOV_Y_DEG = 40.0
NEAR, FAR = 1.0, 1000.0
FOG_DENSITY = 0.012        # exp(-(0.012 d)^2): the shell's near side ~0.7, its far side ~0.4
LINE_GAIN = 0.6            # links' brightness relative to a sprite's core
MAX_TICKS_PER_FRAME = 6    # 0.1 s (the renderer's largest step) of ticks at 60 per second
BLOOM = {"downscale": 4, "threshold": 0.04, "strength": 1.8, "sigma": 2.0}
FLASH_GLOW = 1.5           # bloom strength x (1 + FLASH_GLOW x flash)
FLASH_SWELL = 0.8          # and sprite size x (1 + FLASH_SWELL x flash)


class Lights(Animation):
    name = "lights"
    order = 2

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        super().__init__(ctx, size, seed)
        self.physics = StripPhysics(N_PARTICLES, seed, max_ticks=MAX_TICKS_PER_FRAME)
        self._uploaded_tick = -1
        self._orbit = 0.0
        self._camera_key = None
        with self.building():
            self._build()

    def _build(self) -> None:
        ctx = self.ctx
        self._points = self.own(load_program(ctx, "lights/points.glsl"))
        self._lines = self.own(load_program(ctx, "lights/lines.glsl"))
        self._positions = self.own(ctx.buffer(reserve=N_PARTICLES * 3 * 4, dynamic=True))
        self._indices = self.own(ctx.buffer(link_pairs(N_PARTICLES).astype("i4").tobytes()))
        self._points_vao = self.own(ctx.vertex_array(
            self._points, [(self._positions, "3f", "in_position")]))
        self._lines_vao = self.own(ctx.vertex_array(
            self._lines, [(self._positions, "3f", "in_position")],
            index_buffer=self._indices, index_element_size=4))
        for program in (self._points, self._lines):
            program["fog_density"].value = FOG_DENSITY
        self._lines["line_gain"].value = LINE_GAIN
        self._scene = self.own(RenderTarget(ctx, self.size))
        self._bloom = self.own(Bloom(ctx, self.size, **BLOOM))
        self._apply_size()
        self._upload()

    def _apply_size(self) -> None:
        height = self.size[1]
        self._camera_key = None
        # Three.js's attenuated point size: a sprite is size * (height / 2) / depth pixels wide
        # (5.6 pixels for size 1 at the shell's centre at 720p), whatever the field of view
        self._points["point_scale"].value = height / 2.0

    def _place_camera(self) -> None:
        """The camera at its orbit angle about the vertical axis through the shell's centre."""
        if self._camera_key == (self._orbit, self.size):
            return
        c, s = math.cos(self._orbit), math.sin(self._orbit)
        x, y, z = CAMERA
        eye = (c * x + s * z, y, -s * x + c * z)
        matrix = uniform_bytes(view_projection(self.size, FOV_Y_DEG, eye, TARGET, NEAR, FAR))
        for program in (self._points, self._lines):
            program["view_projection"].write(matrix)
            program["camera_position"].value = eye
        self._camera_key = (self._orbit, self.size)

    def _upload(self) -> None:
        """One buffer write of every position (only when the physics moved)."""
        if self._uploaded_tick != self.physics.ticks:
            self._positions.write(self.physics.positions.astype("f4").tobytes())
            self._uploaded_tick = self.physics.ticks

    def draw(self, frame: Frame, target) -> None:
        self._advance(frame.dt_s, frame.values)
        self._paint(frame.values, target)

    def _advance(self, dt_s: float, values) -> None:
        radius = FORCE_RADIUS * (1.0 + min(max(values["burst"], 0.0), 2.0))
        self.physics.advance(dt_s, values["particlesWeight"], values["edgesDistance"],
                             radius=radius)
        self._orbit = (self._orbit + (ORBIT_RAD_S + values["spin"]) * dt_s) % (2 * math.pi)

    def _paint(self, values, target) -> None:
        ctx = self.ctx
        self._upload()
        self._place_camera()
        # a flash brightens the lights and, since their cores are already white, mostly
        # widens their glow: the bloom's strength follows it
        flash = max(values["flash"], 0.0)
        self._bloom.strength = BLOOM["strength"] * (1.0 + FLASH_GLOW * flash)
        color = tuple((1.0 + flash) * channel for channel in
                      hsl(values["hue"], values["saturation"], values["lightness"]))
        opacity = values["opacity"]
        for program in (self._points, self._lines):
            program["light_color"].value = color
            program["opacity"].value = opacity
        self._points["size"].value = max(values["size"], 0.0) * (1.0 + FLASH_SWELL * flash)

        scene = self._scene.framebuffer
        scene.use()
        scene.clear(0.0, 0.0, 0.0, 1.0)
        ctx.enable_only(moderngl.BLEND | moderngl.PROGRAM_POINT_SIZE)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        self._lines_vao.render(moderngl.LINES)
        self._points_vao.render(moderngl.POINTS)
        ctx.enable_only(moderngl.NOTHING)  # the bloom's passes draw without blending
        ctx.blend_func = moderngl.DEFAULT_BLENDING
        self._bloom.render(self._scene.texture, target)

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        super().resize(size)
        self._scene.resize(size)
        self._bloom.resize(size)
        self._apply_size()
