"""`davis train`: fit the autoencoder on your own music."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from visualizer.commands.encode import Device, DeviceOption
from visualizer.console import error_line, fail, out, progress_bar, warning_line


# What `davis train` needs beyond playing: pyproject.toml's `train` extra.
TRAIN_PACKAGES = {"librosa": "the mel filter banks", "matplotlib": "the loss curve"}


class Arch(str, Enum):
    compact = "compact"
    seed = "seed"


def train(
    inputs: Annotated[list[Path], typer.Argument(
        help="Audio files or folders (searched recursively) to sample training frames from.",
        show_default=False)],
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to save the model (.safetensors; a .json copy of its "
                               "metadata and a .loss.png curve go beside it).",
        show_default=False)],
    arch: Annotated[Arch, typer.Option(
        "--arch", help="compact: log-mel input, ~270k weights (default). seed: the 2017 "
                       "original, |FFT| of 0.5 s windows, 11025-5000-...-10 sigmoid network.")] = Arch.compact,
    epochs: Annotated[Optional[int], typer.Option(
        "--epochs", min=1, help="Passes over the sampled frames. Default: 40 (compact), "
                                "2,000 iterations' worth (seed).", show_default=False)] = None,
    frames_per_song: Annotated[int, typer.Option(
        "--frames-per-song", min=1, help="Random analysis windows taken from each song.")] = 300,
    pitch_shift: Annotated[int, typer.Option(
        "--pitch-shift", min=0, max=12,
        help="Also learn from copies of each song played 1..N semitones higher and lower "
             "(faster and slower); the frames per song are spread over them. Reconstructs "
             "music not trained on better; the shipped model, trained without, follows "
             "onsets more closely.")] = 0,
    device: DeviceOption = Device.auto,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same model).")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Train a feature-learning autoencoder on your audio.

    A tenth of the songs is held out to report honest reconstruction loss, next to that of
    the best linear 10-number code (PCA) for scale.
    """
    from encoder.audio import find_songs
    from encoder.config import ARCHITECTURES
    from encoder.errors import DavisError

    _check_training_packages()
    if output.suffix != ".safetensors":
        output = output.with_name(output.name + ".safetensors")
    if output.exists() and not force:
        fail(f"{output}: already exists; pass --force to replace it")
    if not _writable_folder(output.parent):
        fail(f"{output.parent}: folder does not exist or is not writable")
    songs, problems = find_songs(inputs)
    for problem in problems:
        error_line(str(problem))
    if not songs:
        fail("no audio files to train on")
    from encoder.training import TrainingOptions, train_and_save

    options = TrainingOptions(epochs=epochs, frames_per_song=frames_per_song, seed=seed,
                              pitch_shift=pitch_shift, device=device.value)
    with progress_bar() as progress:
        reading = progress.add_task("Reading songs", total=len(songs), status="")
        epoch_task = progress.add_task("Training", total=None, visible=False, status="")

        def on_song(path: Path) -> None:
            progress.update(reading, advance=1, status=path.name)

        def on_epoch(report) -> None:
            progress.update(epoch_task, visible=True, total=report.epochs, completed=report.epoch,
                            status=f"loss {report.train_loss[-1]:.4f}, held-out "
                                   f"{report.heldout_loss[-1]:.4f} (PCA-10 "
                                   f"{report.pca_heldout_loss:.4f})")
        try:
            summary = train_and_save(songs, output, ARCHITECTURES[arch.value], options,
                                     on_song, on_epoch)
        except DavisError as error:
            fail(str(error))
    for skipped in summary.pop("skipped"):
        warning_line(f"skipped {skipped}")
    verdict = "beats" if summary["final_heldout_mse"] < summary["pca10_heldout_mse"] else "does not beat"
    out.print(f"[green]✓[/] Saved {output} ({summary['parameters']:,} weights, "
              f"{summary['songs']} songs, {summary['training_time_s']} s on {summary['device']})")
    out.print(f"  held-out MSE {summary['final_heldout_mse']:.4f} {verdict} PCA-10's "
              f"{summary['pca10_heldout_mse']:.4f}; loss curve: {output.with_suffix('.loss.png')}")


def _writable_folder(folder: Path) -> bool:
    import os

    return folder.is_dir() and os.access(folder, os.W_OK)


def _check_training_packages() -> None:
    """Fail in one line, before any work, when the `train` extra is not installed."""
    from importlib.util import find_spec

    from visualizer import DISTRIBUTION

    def absent(name: str) -> bool:
        try:
            return find_spec(name) is None
        except (ImportError, ValueError):  # blocked by an import hook, or a half-removed module
            return True

    missing = [name for name in TRAIN_PACKAGES if absent(name)]
    if missing:
        needs = " and ".join(f"{name} ({TRAIN_PACKAGES[name]})" for name in missing)
        fail(f"davis train needs {needs}: pip install '{DISTRIBUTION}[train]'")
