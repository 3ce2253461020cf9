"""What is shown: a `Look` (an animation, optionally with a preset's mapping and parameters)
and, for a video, the schedule of looks over its frames."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

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
    preset: object = None  # the visualizer.presets.Preset it comes from, if any


def preset_look(preset) -> Look:
    """The look a preset describes (raises `PresetError` when it no longer fits its animation)."""
    return Look(*preset.resolve(), preset)


class LookChooser:
    """Where a change of look goes (the autopilot's, `davis render --cycle`'s, `--favourites`).

    Without presets: the next animation in `animation_names()` order with a new random
    mapping. With `presets`: through them in turn if `in_order`, else one at random with a
    chance proportional to its rating (never the one showing, when there is another).
    Everything random is drawn from `rng`.
    """

    def __init__(self, rng: random.Random, presets=(), in_order: bool = False) -> None:
        self.rng = rng
        self.looks = [preset_look(preset) for preset in presets]
        self.in_order = in_order

    def first_look(self) -> Look:
        """A look to start with: the first preset in turn, or one drawn by rating."""
        if not self.looks:
            raise ValueError("random looks start from the look the user asked for")
        return self.looks[0] if self.in_order else self._draw(None)

    def next_look(self, animation: str, preset_name: str | None = None) -> Look:
        """The look after the one showing (`animation`, from the preset `preset_name`)."""
        if not self.looks:
            from visualizer.animations import animation_names

            names = animation_names()
            index = names.index(animation) if animation in names else -1
            return Look(names[(index + 1) % len(names)], Mapping.random(self.rng))
        if self.in_order:
            names = [look.preset.name for look in self.looks]
            index = names.index(preset_name) if preset_name in names else -1
            return self.looks[(index + 1) % len(self.looks)]
        return self._draw(preset_name)

    def update(self, preset) -> None:
        """A preset re-rated (or unmarked) while playing: its chance follows the new rating."""
        self.looks = [preset_look(preset) if look.preset.name == preset.name else look
                      for look in self.looks]

    def _draw(self, showing: str | None) -> Look:
        others = [look for look in self.looks if look.preset.name != showing] or self.looks
        return self.rng.choices(others, weights=[look.preset.weight for look in others])[0]


def look_schedule(look: Look, n_frames: int, fps: int, seed: int,
                  cycle_s: float | None = None, *, cues: np.ndarray | None = None,
                  presets=(), in_order: bool = False, start_s: float = 0.0) -> list[Segment]:
    """The looks of a render, as the autopilot of `davis play --cycle` would change them.

    The first segment is `look` (a preset's mapping, else a random one). With `cycle_s`, the
    `visualizer.autopilot.Autopilot` rule decides at each frame (song time start_s + i/fps,
    cue `cues[i]`; none: no early changes) whether the next look (a `LookChooser` over
    `presets`, random looks without) begins there. Everything is drawn from
    `random.Random(seed)`, so the same arguments give the same schedule.
    """
    from visualizer.autopilot import Autopilot

    rng = random.Random(seed)
    segments = [Segment(0, look.animation, look.mapping or Mapping.random(rng), look.parameters,
                        look.preset)]
    if not cycle_s:
        return segments
    chooser = LookChooser(rng, presets, in_order)
    autopilot = Autopilot(cycle_s)
    for index in range(n_frames):
        time_s = start_s + index / fps
        if autopilot.due(time_s, 0.0 if cues is None else float(cues[index])):
            showing = segments[-1]
            upcoming = chooser.next_look(showing.animation, getattr(showing.preset, "name", None))
            segments.append(Segment(index, upcoming.animation, upcoming.mapping,
                                    upcoming.parameters, upcoming.preset))
    return segments
