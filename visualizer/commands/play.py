"""`davis play`: the fullscreen player, or the same visuals in the terminal."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from visualizer.commands.common import (CycleOption, CyclePresetsOption, FavouritesOption,
                                        PresetOption, ScreenshotOption, StartAnimationOption,
                                        TransitionOption, TransitionStyleOption, WindowedOption,
                                        WindowSizeOption, autopilot_settings, parse_size,
                                        prepare_songs, resolve_look, transition_settings)
from visualizer.commands.encode import ModelOption, SongsArgument
from visualizer.console import fail, warning_line
from visualizer.transitions import DEFAULT_TRANSITION_S


def play(
    songs: SongsArgument = None,
    animation: StartAnimationOption = None,
    preset: PresetOption = None,
    windowed: WindowedOption = False,
    size: WindowSizeOption = None,
    shuffle: Annotated[bool, typer.Option("--shuffle", help="Play the songs in random order.")] = False,
    loop: Annotated[bool, typer.Option("--loop", help="Start over after the last song.")] = False,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="Random seed: the same seed gives the same mappings and order.",
        show_default=False)] = None,
    sync_offset: Annotated[Optional[float], typer.Option(
        "--sync-offset", help="Read features this many ms ahead of the heard audio (default: "
                              "the audio output's latency).", show_default=False)] = None,
    volume: Annotated[int, typer.Option("--volume", min=0, max=100, help="Volume in percent.")] = 100,
    fps_limit: Annotated[Optional[int], typer.Option(
        "--fps-limit", min=0, help="Cap the frame rate (default: the display's refresh in a "
                                   "window, 30 in the terminal; 0: no cap in the terminal).",
        show_default=False)] = None,
    terminal: Annotated[bool, typer.Option(
        "--terminal", "-t", help="Draw in this terminal (24-bit colour half blocks) instead of a "
                                 "window; automatic when there is no display.")] = False,
    duration: Annotated[Optional[float], typer.Option(
        "--duration", min=0.0, help="Quit once the song clock reaches this many seconds "
                                    "(for scripts).", show_default=False)] = None,
    screenshot: ScreenshotOption = None,
    transition: TransitionOption = DEFAULT_TRANSITION_S,
    transition_style: TransitionStyleOption = None,
    cycle: CycleOption = None,
    cycle_presets: CyclePresetsOption = False,
    favourites: FavouritesOption = False,
    model: ModelOption = None,
) -> None:
    """Play songs with live visuals, fullscreen or in the terminal (keys: H for help, Q to quit).

    Songs not yet encoded are encoded first. The features drive the animation's parameters
    through a random mapping: R reshuffles it, L locks it, S saves it as a preset, V marks
    it as a favourite. C (or --cycle) turns on the autopilot, which changes the look by itself.
    """
    import random
    import sys

    from encoder.errors import DavisError
    from visualizer.session import PlayOptions

    window_size = parse_size(size)
    blending = transition_settings(transition, transition_style)
    autopilot = autopilot_settings(cycle, cycle_presets, favourites)
    try:
        look = resolve_look(animation, preset, autopilot, random.Random(seed))
    except DavisError as error:
        fail(str(error))
    # the songs before the display: a wrong path is the first thing to hear about
    features = prepare_songs(songs, model, shuffle=random.Random(seed) if shuffle else None)
    try:
        terminal = choose_terminal(terminal, windowed, size)
        options = PlayOptions(seed=seed, sync_offset_ms=sync_offset, volume=volume / 100,
                              loop=loop, fps_limit=fps_limit, duration_s=duration,
                              screenshot=screenshot, transition=blending, autopilot=autopilot,
                              status_line=not terminal and sys.stderr.isatty(),
                              report=None if terminal else warning_line)
        run_session(features, look, options, terminal=terminal, windowed=windowed,
                    size=window_size)
    finally:
        features.close()


def choose_terminal(terminal: bool, windowed: bool, size: str | None) -> bool:
    """Whether to draw in the terminal: when asked, or when there is no display (then said
    in one line); fails when the terminal is asked for but standard output is not one."""
    import sys

    terminal = terminal or no_display_so_terminal()
    if terminal and not sys.stdout.isatty():
        fail("--terminal needs a terminal: standard output is not one (use `davis render` "
             "to make a video)")
    if terminal and (windowed or size is not None):
        warning_line("--windowed and --size do not apply in the terminal: the picture follows "
                     "the terminal's size")
    return terminal


def run_session(features: dict, look, options, *, terminal: bool, windowed: bool, size,
                build=None) -> None:
    """Play in the window or the terminal until the session ends; errors end in one line.
    `build`: the player's parts for `Session` (live input), else songs from `features`."""
    from encoder.errors import DavisError

    try:
        if terminal:
            _play_in_terminal(features, look, options, build)
        else:
            from visualizer.window import WindowOptions, open_window

            _play(open_window(WindowOptions(windowed, size), options.fps_limit), features, look,
                  options, build)
    except DavisError as error:
        fail(str(error))


def no_display_so_terminal() -> bool:
    """True (after a one-line notice) when there is no display but a terminal to play in;
    fails when there is neither."""
    import sys

    from visualizer.console import err
    from visualizer.window import NoDisplay, check_display

    try:
        check_display()
    except NoDisplay:
        if not sys.stdout.isatty():
            fail("no display available (DISPLAY is not set) and standard output is not a "
                 "terminal: use `davis render` to make a video")
        err.print("no display: playing in the terminal (use --terminal to ask for it)",
                  highlight=False, soft_wrap=True)
        return True
    return False


def _play_in_terminal(features: dict, look, options, build) -> None:
    import sys

    from visualizer.terminal import TerminalFrontEnd

    in_fd = sys.stdin.fileno() if sys.stdin is not None and sys.stdin.isatty() else None
    try:
        _play(TerminalFrontEnd(sys.stdout.fileno(), in_fd, fps_limit=options.fps_limit),
              features, look, options, build)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def _play(frontend, features: dict, look, options, build) -> None:
    from visualizer.session import Session

    with Session(frontend, features, look, options, build) as session:
        if session.audio_problem:
            warning_line(f"no audio device ({session.audio_problem}); playing silently on the "
                         "wall clock")
        session.run()
