"""Feature quality on held-out songs: reconstruction error against PCA, and live features.

    python benchmarks/feature_quality.py [--train data/corpus/train] [--heldout data/corpus/heldout]
        [--model PATH] [--seed-model data/models/seed.safetensors]

For each model: the held-out reconstruction MSE (in the model's own normalised input space)
next to that of a 10-component PCA fitted on frames of the training songs (the best any
linear 10-number code can do), and the standard deviation of each normalised blur1 feature
over each held-out song (alive: above 0.05).
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

from encoder.audio import DEMO_SONG, find_songs, load_song
from encoder.inference import FeatureEncoder
from encoder.spectral import frame_centres, spectral_inputs
from encoder.training import evaluate_mse

ALIVE_STD = 0.05


def normalised_frames(encoder: FeatureEncoder, songs: list[Path], *, per_song: int | None,
                      stride: int = 6, seed: int = 0) -> torch.Tensor:
    """Normalised network inputs: `per_song` random frames of each song, or every `stride`-th."""
    config, model = encoder.config, encoder.model
    rng = np.random.default_rng(seed)
    parts = []
    for path in songs:
        samples = load_song(path, config.sample_rate).samples
        centres = frame_centres(len(samples), sample_rate=config.sample_rate, fps=config.fps)
        centres = np.sort(rng.choice(centres, per_song)) if per_song else centres[::stride]
        with torch.inference_mode():
            inputs = spectral_inputs(torch.from_numpy(samples).to(encoder.device),
                                     torch.from_numpy(centres).to(encoder.device), config,
                                     model.mel_basis)
            parts.append(model.normalise(inputs))
    return torch.cat(parts)


def pca_mse(train: torch.Tensor, test: torch.Tensor, components: int = 10) -> float:
    mean = train.mean(0)
    _, _, basis = torch.pca_lowrank(train - mean, q=components + 10, center=False, niter=6)
    basis = basis[:, :components]
    centred = test - mean
    return float(((centred @ basis) @ basis.T - centred).square().mean())


def feature_spread(encoder: FeatureEncoder, songs: list[Path]) -> list[np.ndarray]:
    """Per song, the standard deviation of each normalised blur1 feature."""
    return [encoder.encode_file(path).blur(1).std(axis=0) for path in songs]


def evaluate(name: str, model_path: Path | None, train_songs: list[Path], heldout: list[Path],
             console: Console) -> list[str]:
    encoder = FeatureEncoder(model_path, "auto")
    console.print(f"[dim]{name}: reading frames…[/]")
    train = normalised_frames(encoder, train_songs, per_song=100)
    test = normalised_frames(encoder, heldout, per_song=None)
    with torch.inference_mode():
        model_mse = evaluate_mse(encoder.model, test)
    baseline = pca_mse(train, test)
    spreads = feature_spread(encoder, heldout)
    weakest = [float(spread.min()) for spread in spreads]
    alive = sum(w > ALIVE_STD for w in weakest)
    demo = float(feature_spread(encoder, [DEMO_SONG])[0].min())
    ratio = model_mse / baseline
    colour = "green" if ratio < 1 else "red"
    return [name, f"{encoder.model.parameter_count():,}", f"{model_mse:.4f}", f"{baseline:.4f}",
            f"[{colour}]{ratio:.3f}[/]", f"{statistics.median(weakest):.3f}",
            f"{alive}/{len(spreads)}", f"{demo:.3f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=Path("data/corpus/train"))
    parser.add_argument("--heldout", type=Path, default=Path("data/corpus/heldout"))
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--seed-model", type=Path, default=Path("data/models/seed.safetensors"))
    parser.add_argument("--max-train-songs", type=int, default=120)
    parser.add_argument("--max-heldout-songs", type=int, default=None,
                        help="evaluate on the first N held-out songs (the seed network is slow "
                             "to run over whole songs on a CPU)")
    args = parser.parse_args()
    console = Console(width=130)
    train_songs, problems = find_songs([args.train])
    heldout, more = find_songs([args.heldout])
    if problems or more:
        for problem in problems + more:
            console.print(f"[red]error:[/] {problem}")
        console.print("Build the corpus first: python scripts/build_corpus.py")
        sys.exit(2)
    train_songs = train_songs[:: max(1, len(train_songs) // args.max_train_songs)]
    heldout = heldout[:args.max_heldout_songs]
    table = Table(title=f"Feature quality on {len(heldout)} held-out songs "
                        f"(PCA fitted on {len(train_songs)} training songs)")
    for column in ("model", "weights", "AE MSE", "PCA-10 MSE", "AE / PCA", "weakest std (median song)",
                   f"songs all > {ALIVE_STD}", "weakest std (demo)"):
        table.add_column(column, justify="right" if column != "model" else "left")
    table.add_row(*evaluate("shipped (compact)", args.model, train_songs, heldout, console))
    if args.seed_model.is_file():
        table.add_row(*evaluate("seed (2017 original)", args.seed_model, train_songs, heldout, console))
    else:
        console.print(f"[yellow]no seed model at {args.seed_model}[/]: train one with "
                      f"`davis train data/corpus/train --arch seed -o {args.seed_model}`")
    console.print(table)
    console.print("MSE: mean squared error per input value in each model's normalised input space; "
                  "AE / PCA < 1 means the autoencoder beats the best linear 10-number code.")


if __name__ == "__main__":
    main()
