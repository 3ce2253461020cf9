"""Helpers shared by the commands that show a look over a song (`davis play`, `davis render`):
parsing a size, resolving the first look early, and encoding songs with a progress bar."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated, Optional

import typer

from encoder.errors import DavisError
from visualizer.autopilot import MIN_CYCLE_S
from visualizer.console import (EXIT_BAD_INPUT, error_line, fail, note_line, progress_bar,
                                warning_line)

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
TransitionOption = Annotated[float, typer.Option(
    "--transition", min=0.0, help="Seconds of song time a change of look (animation, preset, "
                                  "mapping) blends over; 0 for hard cuts.")]
TransitionStyleOption = Annotated[Optional[str], typer.Option(
    "--transition-style", help="How looks blend: crossfade, dissolve, radial, wipe, zoom, or "
                               "any shaders/transitions/*.glsl (default: one at random each "
                               "time).", show_default=False)]

CycleOption = Annotated[Optional[float], typer.Option(
    "--cycle", min=MIN_CYCLE_S, help="Autopilot: a new look (the next animation with a new mapping) "
                             "every this many seconds of song time, sooner on a strong rise "
                             "of the features near the end of the period (C toggles it in "
                             "the player).", show_default=False)]
CyclePresetsOption = Annotated[bool, typer.Option(
    "--cycle-presets", help="The autopilot goes through the presets in turn (the favourites "
                            "with --favourites) instead of random looks; on every 20 s unless "
                            "--cycle says otherwise.")]
FavouritesOption = Annotated[bool, typer.Option(
    "--favourites", help="Only favourite presets (V marks one, G rates it): start with one and "
                         "let the autopilot change between them, the better rated more often.")]


def autopilot_settings(cycle_s: float | None, cycle_presets: bool, favourites: bool):
    """--cycle, --cycle-presets and --favourites, checked (a clear error when there are no
    presets to cycle through)."""
    from visualizer.autopilot import DEFAULT_CYCLE_S, AutopilotSettings
    from visualizer.presets import list_presets

    if not (cycle_presets or favourites):
        return AutopilotSettings(cycle_s)
    presets = [preset for preset in list_presets() if preset.favourite or not favourites]
    usable = []
    for preset in presets:
        try:
            preset.resolve()
        except DavisError as error:
            warning_line(f"preset {preset.name} left out: {error.message}")
        else:
            usable.append(preset)
    if not usable:
        fail("no favourite presets yet: press V in davis play to mark one" if favourites
             else "no usable presets to cycle through")
    if cycle_presets and cycle_s is None:
        cycle_s = DEFAULT_CYCLE_S
    return AutopilotSettings(cycle_s, tuple(usable), in_order=cycle_presets)


def transition_settings(seconds: float, style: str | None):
    """--transition and --transition-style, checked (a clear error for an unknown style)."""
    from visualizer.transitions import TransitionSettings

    try:
        return TransitionSettings(seconds, style)
    except DavisError as error:
        fail(str(error))


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


def resolve_look(animation: str | None, preset_name: str | None, autopilot=None, rng=None):
    """The first look, checked before any slow work: the preset or animation asked for, else
    (with `autopilot` settings that have presets) one of those, else the default animation."""
    from visualizer.animations import animation_class
    from visualizer.looks import Look, LookChooser
    from visualizer.presets import find_preset

    if preset_name is not None:
        preset = find_preset(preset_name)
        name, mapping, parameters = preset.resolve()
        if animation is not None and animation != name:
            warning_line(f"--animation {animation} ignored: preset {preset.name} is for {name}")
        return Look(name, mapping, parameters, preset)
    if animation is None and autopilot is not None and autopilot.presets:
        return LookChooser(rng, autopilot.presets, autopilot.in_order).first_look()
    name = animation or DEFAULT_ANIMATION
    animation_class(name)
    return Look(name)


def warn_if_still(path: Path, features) -> None:
    """One warning line for a song whose features never move (silence, or a steady tone)."""
    from encoder.features import STILL_SONG

    if features.still:
        warning_line(f"{path}: {STILL_SONG}")


def prepare_songs(songs: list[Path] | None, model: Path | None, *,
                  shuffle: random.Random | None = None):
    """Features for the playable songs, as a `SongFeatures` mapping in the play order (close
    it when done): as found, or shuffled with `shuffle` (then starting with a ready song).

    Cached songs are ready at once. When none is, the songs are encoded here, with a
    progress bar, until one is playable; the rest are prepared in the background while the
    first one plays. Each song that fails here is reported on one line. When none is
    playable the command exits with status 2, after a final "no playable songs" line unless
    only one line was reported (it says everything).
    """
    from encoder.audio import DEMO_SONG, find_songs
    from encoder.background import SongFeatures
    from encoder.batch import FeatureSource
    from visualizer.playlist import play_order

    paths, problems = find_songs(songs or [DEMO_SONG])
    for problem in problems:
        error_line(str(problem))
    try:
        source = FeatureSource(model)
    except DavisError as error:
        fail(str(error))
    # Only songs read before are looked up now (a new library is not read through before
    # the first frame); the background finds the others in the cache, if they are there.
    cached = {path for path in paths if source.is_cached(path, known_only=True)}
    paths = play_order(paths, shuffle=shuffle, ready=cached.__contains__)
    failed: set[Path] = set()
    first: dict = {}
    if paths and not cached:
        with progress_bar() as progress:
            task = progress.add_task("Preparing", total=1, status="")
            for path in paths:
                progress.update(task, status=path.name)
                outcome = source.get(path)
                if outcome.error is None:
                    first[path] = outcome.features
                    progress.advance(task)
                    break
                error_line(str(outcome.error))
                failed.add(path)
    if not (cached or first):
        if len(problems) + len(failed) != 1:  # one line already says it all
            fail("no playable songs")
        raise typer.Exit(EXIT_BAD_INPUT)
    features = SongFeatures([path for path in paths if path not in failed], first, source,
                            cached=cached)
    if features.pending:
        note_line(f"{features.pending} more song{'s' if features.pending > 1 else ''} "
                  "will be prepared while playing")
    return features
