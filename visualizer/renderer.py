"""The one piece of code that turns (song time, features, mapping) into a frame.

The window, the video writer and the terminal are front ends: they ask the renderer for a
frame at a song time and show it, write it or print it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping as ValueMapping

import moderngl
import numpy as np

from encoder.features import Features
from visualizer.animations import Animation, Frame, animation_class
from visualizer.mapping import LiveParameterTrack, Mapping, ParameterTrack
from visualizer.parameters import Parameter
from visualizer.scenes.inputs import SceneInputs
from visualizer.transitions import Blend, TransitionSettings, ease, pick_style

MAX_STEP_S = 0.1  # a seek or a stall must not make a simulation jump


class Layer:
    """An outgoing look during a blend: its animation, its parameter track and the
    framebuffer it keeps drawing into until the blend ends."""

    def __init__(self, ctx, size: tuple[int, int], animation: Animation, track,
                 values: dict[str, float], last_time_s: float | None, frame_index: int,
                 own_clock: bool = False, inputs: SceneInputs | None = None) -> None:
        from visualizer.passes import RenderTarget

        self.ctx = ctx
        self.animation = animation
        self.track = track
        self.inputs = inputs
        self.values = values
        self.last_time_s = last_time_s
        self.frame_index = frame_index
        self.target = RenderTarget(ctx, size, depth=True)
        # own_clock: the old song goes on from where it was while the new one starts
        self._offset_s: float | None = None if own_clock else 0.0

    def render(self, time_s: float) -> None:
        if self._offset_s is None:
            self._offset_s = (self.last_time_s or 0.0) - time_s
        time_s += self._offset_s
        dt = _step(self.last_time_s, time_s)
        self.last_time_s = time_s
        if self.track is not None:
            self.values = self.track.values_at(time_s)
        _draw(self.ctx, self.animation, self.target.framebuffer, dt, self.values, time_s,
              self.frame_index, self.target.size, self.inputs)
        self.frame_index += 1

    def release(self) -> None:
        self.animation.release()
        self.ctx.detect_framebuffer(0).use()  # never leave a released framebuffer bound
        self.target.release()


def _step(last_time_s: float | None, time_s: float) -> float:
    return 0.0 if last_time_s is None else min(max(time_s - last_time_s, 0.0), MAX_STEP_S)


def _draw(ctx, animation: Animation, framebuffer, dt_s: float, values, time_s: float,
          index: int, size: tuple[int, int], inputs: SceneInputs | None = None) -> None:
    now = (inputs.at(time_s, audio=animation.reads_audio)
           if inputs is not None and animation.reads_song_inputs else None)
    frame = Frame(time_s=time_s, dt_s=dt_s, index=index, size=size,
                  values=animation.frame_values(values), inputs=now)
    framebuffer.use()
    framebuffer.clear(0.0, 0.0, 0.0, 1.0)
    reset_gl_state(ctx)
    animation.draw(frame, framebuffer)
    reset_gl_state(ctx)


class Renderer:
    """Owns the animation and the offscreen framebuffer it draws into.

    With `transition` settings of more than 0 s, a new animation blends in from the old
    one (both animating), and a new mapping's values glide to their targets, over that much
    song time. `outgoing_every`: during a blend the look fading out is redrawn every this
    many frames (its picture is reused in between and its motion catches up at the next
    redraw); the player uses `PLAYER_OUTGOING_EVERY` (3) to cut a blend's extra cost, a
    render 1.
    """

    def __init__(self, ctx, size: tuple[int, int], animation: str | type[Animation],
                 mapping: Mapping,
                 seed: int = 0, parameters: tuple[Parameter, ...] | None = None,
                 transition: TransitionSettings | None = None, outgoing_every: int = 1) -> None:
        self.ctx = ctx
        self.size = size
        self.seed = seed
        self.mapping = mapping
        self.transition = transition or TransitionSettings()
        self.outgoing_every = outgoing_every
        self.blend: Blend | None = None
        self._glide: tuple[object, float | None] | None = None  # (old track, start time)
        self._incoming = None  # RenderTarget the new animation draws into during a blend
        self._style_rng = random.Random(seed)
        self.features = None  # a song's Features, or LiveFeatures (encoder.live_features)
        self.inputs = SceneInputs(None)  # what scenes read besides their parameters
        self._parameters: tuple[Parameter, ...] = ()
        self._track: ParameterTrack | LiveParameterTrack | None = None
        self._last_time_s: float | None = None
        self._frame_index = 0
        self.values: dict[str, float] = {}
        created = self._make(animation)  # first: a scene that fails to compile leaks nothing
        self._color = ctx.texture(size, 4)
        self._depth = ctx.depth_renderbuffer(size)
        self.framebuffer = ctx.framebuffer(color_attachments=[self._color],
                                           depth_attachment=self._depth)
        self.animation: Animation = created
        self._install(created, parameters)

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

    def _make(self, name: str | type[Animation]) -> Animation:
        cls = name if isinstance(name, type) else animation_class(name)
        return cls(self.ctx, self.size, self.seed)

    def _install(self, animation: Animation,
                 parameters: tuple[Parameter, ...] | None = None) -> None:
        self.animation = animation
        self._parameters = parameters or type(animation).parameters()
        self._rebuild_track()


    def _rebuild_track(self) -> None:
        if self.features is None:
            self._track = None
        elif isinstance(self.features, Features):
            self._track = ParameterTrack(self._parameters, self.mapping, self.features)
        else:
            self._track = LiveParameterTrack(self._parameters, self.mapping, self.features)
        self.values = {p.name: p.start_value for p in self._parameters}

    @property
    def animations_alive(self) -> int:
        """How many animations hold GL objects now: 2 during a blend, else 1."""
        return 1 + (self.blend is not None)

    def set_animation(self, name: str, mapping: Mapping | None = None,
                      parameters: tuple[Parameter, ...] | None = None, *,
                      soft: bool = True) -> None:
        """Replace the animation, optionally with a new mapping and overridden parameters
        (from a preset). With a transition the old one blends out (a blend already running
        ends at once); without, or with `soft=False`, every GL object of the old one is
        released first (the player cuts while paused: a still clock would hold a blend).

        The new animation is made first: when that fails (a scene that does not compile,
        DavisError) nothing changes and the old one keeps running."""
        created = self._make(name)
        self._retire_animation(own_clock=False, soft=soft)
        if mapping is not None:
            self.mapping = mapping
        self._install(created, parameters)
        self._last_time_s = None
        self._frame_index = 0

    def reload_animation(self) -> None:
        """Make the current animation again from its files as saved now (a scene being
        edited) and cut to it, keeping the mapping, the clock and the scene's motion.

        Raises:
            DavisError (SceneError): the saved version fails; the running one stays.
        """
        created = self._make(self.animation.name)
        self._end_blend()
        self._glide = None
        old = self.animation
        continue_from = getattr(created, "continue_from", None)
        if continue_from is not None:
            continue_from(old)
        old.release()
        self._install(created, None)

    def _retire_animation(self, own_clock: bool, soft: bool) -> None:
        """With a transition the current animation becomes a blend's outgoing layer (a blend
        already running ends at once); without, it is released."""
        self._end_blend()
        self._glide = None
        if soft and self.blending_enabled:
            outgoing = Layer(self.ctx, self.size, self.animation, self._track, self.values,
                             self._last_time_s, self._frame_index, own_clock, self.inputs)
            self.blend = Blend(self.ctx, outgoing, pick_style(self.transition, self._style_rng),
                               self.transition.seconds, self._style_rng.random())
        else:
            self.animation.release()

    @property
    def blending_enabled(self) -> bool:
        """Changes blend: a transition is set and there is an old look to blend from."""
        return self.transition.seconds > 0 and self._track is not None

    def set_mapping(self, mapping: Mapping, *, soft: bool = True) -> None:
        """A new mapping; with a transition, the values glide from the old one's."""
        if soft and self.blending_enabled:
            self._glide = (self._track, None)
        self.mapping = mapping
        self._rebuild_track()

    def set_features(self, features, mapping: Mapping | None = None, *,
                     soft: bool = True, samples=None) -> None:
        """A song's `Features` (values at the song time asked for), `LiveFeatures` (the newest
        values, whatever the time) or None (every parameter at its default), optionally with
        a new mapping. `samples` (`visualizer.scenes.inputs.SongSamples` or `LiveSamples`)
        feed the audio texture of scenes that read one; None: silence.

        A new song's features with a transition: the old song's picture goes on animating
        with its own song time while a fresh animation of the same kind blends in."""
        song_change = soft and features is not None and self.blending_enabled
        created = self._make(self.animation.name) if song_change else None
        if song_change:
            self._retire_animation(own_clock=True, soft=True)
        self._glide = None  # the old mapping's values belong to the old features
        if mapping is not None:
            self.mapping = mapping
        self.features = features
        self.inputs = SceneInputs(features, samples)
        if created is not None:
            self._install(created, self._parameters)
            self._frame_index = 0
        else:
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
        dt = _step(self._last_time_s, time_s)
        self._last_time_s = time_s
        if self._track is not None:
            self.values = self._glided(self._track.values_at(time_s), time_s)
        blend = self.blend
        if blend is not None:
            progress = blend.progress(time_s)
            if progress >= 1.0:
                self._end_blend()
            else:
                self._render_blend(blend, progress, dt, time_s)
                return
        self.draw(dt, self.values, time_s)

    def _glided(self, values: dict[str, float], time_s: float) -> dict[str, float]:
        if self._glide is None:
            return values
        old_track, start_s = self._glide
        if start_s is None:
            self._glide = (old_track, start_s := time_s)
        weight = ease((time_s - start_s) / self.transition.seconds)
        if weight >= 1.0:
            self._glide = None
            return values
        old = old_track.values_at(time_s)
        return {name: old.get(name, value) + weight * (value - old.get(name, value))
                for name, value in values.items()}

    def _render_blend(self, blend: Blend, progress: float, dt: float, time_s: float) -> None:
        from visualizer.passes import RenderTarget

        if blend.frames_drawn % self.outgoing_every == 0:
            blend.outgoing.render(time_s)
        blend.frames_drawn += 1
        if self._incoming is None:
            self._incoming = RenderTarget(self.ctx, self.size, depth=True)
        _draw(self.ctx, self.animation, self._incoming.framebuffer, dt, self.values, time_s,
              self._frame_index, self.size, self.inputs)
        self._frame_index += 1
        reset_gl_state(self.ctx)
        blend.composite(self._incoming.texture, self.framebuffer, progress, self.size)

    def _end_blend(self) -> None:
        """Release the outgoing animation and what the blend held."""
        if self.blend is not None:
            self.blend.release()
            self.blend = None
        if self._incoming is not None:
            self.framebuffer.use()
            self._incoming.release()
            self._incoming = None

    def draw(self, dt_s: float, values: ValueMapping[str, float], time_s: float = 0.0) -> None:
        """Advance the animation by `dt_s` with these parameter values and draw the frame into
        `self.framebuffer` (what `render` does after reading the song's track; tests and
        tools that set values by hand call it directly)."""
        _draw(self.ctx, self.animation, self.framebuffer, dt_s, values, time_s,
              self._frame_index, self.size, self.inputs)
        self._frame_index += 1

    def read_rgb(self) -> np.ndarray:
        """The last frame as an (height, width, 3) uint8 array, top row first."""
        data = self.framebuffer.read(components=3, alignment=1)
        width, height = self.size
        return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)[::-1]

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        self._end_blend()  # a blend in progress ends at once: the new size shows the new look
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
        self._end_blend()
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
