"""`davis live`: the visuals of whatever the computer plays (or a microphone), live."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.commands.common import (CycleOption, CyclePresetsOption, FavouritesOption,
                                        PresetOption, ScreenshotOption, StartAnimationOption,
                                        TransitionOption, TransitionStyleOption, WindowedOption,
                                        WindowSizeOption, autopilot_settings, parse_size,
                                        resolve_look, transition_settings)
from visualizer.commands.encode import ModelOption
from visualizer.commands.play import choose_terminal, run_session
from visualizer.console import err, fail, out
from visualizer.transitions import DEFAULT_TRANSITION_S


def live(
    device: Annotated[Optional[str], typer.Option(
        "--device", help="Input by number or part of its name (--list-devices lists them). "
                         "Default: the loopback of the default output.",
        show_default=False)] = None,
    mic: Annotated[bool, typer.Option("--mic", help="Take the default microphone instead of "
                                                    "the loopback.")] = False,
    list_devices: Annotated[bool, typer.Option("--list-devices",
                                               help="List the inputs and exit.")] = False,
    animation: StartAnimationOption = None,
    preset: PresetOption = None,
    windowed: WindowedOption = False,
    size: WindowSizeOption = None,
    terminal: Annotated[bool, typer.Option(
        "--terminal", "-t", help="Draw in this terminal instead of a window; automatic when "
                                 "there is no display.")] = False,
    seed: Annotated[Optional[int], typer.Option(
        "--seed", help="Random seed: the same seed gives the same mappings.",
        show_default=False)] = None,
    fps_limit: Annotated[Optional[int], typer.Option(
        "--fps-limit", min=0, help="Cap the frame rate (default: the display's refresh in a "
                                   "window, 30 in the terminal).", show_default=False)] = None,
    duration: Annotated[Optional[float], typer.Option(
        "--duration", min=0.0, help="Quit after this many seconds (for scripts).",
        show_default=False)] = None,
    screenshot: ScreenshotOption = None,
    save_codes: Annotated[Optional[Path], typer.Option(
        "--save-codes", help="On quitting, write the raw 10-number codes computed live to this "
                             ".npy file (to compare with davis encode, or to study the input).",
        show_default=False)] = None,
    osc: Annotated[Optional[str], typer.Option(
        "--osc", metavar="HOST:PORT",
        help="Also send every frame's 10 features, their pulses and the input level as OSC "
             "over UDP, for other VJ tools: /davis/features and /davis/pulses (10 floats "
             "each), /davis/feature/1..10 and /davis/pulse/1..10 (one float), /davis/level "
             "(dBFS).", show_default=False)] = None,
    transition: TransitionOption = DEFAULT_TRANSITION_S,
    transition_style: TransitionStyleOption = None,
    cycle: CycleOption = None,
    cycle_presets: CyclePresetsOption = False,
    favourites: FavouritesOption = False,
    model: ModelOption = None,
) -> None:
    """Visualize what the computer is playing, or a microphone, with the learned features
    computed as the sound comes in (keys as in davis play: H for help, Q to quit).

    The model runs on the last 93 ms of input for every frame (60 per second); its features
    are smoothed and normalised causally, adapting to the input within a few seconds.
    """
    import random
    import sys

    from encoder.errors import DavisError
    from visualizer.live.devices import list_devices as find_devices
    from visualizer.live.devices import pick_device
    from visualizer.session import PlayOptions

    blending = transition_settings(transition, transition_style)
    autopilot = autopilot_settings(cycle, cycle_presets, favourites)
    try:
        sender = _open_osc(osc) if osc is not None and not list_devices else None
        devices = find_devices()
        if list_devices:
            _print_devices(devices)
            return
        chosen = pick_device(devices, device, mic)
    except DavisError as error:
        fail(str(error))
    window_size = parse_size(size)
    terminal = choose_terminal(terminal, windowed, size)
    try:
        look = resolve_look(animation, preset, autopilot, random.Random(seed))
        source = _open_source(chosen, model, keep_codes=save_codes is not None)
    except DavisError as error:
        fail(str(error))
    options = PlayOptions(seed=seed, fps_limit=fps_limit, duration_s=duration,
                          screenshot=screenshot, transition=blending, autopilot=autopilot,
                          status_line=not terminal and sys.stderr.isatty())
    from visualizer.live.player import build_live_parts

    try:
        run_session({}, look, options, terminal=terminal, windowed=windowed, size=window_size,
                    build=partial(build_live_parts, source, osc=sender,
                                  report=None if terminal else _report_to_terminal))
    finally:
        source.close()
        if save_codes is not None:
            try:
                source.save_codes(save_codes)
            except OSError as error:
                fail(f"{save_codes}: cannot write the codes ({error.strerror})")


def _open_source(device, model: Path | None, keep_codes: bool):
    from encoder.model_file import DEFAULT_MODEL_PATH, read_metadata
    from visualizer.live.capture import Capture
    from visualizer.live.source import LiveSource

    path = model or DEFAULT_MODEL_PATH
    rate = int(read_metadata(path)["config"]["sample_rate"])  # a bad model fails before capture
    capture = Capture(device, rate)
    source = LiveSource(capture, path, keep_codes=keep_codes)
    capture.start()
    return source


def _report_to_terminal(text: str) -> None:
    """A capture problem (or its end) as one line in the terminal that started the window."""
    from rich.markup import escape

    err.print(f"[yellow]live:[/] {escape(text)}", soft_wrap=True)


def _open_osc(target: str):
    from visualizer.live.osc import OscSender, parse_target

    return OscSender(*parse_target(target))


def _print_devices(devices) -> None:
    from rich.table import Table

    from encoder.model_file import DEFAULT_MODEL_PATH, read_metadata

    rate = read_metadata(DEFAULT_MODEL_PATH)["config"]["sample_rate"]
    table = Table(title="Audio inputs (davis live --device NUMBER)",
                  caption=f"Each is recorded at {rate:,} Hz, the model's rate (the sound server "
                          f"resamples; otherwise davis does, from 48,000 or 44,100 Hz).")
    for column in ("number", "name", "kind", "channels", "default"):
        table.add_column(column, justify="right" if column in ("number", "channels") else "left")
    for d in devices:
        table.add_row(str(d.number), d.name, d.kind, str(d.channels), "yes" if d.default else "")
    out.print(table)
