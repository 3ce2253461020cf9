"""What is shown: a `Look` (an animation, optionally with a preset's mapping and parameters)
and, for a video, the schedule of looks over its frames."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from visualizer.mapping import Mapping
from visualizer.parameters import Parameter


@dataclass(frozen=True)
class Look:
    """What to show first: an animation, and optionally a preset's mapping and parameters."""

    animation: str
    mapping: Mapping | None = None
    parameters: tuple[Parameter, ...] | None = None  # parameters with a preset's overrides
    preset: object = None                            # visualizer.presets.Preset


@dataclass(frozen=True)
class Segment:
    """From `first_frame` on, the render shows `animation` with `mapping` (and `parameters`,
    a preset's, or None for the animation's own)."""

    first_frame: int
    animation: str
    mapping: Mapping
    parameters: tuple[Parameter, ...] | None = None


def look_schedule(look: Look, n_frames: int, fps: int, seed: int,
                  cycle_s: float | None = None) -> list[Segment]:
    """The looks of a render, as a user at the keyboard would change them.

    The first segment is `look` (a preset's mapping, else a random one). With `cycle_s`, every
    `cycle_s` seconds of video (at the first frame at or after start + k * cycle_s) comes the
    next animation in `animation_names()` order with a new random mapping. Everything is
    drawn from `random.Random(seed)`, so the same arguments give the same schedule.
    """
    from visualizer.animations import animation_names

    rng = random.Random(seed)
    segments = [Segment(0, look.animation, look.mapping or Mapping.random(rng), look.parameters)]
    if not cycle_s:
        return segments
    names = animation_names()
    index = names.index(look.animation) if look.animation in names else -1
    for k in range(1, n_frames):
        first = math.ceil(k * cycle_s * fps - 1e-6)
        if first >= n_frames:
            break
        index += 1
        segments.append(Segment(first, names[index % len(names)], Mapping.random(rng)))
    return segments
