"""Particles (after Charlie Hoey's GPU particle system): a glowing stream from a moving emitter.

The 2017 page kept up to 250,000 particles in a ring buffer. Each spawn wrote a particle's
start position, start time, velocity, turbulence, colour, size and lifetime once; the
vertex shader placed it from those and the current time alone (moved by its velocity,
pushed by a Perlin-noise texture scaled by its turbulence, shrunk with its remaining life)
and drew it as an additive point sprite. The emitter followed a Lissajous path in the
animation's own time (song time times `timeScale`), seen from z = 34 with a 55° vertical
field of view.

Here likewise nothing is simulated per frame: `update` generates only the particles born
during the frame (spawnRate per second of animation time, so about spawnRate x lifetime are
alive at once) (numpy, from a seeded generator, so the same seed, time steps and values
give the same frames) and writes just that range of the GPU ring buffer (two writes where it
wraps); `render` sets the time uniform and draws only the part of the ring that can hold live
particles (those born within the longest lifetime still running), not every slot. The
spawn times are spread evenly over the frame, and the emitter is placed at each particle's
own spawn time, so the stream stays continuous at any frame rate.

Particle sizes are pixels at a 720-line frame, scaled with the framebuffer height so the
picture is the same at 720p and 4K.

Two ways to draw the same sprites: GPUs draw them as point sprites (particles.glsl); a
software renderer (Mesa's llvmpipe), which pays about 0.2 microseconds per point primitive
however small, gets a compute shader instead (splat.glsl) that adds each sprite's glow at
the centres of the pixels it covers into integer sums, and a full-screen pass
(resolve.glsl) that adds them to the frame: 250,000 live particles at 1280x720 in about
half the time. Both place particles with the same GLSL (life.glsl) and evaluate the same
glow; they differ only in rounding (the sprites are rounded to 1/255 at every blend, the sums
to 1/128 once per particle and pixel), and each is reproducible frame for frame.

Three parameters answer the music's sharp rises at once, for every live particle (they are
uniforms, not spawn attributes): `timeScale` rushes the whole stream forward, `swell` grows
every sprite and `flash` brightens them. The stream's thickness and the colour's saturation,
which the original also mapped, are fixed at its average values to make room for them.
"""

from __future__ import annotations

from collections import deque
from functools import lru_cache

import moderngl
import numpy as np

from visualizer.animations.base import Animation, Frame
from visualizer.animations.scene import hsl, uniform_bytes, view_projection
from visualizer.gl import is_software_renderer
from visualizer.shaders import COMPUTE_GLSL_VERSION, load_compute, load_program

CAPACITY = 250_000  # the original's particle count; a benchmark may raise it
CAMERA_Z = 34.0
FOV_Y_DEG = 55.0
NEAR, FAR = 0.5, 500.0
REFERENCE_HEIGHT = 720  # `size` is in pixels at this framebuffer height

# The emitter's Lissajous path in animation time t: (20 sin 0.8t, 10 sin 0.4t, 5 sin(0.8t + 0.4))
EMITTER_AMPLITUDE = (20.0, 10.0, 5.0)
EMITTER_FREQUENCY = (0.8, 0.4, 0.8)
EMITTER_PHASE = (0.0, 0.0, 0.4)

# The original drew every random number uniformly from [-0.5, 0.5) and scaled it by the
# randomness options; its shader turned velocity v into 7.5 v world units per second.
BASE_VELOCITY = (0.0, 0.04, 0.0)  # a slight upward drift
VELOCITY_SCALE = 7.5
SIZE_RANDOMNESS = 2.0
COLOR_RANDOMNESS = 0.2
POSITION_RANDOMNESS = 0.7  # the original's average stream thickness
SATURATION = 70.0          # per cent, a little above the original's average saturation

# Turbulence: a tileable 3D Perlin-noise texture (made once), read at the particle's position
# and pushing it by up to turbulence * TURBULENCE_REACH world units, growing with its age.
NOISE_TEXELS = 32
NOISE_PERIODS = (4, 8)  # lattice cells per tile of the two octaves
NOISE_FREQUENCY = 1.0 / 48.0  # tiles per world unit: a noise cell spans 12 units
NOISE_DRIFT = (0.011, 0.004, 0.007)  # tiles per second of animation time
TURBULENCE_REACH = 60.0

PARTICLE = np.dtype([("start", "f4", 4), ("velocity", "f4", 4), ("color", "u1", 4),
                     ("life", "f4", 2)])
