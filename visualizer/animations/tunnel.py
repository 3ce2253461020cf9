"""Tunnel: a flight through a winding tube of neon-framed panels (analytic, no raymarching).

Every pixel finds the depth of the tube wall it sees by a short 1D search along its ray (the
tube winds along a smooth path, see `shaders/tunnel/tunnel.glsl`), then tiles the wall in
angle and depth. The wall is drawn at half resolution and upscaled with a vignette: the
picture is made of soft glows, so the upscale costs little that shows and keeps llvmpipe
well above 60 fps at 1280x720.

Motion is integrated here from song time only: `path_phase` (distance flown), `ring_phase`
(rings passed) and `spin` (the twist carried along) advance by `dt`, so a paused song
freezes the picture and the same dt sequence gives the same frames. Slow structural
parameters are eased towards their (rate-limited, hence stepwise) values over ~0.3 s so a
new value glides in instead of jumping; the punchy ones (speed, glow, flash: pulses) are used as is.
"""

from __future__ import annotations

import math

from visualizer.animations.base import Animation, Frame
from visualizer.passes import FullscreenPass

TAU = 2.0 * math.pi
K = TAU / 96.0          # path frequencies are multiples of K (see tunnel.glsl)
PATH_PERIOD = 96.0      # the path repeats after this distance
RING_PERIOD = 4096.0    # ring_phase wraps here (the shader's tile lottery repeats as often)
RESOLUTION = 0.5        # the wall pass renders at this fraction of the frame size
EASE_S = 0.3            # time constant of the easing of structural parameters
EASED = ("twist", "rings", "hue", "hue_spread", "fog", "sway")
BANK = 1.2              # camera roll per unit of sideways path slope, times sway
VIGNETTE = 0.9


def psin_slope(x: float) -> float:
    """d/dx of tunnel.glsl's `psin` (a piecewise-parabola sine)."""
    a = x / math.pi
    a -= 2.0 * math.floor(0.5 * a + 0.5)
    return 4.0 / math.pi * (1.0 - 2.0 * abs(a))


def path_slope_x(w: float) -> float:
    """d/dw of the path's x (mirrors `path_slope` in tunnel.glsl)."""
    return K * (3.0 * psin_slope(2.0 * K * w) + 3.0 * psin_slope(5.0 * K * w + 1.0))


class Tunnel(Animation):
    name = "tunnel"
    order = 4

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        super().__init__(ctx, size, seed)
        self._eased = {name: self.defaults[name] for name in EASED}
        # the seed picks where along the path the flight starts and the tile lottery
        self._path_phase = (seed * 7.31) % PATH_PERIOD
        self._ring_phase = 0.0
        self._spin = 0.0
        with self.building():
            self._wall = self.own(FullscreenPass(ctx, "tunnel/tunnel.glsl", self._wall_size(size)))
            self._upscale = self.own(FullscreenPass(ctx, "tunnel/upscale.glsl"))
        self._wall.set(seed_hash=float((seed * 97) % 1024))
        self._upscale.set(vignette=VIGNETTE)
        self._apply_size()

    @staticmethod
    def _wall_size(size: tuple[int, int]) -> tuple[int, int]:
        return (max(1, round(size[0] * RESOLUTION)), max(1, round(size[1] * RESOLUTION)))

    def _apply_size(self) -> None:
        width, height = max(self.size[0], 1), max(self.size[1], 1)
        short = min(width, height)  # the shorter side spans -1..1: portrait frames are not zoomed
        self._wall.set(aspect_scale=(width / short, height / short))

    def draw(self, frame: Frame, target) -> None:
        values, eased, dt_s = frame.values, self._eased, frame.dt_s
        self.ease(eased, values, EASED, dt_s, EASE_S)
        speed = values["speed"]
        self._path_phase = (self._path_phase + speed * dt_s) % PATH_PERIOD
        self._ring_phase = (self._ring_phase + speed * eased["rings"] * dt_s) % RING_PERIOD
        self._spin = (self._spin + speed * eased["twist"] * dt_s) % TAU
        self._wall.render(
            path_phase=self._path_phase, ring_phase=self._ring_phase, spin=self._spin,
            roll=-BANK * eased["sway"] * path_slope_x(self._path_phase),
            twist=eased["twist"], rings=eased["rings"], segments=float(values["segments"]),
            hue=eased["hue"], hue_spread=eased["hue_spread"], glow=values["glow"],
            fog=eased["fog"], sway=eased["sway"], pulse=values["flash"])
        self._upscale.render(self._wall.texture, target)

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        super().resize(size)
        self._wall.resize(self._wall_size(size))
        self._apply_size()
