"""`davis encode`: songs to cached features (and optionally to a file)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from visualizer.commands.common import warn_if_still
from visualizer.console import EXIT_BAD_INPUT, error_line, fail, out, progress_bar


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Format(str, Enum):
    npz = "npz"
    json = "json"


SongsArgument = Annotated[Optional[list[Path]], typer.Argument(
    help="Audio files (WAV, FLAC, OGG, MP3) or folders searched recursively. "
         "None: the bundled demo song.", show_default=False)]
ModelOption = Annotated[Optional[Path], typer.Option(
    "--model", "-m", help="A model from [bold]davis train[/] (.safetensors). Default: the shipped model.",
    show_default=False)]
DeviceOption = Annotated[Device, typer.Option(
    "--device", help="Where the network runs: auto picks a CUDA GPU when there is one.")]


def encode(
    songs: SongsArgument = None,
    model: ModelOption = None,
    device: DeviceOption = Device.auto,
    out_arg: Annotated[Optional[str], typer.Option(
        "--out", "-o", help="Also write the features here: a file for one song, a folder for "
                            "several.", show_default=False)] = None,
    format: Annotated[Optional[Format], typer.Option(
        "--format", "-f", help="File format for --out: npz (arrays) or json (the 2017 web page's "
                               "format). Default: from --out's extension, else npz.",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Recompute even when cached.")] = False,
    jobs: Annotated[Optional[int], typer.Option(
        "--jobs", "-j", min=1, help="Songs encoded at once, each in its own process (CPU). "
                                    "Default: one per core.", show_default=False)] = None,
) -> None:
    """Compute the learned features of songs: 10 numbers per 1/60 s frame, smoothed at 7 levels.

    Results are cached (keyed by the audio content and the model), so [bold]davis play[/] starts
    at once. A failing song is reported and skipped; the exit code is 2 if any failed.
    """
    from encoder.audio import DEMO_SONG, find_songs
    from encoder.batch import FeatureSource
    from encoder.errors import DavisError

    out_path = Path(out_arg) if out_arg else None
    out_is_folder = bool(out_arg) and (out_arg.endswith(("/", "\\")) or Path(out_arg).is_dir())
    paths, problems = find_songs(songs or [DEMO_SONG])
    for problem in problems:
        error_line(str(problem))
    try:
        source = FeatureSource(model, device.value)
    except DavisError as error:
        fail(str(error))
    chosen_format = format or (Format.json if out_path and out_path.suffix.lower() == ".json"
                               else Format.npz)
    destinations = _destinations(paths, out_path, chosen_format, out_is_folder) if out_path else {}
    failures = len(problems)
    with progress_bar() as progress:
        task = progress.add_task("Encoding", total=len(paths), status="")
        for outcome in source.get_many(paths, force=force, jobs=jobs):
            path = outcome.path
            progress.update(task, status=path.name)
            if outcome.error is None and path in destinations:
                outcome.error = _write(outcome.features, destinations[path], chosen_format)
            if outcome.error is not None:
                failures += 1
                error_line(str(outcome.error))
            else:
                _report(outcome, destinations.get(path))
            progress.advance(task)
    if paths and failures < len(paths) + len(problems):
        out.print(f"[dim]Cache: {source.cache.folder}[/]")
    if failures:
        raise typer.Exit(EXIT_BAD_INPUT)


def _destinations(paths: list[Path], out_path: Path, chosen: Format,
                  out_is_folder: bool) -> dict[Path, Path]:
    """Where each song's file goes: OUT itself for one song, OUT/<name>.<format> otherwise."""
    if len(paths) == 1 and not out_is_folder:
        return {paths[0]: out_path}
    taken: set[str] = set()
    destinations = {}
    for path in paths:
        name, number = path.stem, 1
        while name in taken:
            number += 1
            name = f"{path.stem}-{number}"
        taken.add(name)
        destinations[path] = out_path / f"{name}.{chosen.value}"
    return destinations


def _write(features, destination: Path, chosen: Format):
    from encoder.errors import DavisError

    try:
        if chosen is Format.json:
            features.save_json(destination)
        else:
            features.save_npz(destination)
    except OSError as error:
        return DavisError(f"cannot write features ({error.strerror})", destination)
    return None


def _report(outcome, destination: Path | None) -> None:
    features = outcome.features
    minutes, seconds = divmod(features.duration_s, 60)
    where = f" → {escape(str(destination))}" if destination else ""
    cached = " [dim](cached)[/]" if outcome.from_cache else ""
    out.print(f"[green]✓[/] {escape(str(outcome.path))}  {int(minutes)}:{seconds:04.1f}  "
              f"{features.n_frames} frames{cached}{where}", soft_wrap=True)
    warn_if_still(outcome.path, features)
