"""Field: Gray–Scott reaction–diffusion carried by a flow (feedback), lit as a glossy relief.

The state (chemicals U and V per cell, float32) lives in a ping-pong pair of render targets
at a fixed field resolution (FIELD_SHORT cells across the frame's shorter side, never more
cells than the frame has pixels), so the pattern has the same scale on screen at any window
size and costs the same. Each frame:

1. advect: the state is carried dt upstream along a zoom + rotation + swirl flow, and the
   five emitters (on Lissajous orbits) pour in fresh V;
2. react: Gray–Scott steps at a fixed rate of STEPS_PER_S per second of song time (at most
   MAX_STEPS per frame, so a slow frame does not snowball into a slower one);
3. shade: V, its gradient and U into one texture at field resolution;
4. colour: upscale to the frame, thresholding V per pixel (crisp edges at any scale) and
   lighting its gradient as a relief.

Everything advances by dt only (paused: dt = 0, no step, the picture holds) and starts from
a seeded state, so a seed and a dt sequence give the same frames. Per frame the Python side
writes uniforms and swaps two references; nothing is allocated.
"""

from __future__ import annotations

import math

import numpy as np

from visualizer.animations.base import Animation, Frame
from visualizer.passes import FullscreenPass, RenderTarget

FIELD_SHORT = 180       # cells across the grid's shorter side (fewer if the frame is smaller)
MAX_ASPECT = 4.0        # the longer side has at most this many times FIELD_SHORT cells
STEPS_PER_S = 480.0     # reaction–diffusion steps per second of song time (8 per 60 fps frame)
MAX_STEPS = 16          # per frame
EMITTERS = 5
EMITTER_RADIUS = 0.035  # in field units (the short side is 2), at inject 0.5
# a gush of inject also widens the emitters, so a sudden change shows at once as a bigger blot
EMITTER_WIDENING = 3.0   # radius = EMITTER_RADIUS * (1 + EMITTER_WIDENING * (inject - 0.5))
SEED_SPOTS = 90         # spots of V in the initial state (enough to fill the frame soon)
# The kill rates at which Gray–Scott patterns live form a narrow band that moves with the
# feed rate (Pearson's map). Measured with this scheme (Du = 1, Dv = 0.5, 9-point Laplacian,
# unit step; 96x96 cells from seeded spots, 1000 and 3000 steps): the band's centre and half
# width at these feed rates. `kill` in [-1, 1] picks a rate across the band, so every
# (feed, kill) pair keeps a pattern alive: V > 0.2 on 7-63% of the cells at the corners,
# from sparse dots (kill 1) to a dense maze with holes (kill -1).
KILL_BAND_FEED = (0.022, 0.030, 0.037, 0.044, 0.050)
KILL_BAND_CENTRE = (0.0565, 0.0595, 0.0610, 0.0620, 0.0625)
KILL_BAND_HALF_WIDTH = (0.0030, 0.0030, 0.0025, 0.0022, 0.0020)
EASE_S = 0.3            # time constant of the easing of structural parameters
EASED = ("feed", "kill", "spin", "hue", "hue_spread", "contrast")


