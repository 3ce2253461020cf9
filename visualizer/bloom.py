"""Bloom: a picture's bright parts, blurred at low resolution and added back over it.

    bloom = Bloom(ctx, size)                         # once
    bloom.render(scene_texture, target_framebuffer)  # per frame
    bloom.resize(size); bloom.release()

Four full-screen passes (`shaders/common/bright.glsl`, `blur.glsl` twice, `composite.glsl`):
a bright pass that keeps what is above `threshold` and averages it down to 1/`downscale` of
the size, a separable Gaussian blur of standard deviation `sigma` small texels (fixed at
construction) on that small texture, horizontal then vertical, and a composite that writes
source + `strength` × blur into the target. Only the composite runs at full resolution,
which is what keeps a software rasteriser fast (at 1280x720 on 2-core llvmpipe each small
pass costs under 1 ms, the composite about 3 ms). `threshold` and `strength` are plain
attributes that may change between frames; the glow's width on screen is about
`sigma` × `downscale` pixels.

The source texture must have the target's size (the composite reads it texel for texel).
The passes draw with blending and depth testing disabled, and leave them disabled.
"""

from __future__ import annotations

import math
import struct

import moderngl

from visualizer.passes import FullscreenPass

MAX_TAPS = 8  # fetches on each side of the centre (sigma up to 6 small texels)


def gaussian_taps(sigma: float) -> tuple[float, list[tuple[float, float]]]:
    """(centre weight, [(offset, weight)] per bilinear fetch on one side) of a Gaussian.

    The kernel covers 2.5 sigma (rounded up to whole texels) on each side and sums to 1;
    neighbouring texels k, k + 1 share one fetch at their weighted centre.
    """
    reach = max(1, math.ceil(2.5 * sigma))
    if reach > 2 * MAX_TAPS:
        raise ValueError(f"sigma {sigma} is too wide for {MAX_TAPS} taps")
    weights = [math.exp(-0.5 * (k / sigma) ** 2) for k in range(reach + 1)]
    total = weights[0] + 2.0 * sum(weights[1:])
    weights = [w / total for w in weights]
    taps = []
    for k in range(1, reach + 1, 2):
        pair = weights[k] + (weights[k + 1] if k + 1 <= reach else 0.0)
        offset = (k * weights[k] + ((k + 1) * weights[k + 1] if k + 1 <= reach else 0.0)) / pair
        taps.append((offset, pair))
    return weights[0], taps


class Bloom:
    """Bright pass -> blur (x, then y) at 1/`downscale` size -> composite into a target."""

    def __init__(self, ctx, size: tuple[int, int], *, downscale: int = 4, threshold: float = 0.25,
                 strength: float = 1.0, sigma: float = 2.0) -> None:
        if downscale < 1 or not sigma > 0:
            raise ValueError("downscale must be at least 1 and sigma positive")
        self.ctx = ctx
        self.downscale = downscale
        self.threshold = threshold
        self.strength = strength
        self.size = size
        self._passes: list[FullscreenPass] = []
        try:
            small = self.small_size(size)
            center, taps = gaussian_taps(sigma)
            self._bright = self._pass("common/bright.glsl", small)
            self._blur_x = self._pass("common/blur.glsl", small, {"TAP_COUNT": len(taps)})
            self._blur_y = self._pass("common/blur.glsl", small, {"TAP_COUNT": len(taps)})
            self._composite = self._pass("common/composite.glsl", None)
            for blur in (self._blur_x, self._blur_y):
                blur.set(center_weight=center)
                blur.program["taps"].write(struct.pack(f"{2 * len(taps)}f", *sum(taps, ())))
        except BaseException:
            self.release()
            raise
        self.sigma = sigma

    def _pass(self, shader: str, size, defines: dict | None = None) -> FullscreenPass:
        created = FullscreenPass(self.ctx, shader, size, defines=defines)
        self._passes.append(created)
        return created

    def small_size(self, size: tuple[int, int]) -> tuple[int, int]:
        return (max(1, -(-size[0] // self.downscale)), max(1, -(-size[1] // self.downscale)))

    @property
    def texture(self):
        """The blurred bright part from the last `render` (small; for inspection)."""
        return self._blur_y.texture

    def render(self, source_texture, target_framebuffer) -> None:
        """Write `source_texture` plus its bloom into `target_framebuffer` (full size)."""
        self.ctx.enable_only(moderngl.NOTHING)
        width, height = source_texture.size
        small_w, small_h = self._bright.size
        self._bright.render(source_texture, source_texel=(1.0 / width, 1.0 / height),
                            threshold=self.threshold)
        blurred = self._blur_x.render(self._bright.texture, direction=(1.0 / small_w, 0.0))
        blurred = self._blur_y.render(blurred, direction=(0.0, 1.0 / small_h))
        self._composite.render(source_texture, target_framebuffer, textures={"bloom": blurred},
                               strength=self.strength)

    def resize(self, size: tuple[int, int]) -> None:
        self.size = size
        small = self.small_size(size)
        for blur_pass in (self._bright, self._blur_x, self._blur_y):
            blur_pass.resize(small)

    def release(self) -> None:
        while self._passes:
            self._passes.pop().release()
