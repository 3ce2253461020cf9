"""Animation parameters: how a feature in [0, 1] becomes a shader uniform (SEED.md's rules)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from encoder.errors import DavisError
from encoder.features import BLUR_LEVELS


@dataclass(frozen=True)
class Parameter:
    """One animated quantity.

    Attributes:
        name: the uniform's name in the shader.
        avg, min, max: the value at feature 0.5, 0 and 1 (piecewise linear in between).
        step: values are rounded to multiples of it; -1 means no rounding.
        blur: which smoothing level of the feature it reads.
        fps: at most this many changes per second of song time (a hold; each change waits
            for a sudden change of the feature, `visualizer.mapping.held_frames`); -1 means
            every frame.
        pulse: -1 (the default): the parameter reads its feature smoothed at `blur`. A
            decay time in seconds (> 0): it reads the feature's *pulse* instead, an envelope
            that jumps within one frame when the learned feature changes suddenly (either
            way) and decays with this time constant, so `min` is its resting value and
            `max` its value at the song's largest jumps.
        default: the value before any audio plays (the original's `updateDefault`);
            None means `avg`.
        description: what it does, for `davis animations` and the HUD.

    The mapping is min at feature 0, avg at 0.5 and max at 1, linear in between. (The 2017
    code computed `avg + 2x(min - avg)` below 0.5, which gives avg at 0 and jumps from min
    back to avg at 0.5; we keep its end points and avg, without the jump.)
    """

    name: str
    avg: float
    min: float
    max: float
    step: float = -1.0
    blur: int = 1
    fps: float = -1.0
    pulse: float = -1.0
    default: float | None = None
    description: str = ""

    @property
    def source(self) -> str:
        """What the parameter reads, in the HUD's words: "blur 50" or "pulse 0.25 s"."""
        return f"pulse {self.pulse:g} s" if self.pulse > 0 else f"blur {self.blur}"

    @property
    def start_value(self) -> float:
        return self.avg if self.default is None else self.default

    def value(self, feature: float) -> float:
        if feature < 0.5:
            value = self.min + 2 * feature * (self.avg - self.min)
        else:
            value = self.avg + 2 * (feature - 0.5) * (self.max - self.avg)
        if self.step > 0:
            value = round(value / self.step) * self.step
        return value

    def validate(self, where: str) -> None:
        for name in ("avg", "min", "max", "step", "fps", "pulse", "start_value"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DavisError(f"{where}: parameter {self.name!r}: {name} must be a number, "
                                 f"not {value!r}")
            if not math.isfinite(value):
                raise DavisError(f"{where}: parameter {self.name!r}: {name} is not a finite number")
        if isinstance(self.blur, bool) or self.blur not in BLUR_LEVELS:
            raise DavisError(f"{where}: parameter {self.name!r}: blur {self.blur} is not one of "
                             f"{', '.join(map(str, BLUR_LEVELS))}")
        if not (self.step == -1 or self.step > 0) or not (self.fps == -1 or self.fps > 0):
            raise DavisError(f"{where}: parameter {self.name!r}: step and fps must be -1 or > 0")
        if not (self.pulse == -1 or 0.01 <= self.pulse <= 10):
            raise DavisError(f"{where}: parameter {self.name!r}: pulse must be -1 (off) or a "
                             f"decay time of 0.01–10 seconds, got {self.pulse:g}")

    def overridden(self, overrides: dict, where: str) -> "Parameter":
        """A copy with some of avg/min/max/step/blur/fps replaced (from a preset)."""
        allowed = {f.name for f in fields(self)} - {"name", "description", "default"}
        unknown = set(overrides) - allowed
        if unknown:
            raise DavisError(f"{where}: parameter {self.name!r}: cannot override "
                             f"{', '.join(sorted(unknown))} (only {', '.join(sorted(allowed))})")
        try:
            changed = replace(self, **{key: (int(value) if key == "blur" else float(value))
                                       for key, value in overrides.items()})
        except (TypeError, ValueError):
            raise DavisError(f"{where}: parameter {self.name!r}: overrides must be numbers") from None
        changed.validate(where)
        return changed


def load_parameters(path: Path) -> tuple[str, tuple[Parameter, ...]]:
    """Read an animation's `parameters.toml`: its description and its parameter table."""
    data = read_toml(path)
    return str(data.get("description", "")), parameter_table(data, path)


def read_toml(path: Path) -> dict:
    """A TOML file as a dict (DavisError naming the file when it cannot be read or parsed)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DavisError(f"bad parameter file ({error})", path) from None


def parameter_table(data: dict, path: Path) -> tuple[Parameter, ...]:
    """The checked `[[parameter]]` entries of a parameter file (or a scene's scene.toml)."""
    entries = data.get("parameter", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise DavisError("bad parameter file ([[parameter]] must be a list of tables)", path)
    try:
        parameters = tuple(Parameter(**entry) for entry in entries)
    except TypeError as error:
        raise DavisError(f"bad parameter file ({error})", path) from None
    names = [p.name for p in parameters]
    if len(set(names)) != len(names) or len(names) > 10:
        raise DavisError("parameter names must be unique and at most 10", path)
    for parameter in parameters:
        parameter.validate(str(path))
    return parameters
