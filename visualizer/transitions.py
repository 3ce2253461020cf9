"""Soft changes of look: the old picture blends into the new one over song time.

During a blend two animations are alive, each drawing into its own framebuffer; a
transition style (one GLSL file in `shaders/transitions/`) mixes them into the frame. When
the blend ends the old animation and everything it held are released. Progress follows the
song time the renderer is asked for, so a render stays frame-exact and deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from encoder.errors import DavisError
from visualizer.resources import shaders_folder

DEFAULT_TRANSITION_S = 2.0
# In the player the look fading out is redrawn every third frame (20 times a second at 60 fps):
# a third of its cost on a software renderer, for a picture on its way out, and it still moves
# (`davis render` redraws both looks on every frame).
PLAYER_OUTGOING_EVERY = 3


def transition_styles() -> tuple[str, ...]:
    """The names of the transition styles: one per `shaders/transitions/*.glsl` file."""
    return tuple(sorted(path.stem for path in (shaders_folder() / "transitions").glob("*.glsl")))


@dataclass(frozen=True)
class TransitionSettings:
    """How looks change: over `seconds` of song time (0: a hard cut), in `style` (None: a
    random style for each change)."""

    seconds: float = 0.0
    style: str | None = None

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise DavisError(f"a transition cannot last {self.seconds:g} s")
        if self.style is not None and self.style not in transition_styles():
            raise DavisError(f"no transition style {self.style!r}; there are "
                             f"{', '.join(transition_styles())}")


def ease(progress: float) -> float:
    """Smoothstep: starts and ends at rest (parameter glides, crossfades)."""
    t = min(max(progress, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


class Blend:
    """One change of look in progress: the outgoing layer, the style pass, the start time.

    Args:
        outgoing: the `visualizer.renderer.Layer` being replaced (the blend owns it now).
        style: a name of `transition_styles()`.
        seconds: the blend's length in song time.
        seed: 0..1 for the style (direction, centre, grain).
    """

    def __init__(self, ctx, outgoing, style: str, seconds: float, seed: float) -> None:
        from visualizer.passes import FullscreenPass

        self.outgoing = outgoing
        self.style = style
        self.seconds = seconds
        self.seed = seed
        self.start_s: float | None = None  # the song time of the first frame drawn
        self.frames_drawn = 0
        self._pass = FullscreenPass(ctx, f"transitions/{style}.glsl")

    def progress(self, time_s: float) -> float:
        if self.start_s is None:
            self.start_s = time_s
        return min(max((time_s - self.start_s) / self.seconds, 0.0), 1.0)

    def composite(self, incoming_texture, framebuffer, progress: float, size) -> None:
        self._pass.render(framebuffer=framebuffer,
                          textures={"from_frame": self.outgoing.target.texture,
                                    "to_frame": incoming_texture},
                          progress=progress, resolution=tuple(map(float, size)), seed=self.seed)

    def release(self) -> None:
        self.outgoing.release()
        self._pass.release()


def pick_style(settings: TransitionSettings, rng: random.Random) -> str:
    return settings.style or rng.choice(transition_styles())
