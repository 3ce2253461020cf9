"""A scene as an `Animation`: one full-screen pass of the scene's program, its uniforms set
from the frame (Shadertoy's inputs at song time, the features, the mapped parameters)."""

from __future__ import annotations

import datetime
import math
import time
from typing import ClassVar

import moderngl

from visualizer.animations.base import Animation, Frame
from visualizer.parameters import Parameter
from visualizer.scenes.audio_texture import BINS
from visualizer.scenes.catalogue import SceneSpec
from visualizer.scenes.program import compile_scene

DEFAULT_FRAME_RATE = 60.0  # iFrameRate before two frames have been drawn (or when paused)


class ShaderScene(Animation):
    """Base of the classes made for each scene (`scene_class`); not itself an animation."""

    scene: ClassVar[SceneSpec]
    order = 200
    registered = False
    reads_song_inputs = True

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        super().__init__(ctx, size, seed)
        self._integrals = {p.name: 0.0 for p in self.scene.parameters}
        self._wall_start = time.time()
        with self.building():
            self.program = self.own(compile_scene(ctx, self.scene))
            self.vao = self.own(ctx.vertex_array(self.program, []))
            self._uniforms = {name: self.program[name] for name in self.program
                              if isinstance(self.program[name], moderngl.Uniform)}
            self.reads_audio = "iChannel0" in self._uniforms
            self._audio = None
            if self.reads_audio:
                self._audio = self.own(ctx.texture((BINS, 2), 1, dtype="f1"))
                self._audio.filter = (moderngl.LINEAR, moderngl.LINEAR)
                self._audio.repeat_x = self._audio.repeat_y = False
                self._uniforms["iChannel0"].value = 0
        self._set(iMouse=(0.0, 0.0, 0.0, 0.0), iSampleRate=22050.0,
                  iChannelResolution=[(BINS, 2.0, 1.0)] + [(0.0, 0.0, 0.0)] * 3)

    def continue_from(self, old: Animation) -> None:
        """Carry the motion on from the version of this scene being replaced (a live reload):
        the integrals of the parameters both versions declare."""
        for name, value in getattr(old, "_integrals", {}).items():
            if name in self._integrals:
                self._integrals[name] = value

    @classmethod
    def spec(cls) -> tuple[str, tuple[Parameter, ...]]:
        return cls.scene.description, cls.scene.parameters

    def _set(self, **values) -> None:
        for name, value in values.items():
            member = self._uniforms.get(name)
            if member is not None:
                member.value = value

    def draw(self, frame: Frame, target) -> None:
        for name in self._integrals:
            self._integrals[name] += frame.values[name] * frame.dt_s
        inputs = frame.inputs
        width, height = frame.size
        self._set(iResolution=(float(width), float(height), 1.0), iTime=frame.time_s,
                  iTimeDelta=frame.dt_s, iFrame=frame.index,
                  iFrameRate=1.0 / frame.dt_s if frame.dt_s > 0 else DEFAULT_FRAME_RATE,
                  iDate=self._date(frame.time_s),
                  iChannelTime=[frame.time_s, 0.0, 0.0, 0.0], **frame.values,
                  **{f"{name}_integral": value for name, value in self._integrals.items()})
        if inputs is not None:
            self._set(davis_features=inputs.features.tolist(), davis_pulses=inputs.pulses.tolist(),
                      iSampleRate=float(inputs.sample_rate))
            if self._audio is not None and inputs.audio is not None:
                self._audio.write(inputs.audio.tobytes())
        if self._audio is not None:
            self._audio.use(location=0)
        target.use()
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def _date(self, time_s: float) -> tuple[float, float, float, float]:
        """Shadertoy's iDate (year, month from 0, day, seconds since midnight): the moment
        the scene started plus the song time since, so a clock shader shows the time."""
        moment = datetime.datetime.fromtimestamp(self._wall_start + time_s)
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        seconds = (moment - midnight).total_seconds()
        return (float(moment.year), float(moment.month - 1), float(moment.day),
                seconds if math.isfinite(seconds) else 0.0)


def scene_class(spec: SceneSpec) -> type[ShaderScene]:
    """A new Animation class for this scene (named by its key; not in the built-in registry)."""
    return type(f"Scene_{spec.key.replace('-', '_')}", (ShaderScene,),
                {"name": spec.key, "scene": spec, "registered": False,
                 "__doc__": spec.description})
