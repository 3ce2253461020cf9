"""User scenes: a GLSL file dropped in a folder becomes an animation (Shadertoy-compatible,
driven by the learned features). Scenes are GLSL and TOML only: nothing from a scene folder
is ever executed as Python.

`scene_names()` and `scene_class_named()` are what the animation registry consults
(`visualizer.animations.base`); a scene's class is made again whenever its files change, so
the next use (or the player's live reload) compiles the saved version.
"""

from __future__ import annotations

from visualizer.scenes.catalogue import (SceneError, SceneSpec, file_signature, load_scene_spec,
                                         scene_files, scene_paths, user_scenes_folder)

_CLASSES: dict[str, tuple[tuple, type]] = {}  # key -> (signature, class)


def scene_names() -> list[str]:
    """Every scene's name, sorted (user scenes and shipped ones)."""
    return sorted(scene_paths())


def scene_class_named(name: str):
    """The Animation class of scene `name`, or None when there is no such scene.

    Raises:
        SceneError: its scene.toml is bad or its shader is missing.
    """
    found = scene_paths().get(name)
    if found is None:
        return None
    path, shipped = found
    signature = file_signature(*scene_files(path))
    cached = _CLASSES.get(name)
    if cached is not None and cached[0] == (path, signature):
        return cached[1]
    from visualizer.scenes.animation import scene_class

    cls = scene_class(load_scene_spec(path, key=name, shipped=shipped))
    _CLASSES[name] = ((path, signature), cls)
    return cls


def scene_changed(cls) -> bool:
    """Whether a scene class's files were saved, added or removed since it was made."""
    spec: SceneSpec = cls.scene
    try:
        return file_signature(*scene_files(spec.source)) != spec.signature
    except SceneError:
        return True  # gone or broken: the reload says why


__all__ = ["SceneError", "SceneSpec", "load_scene_spec", "scene_changed", "scene_class_named",
           "scene_names", "user_scenes_folder"]