PARTICLE_FORMAT = ("4f 4f 4f1 2f", "in_start", "in_velocity", "in_color", "in_life")

# The compute path (see the module docstring): its sums, per pixel one packed RGB word in
# steps of 1/SPLAT_STEPS for every SPLAT_LAYER_PARTICLES drawn (at most SPLAT_MAX_LAYERS),
# and the renderers it is used on.
SPLAT_STEPS = 128
SPLAT_LAYER_PARTICLES = 125_000
SPLAT_MAX_LAYERS = 32
SPLAT_FROM = 40_000  # with "auto": fewer live slots are drawn as sprites (less fixed cost)
DRAWINGS = ("auto", "points", "splat")


def uses_splat(ctx, drawing: str) -> bool:
    """Whether `drawing` ("auto", "points" or "splat") means the compute path on `ctx`:
    "auto" picks it on a software renderer that has compute shaders (OpenGL 4.3)."""
    if drawing not in DRAWINGS:
        raise ValueError(f"drawing must be one of {', '.join(DRAWINGS)}, not {drawing!r}")
    if drawing == "auto":
        return ctx.version_code >= 430 and is_software_renderer(ctx)
    return drawing == "splat"


def ring_spans(start: int, count: int, capacity: int) -> tuple[tuple[int, int], ...]:
    """The (first slot, count) ranges of `count` consecutive slots from `start` in a ring of
    `capacity` slots: one range, or two where it wraps past the end."""
    if count <= 0:
        return ()
    if count > capacity:
        raise ValueError(f"{count} slots do not fit in a ring of {capacity}")
    start %= capacity
    first = min(count, capacity - start)
    return ((start, first),) if first == count else ((start, first), (0, count - first))


