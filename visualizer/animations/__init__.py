"""Animations: one module each, found by name through `base.animation_class`."""

from visualizer.animations.base import (Animation, Frame, UnknownAnimation, animation_class,
                                         animation_names)

__all__ = ["Animation", "Frame", "UnknownAnimation", "animation_class", "animation_names"]
