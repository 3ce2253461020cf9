"""Helpers shared by the commands that show a look over a song (`davis play`, `davis render`):
parsing a size, resolving the first look early, and encoding songs with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.console import EXIT_BAD_INPUT, error_line, fail, progress_bar, warning_line

DEFAULT_ANIMATION = "kaleidoscope"

# Options that mean the same in `davis play`, `davis live` (and `davis render`: the preset).
PresetOption = Annotated[Optional[str], typer.Option(
    "--preset", help="A preset name, number (davis presets list) or .json path.",
    show_default=False)]
StartAnimationOption = Annotated[Optional[str], typer.Option(
    "--animation", "-a", help="Animation to start with (davis animations lists them).",
    show_default=False)]
WindowedOption = Annotated[bool, typer.Option(
    "--windowed", "-w", help="A resizable window instead of fullscreen.")]
WindowSizeOption = Annotated[Optional[str], typer.Option(
    "--size", help="Window size WxH (default: 1280x720 windowed, the desktop fullscreen).",
    show_default=False)]
ScreenshotOption = Annotated[Optional[Path], typer.Option(
    "--screenshot", help="Save the last frame shown as PNG when quitting.", show_default=False)]


def parse_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x720") from None
    if not (16 <= width <= 16384 and 16 <= height <= 16384):
        raise typer.BadParameter(f"{text!r}: each side must be between 16 and 16384 pixels")
    return width, height


def resolve_look(animation: str | None, preset_name: str | None):
    """The first animation (and preset), checked before any slow work."""
    from visualizer.animations import animation_class
    from visualizer.presets import find_preset
    from visualizer.looks import Look

    if preset_name is not None:
        preset = find_preset(preset_name)
        name, mapping, parameters = preset.resolve()
        if animation is not None and animation != name:
            warning_line(f"--animation {animation} ignored: preset {preset.name} is for {name}")
        return Look(name, mapping, parameters, preset)
    name = animation or DEFAULT_ANIMATION
    animation_class(name)
    return Look(name)


def encode_songs(songs: list[Path] | None, model: Path | None, *,
                 summary: bool = True) -> dict:
    """Features for every playable song (encoding the uncached ones with a progress bar).

    Each song that fails is reported on one line. When none is playable the command exits
    with status 2, after a final "no playable songs" line unless `summary` is False (for a
    single song, whose own line already says everything).
    """
    from encoder.audio import DEMO_SONG, find_songs
    from encoder.batch import FeatureSource
    from encoder.errors import DavisError

    paths, problems = find_songs(songs or [DEMO_SONG])
    for problem in problems:
        error_line(str(problem))
    try:
        source = FeatureSource(model)
    except DavisError as error:
        fail(str(error))
    features = {}
    with progress_bar() as progress:
        task = progress.add_task("Preparing songs", total=len(paths), status="")
        for path in paths:
            progress.update(task, status=path.name)
            outcome = source.get(path)
            if outcome.error is not None:
                error_line(str(outcome.error))
            else:
                features[path] = outcome.features
            progress.advance(task)
    if not features:
        if summary:
            fail("no playable songs")
        raise typer.Exit(EXIT_BAD_INPUT)
    return features
