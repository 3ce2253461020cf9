"""The contract every animation fulfils, and the registry that finds them by name."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import ClassVar

from encoder.errors import DavisError
from visualizer.parameters import Parameter, load_parameters
from visualizer.resources import shaders_folder


class UnknownAnimation(DavisError):
    """An animation name that no module registered."""


_REGISTRY: dict[str, type["Animation"]] = {}


@dataclass(frozen=True)
class Frame:
    """Everything an animation is told about one picture.

    `dt_s` is the song time since the previous frame (0 when paused or when the same moment
    is drawn again: then nothing may move, so drawing twice gives the same picture); `index`
    counts the frames this animation has drawn; `values` holds every parameter, the
    defaults filled in for any that are missing or not finite.
    """

    time_s: float
    dt_s: float
    index: int
    size: tuple[int, int]
    values: Mapping[str, float]
    inputs: object | None = None  # scenes only: `visualizer.scenes.inputs.SceneInputsNow`


class Animation(ABC):
    """One visual: GL resources created in `__init__`, released in `release`.

    Subclasses set `name` (which is also their folder under `shaders/`, holding their GLSL
    and `parameters.toml`) and implement `draw`. Everything they create with `self.own(...)`
    is released for them. The renderer resets GL state (no depth test, blending or culling)
    before and after each `draw`, so an animation enables only what its own draws need.
    """

    name: ClassVar[str]
    order: ClassVar[int] = 100  # position when cycling with N/P (the original's order first)
    registered: ClassVar[bool] = True   # False: found another way (user scenes), not by name
    reads_song_inputs: ClassVar[bool] = False  # True: the renderer fills `Frame.inputs`
    reads_audio: bool = False   # with `reads_song_inputs`: the inputs carry the audio texture

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        self.ctx = ctx
        self.size = size
        self.seed = seed
        self._owned: list = []

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "name", None) and cls.__dict__.get("registered", True):
            if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
                raise DavisError(f"two animations are named {cls.name!r}")
            _REGISTRY[cls.name] = cls

    @classmethod
    def spec(cls) -> tuple[str, tuple[Parameter, ...]]:
        """(description, parameters) from `shaders/<name>/parameters.toml`, read once."""
        cached = cls.__dict__.get("_spec")
        if cached is None:
            cached = load_parameters(shaders_folder() / cls.name / "parameters.toml")
            cls._spec = cached
        return cached

    @classmethod
    def parameters(cls) -> tuple[Parameter, ...]:
        return cls.spec()[1]

    @classmethod
    def description(cls) -> str:
        return cls.spec()[0]

    def start_values(self) -> dict[str, float]:
        """Each parameter's value before any audio plays."""
        return {p.name: p.start_value for p in type(self).parameters()}

    @cached_property
    def defaults(self) -> Mapping[str, float]:
        """Each parameter's value before any audio plays (read-only)."""
        return MappingProxyType(self.start_values())

    def frame_values(self, values: Mapping[str, float]) -> Mapping[str, float]:
        """Every parameter's value for a frame: from `values` where given and finite, else
        its default (a read-only mapping)."""
        merged = {}
        for name, default in self.defaults.items():
            value = values.get(name, default)
            merged[name] = value if math.isfinite(value) else default
        return MappingProxyType(merged)

    @staticmethod
    def ease(current: dict[str, float], target: Mapping[str, float], names: Iterable[str],
             dt_s: float, time_constant_s: float) -> None:
        """Move `current[name]` towards `target[name]` for each name, exponentially with
        this time constant (dt 0: no change), so stepwise values glide instead of jumping."""
        blend = 1.0 - math.exp(-dt_s / time_constant_s)
        for name in names:
            current[name] += (target[name] - current[name]) * blend

    @contextmanager
    def building(self):
        """Wrap GL object creation in `__init__`: on failure, release what was made, re-raise."""
        try:
            yield
        except BaseException:
            self.release()
            raise

    def own(self, resource):
        """Track a GL object so `release` frees it."""
        self._owned.append(resource)
        return resource

    def disown(self, resource) -> None:
        """Release a GL object made with `own` before the animation ends (one replaced on a
        resize)."""
        self._owned.remove(resource)
        resource.release()

    @property
    def live_objects(self) -> int:
        return len(self._owned)

    @abstractmethod
    def draw(self, frame: Frame, target) -> None:
        """Advance by `frame.dt_s` seconds of song time and draw into `target` (a moderngl
        Framebuffer of `frame.size`, bound and cleared)."""

    def resize(self, size: tuple[int, int]) -> None:
        """Adapt size-dependent resources; the default just records the new size."""
        self.size = size

    def release(self) -> None:
        while self._owned:
            self._owned.pop().release()


def animation_names() -> list[str]:
    """The built-in animations in their order, then the scenes (shipped and the user's) by
    name; a scene named like a built-in animation is hidden by it."""
    from visualizer.scenes import scene_names

    _discover()
    built_in = sorted(_REGISTRY, key=lambda name: (_REGISTRY[name].order, name))
    return built_in + [name for name in scene_names() if name not in _REGISTRY]


def animation_class(name: str) -> type[Animation]:
    """The class of a built-in animation or a scene.

    Raises:
        UnknownAnimation: no such name. SceneError: the scene's files are bad.
    """
    _discover()
    if name in _REGISTRY:
        return _REGISTRY[name]
    from visualizer.scenes import scene_class_named

    cls = scene_class_named(name)
    if cls is None:
        raise UnknownAnimation(f"unknown animation {name!r} "
                               f"(available: {', '.join(animation_names())})")
    return cls


def _discover() -> None:
    """Import every module in visualizer/animations so adding a file is enough to register."""
    import importlib
    import pkgutil

    import visualizer.animations as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name != "base":
            importlib.import_module(f"{package.__name__}.{module.name}")
