"""The one piece of code that turns (song time, features, mapping) into a frame.

The window, the video writer and the terminal are front ends: they ask the renderer for a
frame at a song time and show it, write it or print it.
"""

from __future__ import annotations

from collections.abc import Mapping as ValueMapping

import moderngl
import numpy as np

from encoder.features import Features
from visualizer.animations import Animation, Frame, animation_class
from visualizer.mapping import LiveParameterTrack, Mapping, ParameterTrack
from visualizer.parameters import Parameter

MAX_STEP_S = 0.1  # a seek or a stall must not make a simulation jump


class Renderer:
    """Owns the animation and the offscreen framebuffer it draws into."""

    def __init__(self, ctx, size: tuple[int, int], animation: str, mapping: Mapping,
                 seed: int = 0, parameters: tuple[Parameter, ...] | None = None) -> None:
        self.ctx = ctx
        self.size = size
        self.seed = seed
        self.mapping = mapping
        self.features = None  # a song's Features, or LiveFeatures (encoder.live_features)
        self._parameters: tuple[Parameter, ...] = ()
        self._track: ParameterTrack | LiveParameterTrack | None = None
        self._last_time_s: float | None = None
        self._frame_index = 0
        self.values: dict[str, float] = {}
        self._color = ctx.texture(size, 4)
        self._depth = ctx.depth_renderbuffer(size)
        self.framebuffer = ctx.framebuffer(color_attachments=[self._color],
                                           depth_attachment=self._depth)
        self.animation: Animation = self._create(animation, parameters)

    @property
    def texture(self):
        """The colour texture holding the last frame."""
        return self._color

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """The current animation's parameters, with any preset overrides applied."""
        return self._parameters

    @property
    def animation_name(self) -> str:
        return self.animation.name

    def _create(self, name: str, parameters: tuple[Parameter, ...] | None = None) -> Animation:
        cls = animation_class(name)
        animation = cls(self.ctx, self.size, self.seed)
        self._parameters = parameters or cls.parameters()
        self._rebuild_track()
        return animation

    def _rebuild_track(self) -> None:
        if self.features is None:
            self._track = None
        elif isinstance(self.features, Features):
            self._track = ParameterTrack(self._parameters, self.mapping, self.features)
        else:
            self._track = LiveParameterTrack(self._parameters, self.mapping, self.features)
        self.values = {p.name: p.start_value for p in self._parameters}

    def set_animation(self, name: str, mapping: Mapping | None = None,
                      parameters: tuple[Parameter, ...] | None = None) -> None:
        """Replace the animation (releasing every GL object of the old one first), optionally
        with a new mapping and overridden parameters (from a preset)."""
        self.animation.release()
        if mapping is not None:
            self.mapping = mapping
        self.animation = self._create(name, parameters)
        self._last_time_s = None
        self._frame_index = 0

    def set_mapping(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self._rebuild_track()

    def set_features(self, features) -> None:
        """A song's `Features` (values at the song time asked for), `LiveFeatures` (the newest
        values, whatever the time) or None (every parameter at its default)."""
        self.features = features
        self._rebuild_track()
        self._last_time_s = None

    def feature_values(self, time_s: float):
        """The 10 blur1 features at `time_s` (for the HUD's bars), or None before any song."""
        if self.features is None:
            return None
        if not isinstance(self.features, Features):
            return self.features.blur(1)
        return self.features.blur(1)[self.features.frame_index(time_s)]

    def render(self, time_s: float) -> None:
        """Draw the frame for song time `time_s` into `self.framebuffer`."""
        dt = 0.0 if self._last_time_s is None else min(max(time_s - self._last_time_s, 0.0), MAX_STEP_S)
        self._last_time_s = time_s
        if self._track is not None:
            self.values = self._track.values_at(time_s)
        self.draw(dt, self.values, time_s)

    def draw(self, dt_s: float, values: ValueMapping[str, float], time_s: float = 0.0) -> None:
        """Advance the animation by `dt_s` with these parameter values and draw the frame into
        `self.framebuffer` (what `render` does after reading the song's track; tests and
        tools that set values by hand call it directly)."""
        frame = Frame(time_s=time_s, dt_s=dt_s, index=self._frame_index, size=self.size,
                      values=self.animation.frame_values(values))
        self._frame_index += 1
        self.framebuffer.use()
        self.framebuffer.clear(0.0, 0.0, 0.0, 1.0)
        reset_gl_state(self.ctx)
        self.animation.draw(frame, self.framebuffer)
        reset_gl_state(self.ctx)

    def read_rgb(self) -> np.ndarray:
        """The last frame as an (height, width, 3) uint8 array, top row first."""
        data = self.framebuffer.read(components=3, alignment=1)
        width, height = self.size
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1]

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        old = (self.framebuffer, self._color, self._depth)
        self.size = size
        self._color = self.ctx.texture(size, 4)
        self._depth = self.ctx.depth_renderbuffer(size)
        self.framebuffer = self.ctx.framebuffer(color_attachments=[self._color],
                                                depth_attachment=self._depth)
        self.framebuffer.use()  # never leave a released framebuffer bound
        for resource in old:
            resource.release()
        self.animation.resize(size)

    def release(self) -> None:
        self.animation.release()
        # moderngl rebinds "the current framebuffer" after creating one: it must not be ours.
        self.ctx.detect_framebuffer(0).use()
        for resource in (self.framebuffer, self._color, self._depth):
            resource.release()


def reset_gl_state(ctx) -> None:
    """The state every animation starts from and leaves behind: no depth test, blending,
    culling or program point size; the default blend function."""
    ctx.enable_only(moderngl.NOTHING)
    ctx.blend_equation = moderngl.FUNC_ADD
    ctx.blend_func = moderngl.DEFAULT_BLENDING