def _interpolate(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    """Piecewise-linear y(x) through the points, constant beyond the ends."""
    if x <= xs[0]:
        return ys[0]
    for i in range(1, len(xs)):
        if x <= xs[i]:
            a = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
            return ys[i - 1] + a * (ys[i] - ys[i - 1])
    return ys[-1]


def kill_rate(feed: float, kill: float) -> float:
    """The Gray–Scott kill rate for `feed` and a position `kill` in [-1, 1] across the band."""
    return (_interpolate(feed, KILL_BAND_FEED, KILL_BAND_CENTRE)
            + kill * _interpolate(feed, KILL_BAND_FEED, KILL_BAND_HALF_WIDTH))


def field_size(size: tuple[int, int]) -> tuple[int, int]:
    """The simulation grid for a frame of `size`: FIELD_SHORT cells across its shorter side."""
    width, height = max(size[0], 1), max(size[1], 1)
    scale = min(1.0, FIELD_SHORT / min(width, height))
    longest = round(FIELD_SHORT * MAX_ASPECT)
    return (max(1, min(round(width * scale), longest)), max(1, min(round(height * scale), longest)))


def initial_state(size: tuple[int, int], seed: int) -> np.ndarray:
    """(rows, columns, 2) float32: U = 1, V = 0 with SEED_SPOTS seeded spots of V."""
    columns, rows = size
    rng = np.random.default_rng(seed)
    state = np.zeros((rows, columns, 2), dtype=np.float32)
    state[..., 0] = 1.0
    y, x = np.mgrid[0:rows, 0:columns]
    for cx, cy, r in zip(rng.uniform(0, columns, SEED_SPOTS), rng.uniform(0, rows, SEED_SPOTS),
                         rng.uniform(2.0, 5.0, SEED_SPOTS)):
        spot = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        state[spot] = (0.5, 0.25)
    return state


class Field(Animation):
    name = "field"
    order = 5

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        super().__init__(ctx, size, seed)
        self._eased = {name: self.defaults[name] for name in EASED}
        rng = np.random.default_rng(seed)
        # emitter orbits: amplitudes (in units of the half extents), frequencies, phases
        self._orbit_amplitude = rng.uniform(0.35, 0.85, (EMITTERS, 2))
        self._orbit_frequency = rng.uniform(0.15, 0.45, (EMITTERS, 2)) * rng.choice((-1, 1), (EMITTERS, 2))
        self._orbit_phase = rng.uniform(0.0, 2.0 * math.pi, (EMITTERS, 2))
        self._time = 0.0           # song time seen by this animation (orbits)
        self._flow_phase = 0.0
        self._step_debt = 0.0      # fractional reaction steps carried to the next frame
        self.steps_last_frame = 0  # reaction steps the last frame ran (at most MAX_STEPS)
        with self.building():
            self._build()

    @property
    def state_texture(self):
        """The current reaction-diffusion state: two float channels (U, V) per cell."""
        return self._state[self._current].texture

    def _build(self) -> None:
        ctx = self.ctx
        self._grid = field_size(self.size)
        self._state = [self.own(RenderTarget(ctx, self._grid, components=2, dtype="f4"))
                       for _ in range(2)]
        self._state[0].texture.write(initial_state(self._grid, self.seed).tobytes())
        self._current = 0
        self._advect = self.own(FullscreenPass(ctx, "field/advect.glsl", defines={"EMITTERS": EMITTERS}))
        self._react = self.own(FullscreenPass(ctx, "field/react.glsl"))
        self._shade = self.own(FullscreenPass(ctx, "field/shade.glsl"))
        # the shade pass writes two colour textures at field resolution (see shade.glsl)
        self._pattern = self._ground = self._shaded = None
        self._make_shaded()
        self._colour = self.own(FullscreenPass(ctx, "field/colour.glsl"))
        self._emitters = self._advect.program["emitters"]
        self._apply_size()

    def _make_shaded(self) -> None:
        """(Re)create the shade pass's two textures and their framebuffer at the grid size."""
        old = [resource for resource in (self._shaded, self._pattern, self._ground) if resource]
        self._pattern = self.ctx.texture(self._grid, 4)
        self._ground = self.ctx.texture(self._grid, 4)
        self._shaded = self.ctx.framebuffer(color_attachments=[self._pattern, self._ground])
        for resource in (self._pattern, self._ground, self._shaded):
            self.own(resource)
        for resource in old:
            self.disown(resource)

    def _apply_size(self) -> None:
        columns, rows = self._grid
        short = min(columns, rows)
        self._extent = (columns / short, rows / short)  # half extents: the short side spans -1..1
        self._advect.set(aspect_scale=self._extent)
        self._shade.set(aspect_scale=self._extent)

    def _emitter_positions(self) -> np.ndarray:
        angles = self._orbit_frequency * self._time + self._orbit_phase
        return (self._orbit_amplitude * np.sin(angles) * self._extent).astype("f4")

    def draw(self, frame: Frame, target) -> None:
        values, eased, dt_s = frame.values, self._eased, frame.dt_s
        self.ease(eased, values, EASED, dt_s, EASE_S)
        self._time = (self._time + dt_s) % 10_000.0
        self._flow_phase = (self._flow_phase + dt_s * (0.15 + 2.0 * values["flow"])) % (2000.0 * math.pi)
        wanted = self._step_debt + dt_s * STEPS_PER_S
        steps = math.floor(wanted)
        self._step_debt = wanted - steps if steps <= MAX_STEPS else 0.0
        self.steps_last_frame = min(steps, MAX_STEPS)
        if dt_s > 0.0:  # paused or the same moment again: the state holds
            self._emitters.write(self._emitter_positions().tobytes())
            self._advance(self._advect, dt=dt_s, zoom=values["zoom"], spin=eased["spin"],
                          flow=values["flow"], flow_phase=self._flow_phase,
                          inject=values["inject"], emitter_radius=EMITTER_RADIUS
                          * max(1.0 + EMITTER_WIDENING * (values["inject"] - 0.5), 0.2))
            self._react.set(feed=eased["feed"], kill=kill_rate(eased["feed"], eased["kill"]))
            for _ in range(self.steps_last_frame):
                self._advance(self._react)
        self._shade.render(self._state[self._current].texture, self._shaded,
                           hue=eased["hue"], hue_spread=eased["hue_spread"], relief=values["relief"],
                           contrast=eased["contrast"])
        self._colour.render(self._pattern, target, textures={"ground": self._ground},
                            contrast=eased["contrast"])

    def _advance(self, program: FullscreenPass, **uniforms) -> None:
        """One ping-pong step: the current state through `program` into the other target."""
        source, destination = self._state[self._current], self._state[1 - self._current]
        program.render(source.texture, destination.framebuffer, **uniforms)
        self._current = 1 - self._current

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        super().resize(size)
        grid = field_size(size)
        if grid != self._grid:
            # resample the state into the new grid: the spare target takes the new size and
            # receives the current state through the flow pass at rest (dt = 0: a copy)
            spare = self._state[1 - self._current]
            spare.resize(grid)
            self._grid = grid
            self._apply_size()
            self._advance(self._advect, dt=0.0, inject=0.0)
            self._state[1 - self._current].resize(grid)
            self._make_shaded()
