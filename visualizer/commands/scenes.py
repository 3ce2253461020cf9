"""`davis scenes`: start a new GLSL scene, check one headless."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visualizer.console import fail, out

app = typer.Typer(help="User scenes: one GLSL file (Shadertoy's mainImage) and a scene.toml "
                       "in a folder become an animation. `new` starts one, `check` compiles it.",
                  no_args_is_help=True)

CHECK_SIZE = (320, 180)
CHECK_FRAMES = 3
TIMING_SIZE = (1280, 720)
TIMING_FRAMES = 10


@app.command("new")
def new(name: Annotated[str, typer.Argument(help="The scene's name (lowercase letters, digits, "
                                                 "- and _): also its folder.")],
        folder: Annotated[Path | None, typer.Option(
            "--folder", help="Where to create it (default: the user scenes folder).")] = None,
        ) -> None:
    """Write a commented starting scene (scene.glsl and scene.toml) to edit while it plays."""
    from encoder.files import atomic_write_text
    from visualizer.resources import shaders_folder
    from visualizer.scenes.catalogue import NAME_PATTERN, user_scenes_folder

    if not NAME_PATTERN.match(name):
        fail(f"scene name {name!r}: use lowercase letters, digits, - and _ (at most 40)")
    target = (folder or user_scenes_folder()) / name
    if target.exists():
        fail(f"{target} already exists: choose another name, or edit that one")
    templates = shaders_folder() / "templates"
    try:
        target.mkdir(parents=True)
        for file in ("scene.glsl", "scene.toml"):
            text = (templates / file).read_text(encoding="utf-8").replace("@SCENE@", name)
            atomic_write_text(target / file, text)
    except OSError as error:
        fail(f"{target}: cannot write the scene ({error.strerror or error})")
    out.print(f"Wrote {target / 'scene.glsl'} and scene.toml")
    play = f"[bold]davis play --animation {name}[/]  (saving the file reloads it)"
    if target.parent.resolve() == user_scenes_folder().resolve():
        out.print(f"Play it: {play}")
    else:  # davis finds scenes only in the user scenes folder
        out.print(f"Play it: move it into {user_scenes_folder()}, then {play}")
    out.print(f"Check it: [bold]davis scenes check {target}[/]")


@app.command("check")
def check(path: Annotated[str, typer.Argument(
        help="A scene folder, a .glsl file, or the name of an installed scene.")]) -> None:
    """Compile a scene headless and draw a few frames: errors name the file and line (exit
    code 2); a good scene prints its parameters and its frame time at 1280x720 here."""
    import time

    import numpy as np

    from encoder.errors import DavisError
    from encoder.features import BLUR_LEVELS, Features
    from visualizer.gl import offscreen_context
    from visualizer.mapping import Mapping
    from visualizer.renderer import Renderer
    from visualizer.scenes.animation import scene_class
    from visualizer.scenes.catalogue import load_scene_spec, scene_paths

    candidate = Path(path)
    try:
        if not candidate.exists() and path in scene_paths():
            candidate, shipped = scene_paths()[path]
            spec = load_scene_spec(candidate, key=path, shipped=shipped)
        else:
            spec = load_scene_spec(candidate)
        cls = scene_class(spec)
        ctx = offscreen_context()
        frames = np.linspace(0.2, 0.8, 120, dtype=np.float32)[:, None].repeat(10, axis=1)
        features = Features(levels={level: frames for level in BLUR_LEVELS})
        # the scene under test itself, not whatever its name finds installed
        renderer = Renderer(ctx, CHECK_SIZE, cls, Mapping(tuple(range(10))))
    except DavisError as error:
        fail(str(error))
    try:
        renderer.set_features(features)
        for index in range(CHECK_FRAMES):
            renderer.render(index / 60)
        picture = renderer.read_rgb()
        renderer.resize(TIMING_SIZE)
        started = time.perf_counter()
        for index in range(TIMING_FRAMES):
            renderer.render((CHECK_FRAMES + index) / 60)
        ctx.finish()
        frame_ms = (time.perf_counter() - started) / TIMING_FRAMES * 1000
    except DavisError as error:
        fail(str(error))
    finally:
        renderer.release()
    reads = "reads the audio texture" if renderer.animation.reads_audio else "no audio texture"
    count = len(spec.parameters)
    out.print(f"[green]ok:[/] {spec.key} ({spec.title}) compiles; {count} "
              f"parameter{'' if count == 1 else 's'}, {reads}; {frame_ms:.1f} ms a frame at "
              f"{TIMING_SIZE[0]}x{TIMING_SIZE[1]} here")
    if picture.max() == 0:
        out.print("[yellow]warning:[/] its first frames are all black")
    for parameter in spec.parameters:
        out.print(f"  {parameter.name}: {parameter.min:g} … {parameter.avg:g} … "
                  f"{parameter.max:g}, {parameter.source}")
