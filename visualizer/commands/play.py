"""`davis play`: the fullscreen player."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.commands.encode import ModelOption, SongsArgument
from visualizer.console import error_line, fail, progress_bar, warning_line

DEFAULT_ANIMATION = "kaleidoscope"


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


def play(
    songs: SongsArgument = None,
    animation: Annotated[Optional[str], typer.Option(
        "--animation", "-a", help="Animation to start with (davis animations lists them).",
        show_default=False)] = None,
    preset: Annotated[Optional[str], typer.Option(
        "--preset", help="A preset name, number (davis presets list) or .json path.",
        show_default=False)] = None,
    windowed: Annotated[bool, typer.Option("--windowed", "-w", help="A resizable window instead "
                                                                  "of fullscreen.")] = False,
    size: Annotated[Optional[str], typer.Option(
        "--size", help="Window size WxH (default: 1280x720 windowed, the desktop fullscreen).",
        show_default=False)] = None,
    shuffle: Annotated[bool, typer.Option("--shuffle", help="Play the songs in random order.")] = False,
    loop: Annotated[bool, typer.Option("--loop", help="Start over after the last song.")] = False,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="Random seed: the same seed gives the same mappings and order.",
        show_default=False)] = None,
    sync_offset: Annotated[Optional[float], typer.Option(
        "--sync-offset", help="Read features this many ms ahead of the heard audio (default: "
                              "the audio output's latency).", show_default=False)] = None,
    volume: Annotated[int, typer.Option("--volume", min=0, max=100, help="Volume in percent.")] = 100,
    fps_limit: Annotated[int, typer.Option(
        "--fps-limit", min=0, help="Cap the frame rate (0: follow the display's refresh).")] = 0,
    duration: Annotated[Optional[float], typer.Option(
        "--duration", min=0.0, help="Quit once the song clock reaches this many seconds "
                                    "(for scripts).", show_default=False)] = None,
    screenshot: Annotated[Optional[Path], typer.Option(
        "--screenshot", help="Save the last frame shown as PNG when quitting.",
        show_default=False)] = None,
    model: ModelOption = None,
) -> None:
    """Play songs with live visuals, fullscreen (keys: H for help, Q to quit).

    Songs not yet encoded are encoded first. The features drive the animation's parameters
    through a random mapping: R reshuffles it, L locks it, S saves it as a preset.
    """
    import sys

    from encoder.errors import DavisError
    from visualizer.window import check_display

    window_size = parse_size(size)
    try:
        check_display()
        look = resolve_look(animation, preset)
    except DavisError as error:
        fail(str(error))
    features = _encode_songs(songs, model)
    options = _window_options(windowed, window_size, fps_limit, duration, screenshot,
                              sys.stderr.isatty())
    try:
        _run(features, look, options, seed, sync_offset, volume, shuffle, loop)
    except DavisError as error:
        fail(str(error))


def resolve_look(animation: str | None, preset_name: str | None):
    """The first animation (and preset), checked before any slow work."""
    from visualizer.animations import animation_class
    from visualizer.presets import find_preset
    from visualizer.session import Look

    if preset_name is not None:
        preset = find_preset(preset_name)
        name, mapping, parameters = preset.resolve()
        if animation is not None and animation != name:
            warning_line(f"--animation {animation} ignored: preset {preset.name} is for {name}")
        return Look(name, mapping, parameters, preset)
    name = animation or DEFAULT_ANIMATION
    animation_class(name)
    return Look(name)


def _encode_songs(songs: list[Path] | None, model: Path | None) -> dict:
    """Features for every playable song (encoding the uncached ones with a progress bar)."""
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
        fail("no playable songs")
    return features


def _window_options(windowed, size, fps_limit, duration, screenshot, status_line):
    from visualizer.window import WindowOptions

    return WindowOptions(windowed=windowed, size=size, fps_limit=fps_limit, duration_s=duration,
                         screenshot=screenshot, status_line=status_line)


def _run(features: dict, look, options, seed, sync_offset, volume, shuffle, loop) -> None:
    from visualizer.session import PlaySession

    with PlaySession(features, look, options, seed=seed, sync_offset_ms=sync_offset,
                     volume=volume / 100, shuffle=shuffle, loop=loop) as session:
        if session.audio_problem:
            warning_line(f"no audio device ({session.audio_problem}); playing silently on the "
                         "wall clock")
        session.window.run()