def emitter_position(t: np.ndarray) -> np.ndarray:
    """(n, 3) emitter positions at animation times `t` (the Lissajous path)."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    return np.asarray(EMITTER_AMPLITUDE) * np.sin(np.asarray(EMITTER_FREQUENCY) * t
                                                   + np.asarray(EMITTER_PHASE))


def spawn(rng: np.random.Generator, times: np.ndarray, values: dict[str, float]) -> np.ndarray:
    """Particles born at animation times `times`, as a PARTICLE array ready for the GPU."""
    count = len(times)
    noise = rng.random((count, 10), dtype=np.float32) - 0.5  # the original's random(): [-0.5, 0.5)
    particles = np.empty(count, dtype=PARTICLE)
    start = particles["start"]
    start[:, :3] = emitter_position(times) + noise[:, 0:3] * POSITION_RANDOMNESS
    start[:, 3] = times
    velocity = particles["velocity"]
    velocity[:, :3] = (np.asarray(BASE_VELOCITY) + noise[:, 3:6]
                       * values["velocityRandomness"]) * VELOCITY_SCALE
    velocity[:, 3] = values["turbulence"]
    rgb = np.array(hsl(values["hue"], SATURATION, values["lightness"]))
    colour = np.clip(rgb + noise[:, 6:9] * COLOR_RANDOMNESS, 0.0, 1.0)
    particles["color"][:, :3] = np.rint(colour * 255.0)
    particles["color"][:, 3] = 255
    particles["life"][:, 0] = np.maximum(values["size"] + noise[:, 9] * SIZE_RANDOMNESS, 0.0)
    particles["life"][:, 1] = max(values["lifetime"], 1e-3)
    return particles


def perlin_noise_volume(rng: np.random.Generator, texels: int = NOISE_TEXELS,
                        periods: tuple[int, ...] = NOISE_PERIODS) -> np.ndarray:
    """(texels, texels, texels, 4) float32: three independent tileable 3D gradient-noise
    channels (octaves of halving amplitude) scaled to [-1, 1], and a zero fourth channel."""
    axis = np.arange(texels, dtype=np.float64) / texels
    volume = np.zeros((texels, texels, texels, 4))
    for channel in range(3):
        total = np.zeros((texels,) * 3)
        for octave, period in enumerate(periods):
            gradients = rng.normal(size=(period, period, period, 3))
            gradients /= np.linalg.norm(gradients, axis=-1, keepdims=True)
            coords = np.stack(np.meshgrid(axis * period, axis * period, axis * period,
                                          indexing="ij"), axis=-1)
            cell = np.floor(coords).astype(np.int64)
            offset = coords - cell
            fade = offset ** 3 * (offset * (offset * 6.0 - 15.0) + 10.0)
            layer = np.zeros((texels,) * 3)
            for corner in np.ndindex(2, 2, 2):
                corner = np.array(corner)
                index = (cell + corner) % period
                gradient = gradients[index[..., 0], index[..., 1], index[..., 2]]
                weight = np.prod(np.where(corner == 1, fade, 1.0 - fade), axis=-1)
                layer += weight * np.sum(gradient * (offset - corner), axis=-1)
            total += layer / 2 ** octave
        volume[..., channel] = total / np.abs(total).max()
    # (the noise is isotropic and tiles on every axis, so which array axis becomes the
    # texture's x, y or z does not matter)
    return volume.astype(np.float32)


@lru_cache(maxsize=4)
def noise_texture_data(seed: int) -> bytes:
    """The noise volume for a seed as half floats (made once per seed: about 0.1 s)."""
    return perlin_noise_volume(np.random.default_rng([seed, 1])).astype(np.float16).tobytes()


class Particles(Animation):
    name = "particles"
    order = 1
    capacity: int = CAPACITY  # ring size (default for new instances); `Particles.capacity = 2_000_000` for benchmarks
    drawing: str = "auto"  # "points", "splat" or "auto" (see uses_splat); tests compare both

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0, *,
                 capacity: int | None = None) -> None:
        super().__init__(ctx, size, seed)
        self.capacity = int(capacity if capacity is not None else type(self).capacity)
        if self.capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {self.capacity}")
        self._current = self.defaults  # the values of the last frame that moved
        self._rng = np.random.default_rng([seed, 0])
        self.time = 0.0  # the animation's own clock
        self._pending = 0.0  # fractional particle left over from the last frame
        self.spawned = 0  # particles ever spawned; slot = serial % capacity
        # (first serial, last death time) per frame's batch, oldest first: the batches that
        # may still hold live particles
        self._batches: deque[tuple[int, float]] = deque()
        with self.building():
            self._build()

    @property
    def particle_buffer(self):
        """The GPU ring of particles (PARTICLE records, `capacity` of them)."""
        return self._particles

    def _build(self) -> None:
        ctx = self.ctx
        self._particles = self.own(ctx.buffer(reserve=self.capacity * PARTICLE.itemsize,
                                              dynamic=True))
        drawing = type(self).drawing
        self._programs = []  # the sprites' and/or the splat's: both take the same uniforms
        self._sprites = self._splat_program = None
        if drawing != "splat":
            self._sprites = self.own(load_program(ctx, "particles/particles.glsl"))
            self._vao = self.own(ctx.vertex_array(self._sprites,
                                                  [(self._particles, *PARTICLE_FORMAT)]))
            self._programs.append(self._sprites)
        self._sums = None
        if uses_splat(ctx, drawing):
            defines = {"RECORD_FLOATS": PARTICLE.itemsize // 4, "STEPS": SPLAT_STEPS}
            self._splat_program = self.own(load_compute(ctx, "particles/splat.glsl", defines))
            self._resolves: dict[int, tuple] = {}  # layers: (program, vertex array)
            self._programs.append(self._splat_program)
        self._noise = self.own(ctx.texture3d((NOISE_TEXELS,) * 3, 4,
                                             noise_texture_data(self.seed), dtype="f2"))
        self._noise.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self._noise.repeat_x = self._noise.repeat_y = self._noise.repeat_z = True
        self._set(noise=0, noise_frequency=NOISE_FREQUENCY, noise_drift=NOISE_DRIFT,
                  turbulence_reach=TURBULENCE_REACH)
        self._apply_size()

    def _set(self, **uniforms) -> None:
        for program in self._programs:
            for name, value in uniforms.items():
                program[name].value = value

    def _apply_size(self) -> None:
        matrix = uniform_bytes(view_projection(self.size, FOV_Y_DEG, (0.0, 0.0, CAMERA_Z),
                                               near=NEAR, far=FAR))
        for program in self._programs:
            program["view_projection"].write(matrix)
        self._set(point_scale=self.size[1] / REFERENCE_HEIGHT)
        if self._splat_program is not None:
            self._splat_program["frame_size"].value = self.size
            for program, _ in self._resolves.values():
                program["frame_size"].value = self.size
            if self._sums is not None:
                self.disown(self._sums)
                self._sums = None  # made again, at the new size, by the next splat

    def _advance(self, dt_s: float, values) -> None:
        if dt_s <= 0.0:  # paused: nothing moves, nothing is born
            return
        self._current = values
        before = self.time
        step = dt_s * max(values["timeScale"], 0.0)  # the original's `delta`
        self.time += step
        # spawnRate particles per second of animation time, as in the original (its frame
        # spawned spawnRate x delta, delta already scaled by timeScale); the fraction
        # carries over to the next frame
        wanted = self._pending + max(values["spawnRate"], 0.0) * step
        count = int(wanted)
        if count > 0:
            # particle k of this frame is born when the running count passes k + 1
            first = max(count - self.capacity, 0)  # more than the ring holds: keep the newest
            crossings = (np.arange(first, count, dtype=np.float64) + 1.0 - self._pending) \
                / (wanted - self._pending)
            births = before + np.minimum(crossings, 1.0) * (self.time - before)
            self._write(spawn(self._rng, births, values).tobytes())
            self._batches.append((self.spawned - (count - first), self.time + values["lifetime"]))
        self._pending = wanted - count
        while self._batches and self._batches[0][1] <= self.time:
            self._batches.popleft()

    def _write(self, data: bytes) -> None:
        """Write whole particles at the ring's head (two writes where it wraps)."""
        stride = PARTICLE.itemsize
        count = len(data) // stride
        done = 0
        for slot, n in ring_spans(self.spawned, count, self.capacity):
            self._particles.write(data[done * stride:(done + n) * stride], offset=slot * stride)
            done += n
        self.spawned += count

    def live_spans(self) -> tuple[tuple[int, int], ...]:
        """The ring ranges that may hold live particles: from the oldest batch not yet dead."""
        oldest = self._batches[0][0] if self._batches else self.spawned
        return ring_spans(oldest, min(self.spawned - oldest, self.capacity), self.capacity)

    def splatting(self, drawn: int) -> bool:
        """Whether a frame that draws `drawn` ring slots takes the compute path: always where
        it is the only one built, never where it is not, and otherwise (`drawing` "auto" on
        a software renderer) from SPLAT_FROM slots, where it starts to cost less than the
        sprites."""
        if self._splat_program is None:
            return False
        return self._sprites is None or drawn >= SPLAT_FROM

    def draw(self, frame: Frame, target) -> None:
        self._advance(frame.dt_s, frame.values)
        spans = self.live_spans()
        if not spans:
            return
        ctx = self.ctx
        self._noise.use(location=0)
        self._set(time=self.time, size_gain=1.0 + max(self._current["swell"], 0.0),
                  gain=1.0 + max(self._current["flash"], 0.0))
        drawn = sum(count for _, count in spans)
        if self.splatting(drawn):
            self._splat(spans, drawn)
            return
        # additive sprites: no depth test or write
        ctx.enable_only(moderngl.BLEND | moderngl.PROGRAM_POINT_SIZE)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        for first, count in spans:
            self._vao.render(moderngl.POINTS, vertices=count, first=first)

    def _splat(self, spans, drawn: int) -> None:
        """The compute path: sums of every sprite's glow (`drawn` slots in `spans`), then
        added to the frame."""
        ctx = self.ctx
        layers = min(max(-(-drawn // SPLAT_LAYER_PARTICLES), 1), SPLAT_MAX_LAYERS)
        layer_bytes = self.size[0] * self.size[1] * 4
        if self._sums is None or self._sums.size < layers * layer_bytes:
            if self._sums is not None:
                self.disown(self._sums)
            self._sums = self.own(ctx.buffer(reserve=layers * layer_bytes))
        self._sums.clear(size=layers * layer_bytes)
        self._splat_program["layers"].value = layers
        self._particles.bind_to_storage_buffer(0)
        self._sums.bind_to_storage_buffer(1)
        for first, count in spans:
            self._splat_program["first"].value = first
            self._splat_program["count"].value = count
            self._splat_program.run(group_x=-(-count // 64))
        ctx.memory_barrier()
        ctx.enable_only(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE
        self._resolve_for(layers).render(moderngl.TRIANGLES, vertices=3)

    def _resolve_for(self, layers: int):
        """The resolve pass's vertex array for `layers` layers (compiled on first use)."""
        if layers not in self._resolves:
            program = self.own(load_program(self.ctx, "particles/resolve.glsl",
                                            {"LAYERS": layers, "STEPS": SPLAT_STEPS},
                                            version=COMPUTE_GLSL_VERSION))
            program["frame_size"].value = self.size
            self._resolves[layers] = (program, self.own(self.ctx.vertex_array(program, [])))
        return self._resolves[layers][1]

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        super().resize(size)
        self._apply_size()
