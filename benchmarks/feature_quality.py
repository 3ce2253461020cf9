"""Feature quality on held-out real recordings: reconstruction against PCA, range, and events.

    python benchmarks/feature_quality.py [--train data/recordings/train data/corpus/train]
        [--heldout data/recordings/heldout] [--model PATH] [--compare PATH ...]

For each model, on songs of packages it never trained on (`scripts/build_recordings.py`):

- AE / PCA: held-out reconstruction MSE (in the model's own normalised input space) over
  that of a 10-component PCA fitted on frames of the training songs (the best any linear
  10-number code can do). Target <= 0.60.
- spread: the 10th–90th percentile range of each normalised blur1 feature, median over
  features and songs (parameters that hover around `avg` have a small one). Target >= 0.70.
- best |r|: the largest |Pearson r| of any blur1 feature with librosa's onset strength at
  60 fps, median song. Target >= 0.50.
- onset R²: onset strength predicted from the 10 features by least squares fitted on one
  half of each song, scored on the other half, median song. Target >= 0.30.
- alive: songs on which every feature varies (standard deviation above 0.05).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import heldout_recordings, onset_strength  # noqa: E402

from encoder.audio import find_songs, load_song  # noqa: E402
from encoder.inference import FeatureEncoder  # noqa: E402
from encoder.model import Autoencoder, load_model  # noqa: E402
from encoder.spectral import frame_centres, spectral_inputs  # noqa: E402
from encoder.training import evaluate_mse  # noqa: E402

ALIVE_STD = 0.05


def normalised_frames(model: Autoencoder, samples: np.ndarray, centres: np.ndarray) -> torch.Tensor:
    device = model.mel_basis.device
    with torch.inference_mode():
        inputs = spectral_inputs(torch.from_numpy(samples).to(device),
                                 torch.from_numpy(centres).to(device), model.config,
                                 model.mel_basis)
        return model.normalise(inputs)


def training_frames(model: Autoencoder, songs: list[Path], per_song: int = 300) -> torch.Tensor:
    rng = np.random.default_rng(0)
    parts = []
    for path in songs:
        samples = load_song(path, model.config.sample_rate).samples
        centres = frame_centres(len(samples), sample_rate=model.config.sample_rate,
                                fps=model.config.fps)
        parts.append(normalised_frames(model, samples, np.sort(rng.choice(centres, per_song))))
    return torch.cat(parts)


def pca_basis(train: torch.Tensor, components: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The mean and top principal directions (n_inputs, components) of the training frames."""
    mean = train.mean(0)
    _, _, vectors = torch.linalg.svd(train - mean, full_matrices=False)
    return mean, vectors[:components].T


def pca_mse(basis: tuple[torch.Tensor, torch.Tensor], test: torch.Tensor) -> float:
    mean, directions = basis
    centred = test - mean
    return float(((centred @ directions) @ directions.T - centred).square().mean())


def onset_fit(features: np.ndarray, onset: np.ndarray) -> tuple[float, float]:
    """(best single-feature |r|, half-song linear-fit R²) of onset strength from features."""
    n = min(len(features), len(onset))
    features, onset = features[:n].astype(np.float64), onset[:n]
    r = [abs(np.corrcoef(features[:, k], onset)[0, 1]) if features[:, k].std() > 0 else 0.0
         for k in range(features.shape[1])]
    half = n // 2
    design = np.c_[features, np.ones(n)]
    coefficients, *_ = np.linalg.lstsq(design[:half], onset[:half], rcond=None)
    residual = onset[half:] - design[half:] @ coefficients
    total = ((onset[half:] - onset[half:].mean()) ** 2).sum()
    return float(max(r)), float(1.0 - (residual ** 2).sum() / total) if total > 0 else float("nan")


def evaluate(name: str, model_path: Path | None, train_songs: list[Path], heldout: list[Path],
             console: Console) -> list[str]:
    encoder = FeatureEncoder(model_path, "auto")
    model = load_model(model_path, encoder.device)  # the whole autoencoder, for its error
    config = encoder.config
    console.print(f"[dim]{name}: PCA on {len(train_songs)} training songs…[/]")
    basis = pca_basis(training_frames(model, train_songs), config.code_size)
    model_error = pca_error = 0.0
    spreads, best_r, r2, alive = [], [], [], 0
    for index, path in enumerate(heldout):
        console.print(f"[dim]{name}: {index + 1}/{len(heldout)} {path.name}[/]", end="\r")
        samples = load_song(path, config.sample_rate).samples
        centres = frame_centres(len(samples), sample_rate=config.sample_rate, fps=config.fps)
        test = normalised_frames(model, samples, centres[::3])
        with torch.inference_mode():
            model_error += evaluate_mse(model, test) * test.numel()
        pca_error += pca_mse(basis, test) * test.numel()
        features = encoder.encode_song(load_song(path, config.sample_rate)).blur(1)
        spread = np.percentile(features, 90, axis=0) - np.percentile(features, 10, axis=0)
        spreads.append(float(np.median(spread)))
        alive += bool(features.std(axis=0).min() > ALIVE_STD)
        r, fit = onset_fit(features, onset_strength(samples, config.sample_rate, config.fps))
        best_r.append(r)
        r2.append(fit)
    console.print()
    ratio = model_error / pca_error
    return [name, f"{model.parameter_count():,}", mark(f"{ratio:.3f}", ratio <= 0.60),
            mark(f"{statistics.median(spreads):.2f}", statistics.median(spreads) >= 0.70),
            mark(f"{statistics.median(best_r):.2f}", statistics.median(best_r) >= 0.50),
            mark(f"{statistics.median(r2):.2f}", statistics.median(r2) >= 0.30),
            mark(f"{alive}/{len(heldout)}", alive == len(heldout))]


def mark(text: str, good: bool) -> str:
    return f"[green]{text}[/]" if good else f"[red]{text}[/]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, nargs="+",
                        default=[Path("data/recordings/train"), Path("data/corpus/train")])
    parser.add_argument("--heldout", type=Path, default=Path("data/recordings/heldout"))
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--compare", type=Path, nargs="*", default=[],
                        help="more model files to evaluate the same way")
    parser.add_argument("--max-train-songs", type=int, default=120)
    parser.add_argument("--heldout-songs", type=int, default=None,
                        help="evaluate on N held-out songs spread over the folder (default: all)")
    args = parser.parse_args()
    console = Console(width=130)
    train_songs, problems = find_songs([folder for folder in args.train if folder.exists()])
    if problems or not train_songs:
        raise SystemExit("no training songs: build them with scripts/build_recordings.py "
                         "and scripts/build_corpus.py")
    train_songs = train_songs[:: max(1, len(train_songs) // args.max_train_songs)]
    heldout = heldout_recordings(args.heldout, args.heldout_songs)
    table = Table(title=f"Feature quality on {len(heldout)} held-out recordings "
                        f"(PCA fitted on {len(train_songs)} training songs)")
    for column in ("model", "weights", "AE / PCA", "spread", "best |r| onset", "onset R²",
                   "all alive"):
        table.add_column(column, justify="right" if column != "model" else "left")
    table.add_row(*evaluate("shipped" if args.model is None else str(args.model), args.model,
                            train_songs, heldout, console))
    for path in args.compare:
        table.add_row(*evaluate(str(path), path, train_songs, heldout, console))
    console.print(table)
    console.print("Targets: AE / PCA <= 0.60, spread >= 0.70, best |r| >= 0.50, onset R² >= 0.30, "
                  "every feature alive on every song.")


if __name__ == "__main__":
    main()
