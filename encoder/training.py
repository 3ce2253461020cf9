"""Training the autoencoder on frames sampled from songs."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from encoder.audio import load_song
from encoder.config import ModelConfig
from encoder.errors import AudioError, DavisError
from encoder.model import Autoencoder, resolve_device, save_model
from encoder.spectral import spectral_inputs

HELDOUT_FRACTION = 0.1


@dataclass
class TrainingOptions:
    epochs: int | None = None  # None: the architecture's default
    frames_per_song: int = 300
    pitch_shift: int = 0  # also train on copies shifted by 1..this many semitones up and down
    batch_size: int | None = None
    seed: int = 0
    device: str = "auto"


@dataclass
class TrainingReport:
    """What the caller shows as training goes, and what is stored with the weights."""

    epoch: int = 0
    epochs: int = 0
    train_loss: list[float] = field(default_factory=list)
    heldout_loss: list[float] = field(default_factory=list)
    pca_heldout_loss: float = math.nan


@dataclass
class FrameSet:
    train: torch.Tensor  # (frames, n_inputs), raw (unnormalised) network inputs
    heldout: torch.Tensor
    n_train_songs: int
    n_heldout_songs: int
    skipped: list[DavisError]


def mel_filter_bank(config: ModelConfig) -> torch.Tensor:
    """(n_mels, window // 2 + 1) Slaney-normalised mel filters (librosa)."""
    import librosa

    basis = librosa.filters.mel(sr=config.sample_rate, n_fft=config.window, n_mels=config.n_mels,
                                fmin=config.fmin_hz, fmax=config.fmax_hz)
    return torch.from_numpy(basis.astype(np.float32))


def collect_frames(songs: list[Path], config: ModelConfig, mel_basis: torch.Tensor | None,
                   options: TrainingOptions, device: torch.device,
                   on_song: Callable[[Path], None] = lambda path: None) -> FrameSet:
    """Sample `frames_per_song` random windows from each song; hold out whole songs.

    With `options.pitch_shift`, a training song's frames are spread over it and its copies
    shifted by 1..pitch_shift semitones either way (held-out songs stay as they are). With a
    single song, its last tenth is held out instead.
    """
    rng = np.random.default_rng(options.seed)
    order = rng.permutation(len(songs))
    n_heldout = int(round(len(songs) * HELDOUT_FRACTION)) if len(songs) >= 2 else 0
    n_heldout = max(n_heldout, 1) if len(songs) >= 2 else 0
    heldout_songs = {songs[i] for i in order[:n_heldout]}
    train_parts, heldout_parts, skipped = [], [], []
    trained_songs = 0
    for path in songs:
        on_song(path)
        try:
            song = load_song(path, config.sample_rate)
        except DavisError as error:
            skipped.append(error)
            continue
        if len(song.samples) < config.window:
            skipped.append(AudioError("shorter than one analysis window", path))
            continue
        if path in heldout_songs:
            heldout_parts.append(_sampled_inputs(song.samples, options.frames_per_song, rng,
                                                 config, mel_basis, device))
            continue
        shifts = range(-options.pitch_shift, options.pitch_shift + 1)
        per_version = max(1, options.frames_per_song // len(shifts))
        trained_songs += 1
        for shift in shifts:
            samples = pitch_shifted(song.samples, config.sample_rate, shift)
            inputs = _sampled_inputs(samples, per_version, rng, config, mel_basis, device)
            # one song: the last tenth of its own version is held out, and of copies unused
            split = int(len(inputs) * (1 - HELDOUT_FRACTION)) if n_heldout == 0 else len(inputs)
            train_parts.append(inputs[:split])
            if n_heldout == 0 and shift == 0:
                heldout_parts.append(inputs[split:])
    if not train_parts or not heldout_parts:
        raise DavisError("not enough usable audio to train on "
                         f"({len(songs) - len(skipped)} of {len(songs)} files decoded)")
    return FrameSet(torch.cat(train_parts), torch.cat(heldout_parts),
                    n_train_songs=trained_songs,
                    n_heldout_songs=len(heldout_parts), skipped=skipped)


def _sampled_inputs(samples: np.ndarray, count: int, rng: np.random.Generator,
                    config: ModelConfig, mel_basis: torch.Tensor | None,
                    device: torch.device) -> torch.Tensor:
    """The network inputs of `count` random windows of `samples`, in time order."""
    centres = np.sort(rng.integers(0, len(samples), size=count))
    audio = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32)).to(device)
    return spectral_inputs(audio, torch.from_numpy(centres).to(device), config, mel_basis)


def pitch_shifted(samples: np.ndarray, sample_rate: int, semitones: int) -> np.ndarray:
    """The song played faster or slower by 2 ** (semitones / 12): every frequency moves by
    that many semitones (and the tempo with it), a new key and register for the same music.

    Trained on the 98 recorded songs, copies at -4..+4 semitones took the held-out
    reconstruction from 0.80 to 0.70 x PCA's error, where more frames of the same songs
    alone (0.80) only fit those songs better. Its features followed onsets less, so the
    shipped model is trained without (README, feature quality).
    """
    if semitones == 0:
        return samples
    import soxr

    return soxr.resample(samples, sample_rate, round(sample_rate / 2 ** (semitones / 12)))


def set_input_normalisation(model: Autoencoder, train_inputs: torch.Tensor) -> None:
    if model.config.input_transform == "log-mel":
        model.input_offset.copy_(train_inputs.mean(0))
        model.input_scale.copy_(train_inputs.std(0).clamp_min(1e-3))
    else:  # the original fed raw |FFT| values (samples in [-1, 1]) to its network
        model.input_offset.zero_()
        model.input_scale.fill_(1.0)


def pca_reconstruction_mse(train: torch.Tensor, heldout: torch.Tensor, components: int) -> float:
    """Held-out MSE of the best linear code of `components` numbers fitted on `train`."""
    mean = train.mean(0)
    _, _, basis = torch.pca_lowrank(train - mean, q=min(components + 10, *train.shape),
                                    center=False, niter=6)
    basis = basis[:, :min(components, basis.shape[1])]
    centred = heldout - mean
    return float(((centred @ basis) @ basis.T - centred).square().mean())


def _solver(model: Autoencoder, arch: str, steps: int):
    if arch == "seed":  # the original's Caffe solver
        optimiser = torch.optim.SGD(model.parameters(), lr=1e-7, momentum=0.9, weight_decay=5e-4)
        return optimiser, None
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-5)
    return optimiser, torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=2e-3,
                                                          total_steps=max(steps, 1))


def _training_loss(model: Autoencoder, batch: torch.Tensor) -> torch.Tensor:
    error = model(batch).float() - batch
    if model.config.arch == "seed":  # Caffe's EuclideanLoss: sum of squares / (2 * batch)
        return error.square().sum() / (2 * batch.shape[0])
    return error.square().mean()


@torch.no_grad()
def evaluate_mse(model: Autoencoder, normalised: torch.Tensor, batch_size: int = 4096) -> float:
    """Mean squared reconstruction error per input value, in the model's normalised space."""
    total = 0.0
    for start in range(0, normalised.shape[0], batch_size):
        chunk = normalised[start:start + batch_size]
        total += float((model(chunk).float() - chunk).square().sum())
    return total / normalised.numel()


def train(config: ModelConfig, frames: FrameSet, options: TrainingOptions,
          on_epoch: Callable[[TrainingReport], None] = lambda report: None) -> tuple[Autoencoder, TrainingReport]:
    """Train a model of `config` on `frames`; `on_epoch` sees the report after every epoch."""
    device = frames.train.device
    torch.manual_seed(options.seed)
    model = Autoencoder(config).to(device)
    if config.input_transform == "log-mel":
        model.mel_basis.copy_(mel_filter_bank(config).to(device))
    set_input_normalisation(model, frames.train)
    train_set = model.normalise(frames.train)
    heldout_set = model.normalise(frames.heldout)
    batch_size = options.batch_size or (100 if config.arch == "seed" else 256)
    steps_per_epoch = math.ceil(train_set.shape[0] / batch_size)
    epochs = options.epochs or (max(1, math.ceil(2000 / steps_per_epoch)) if config.arch == "seed" else 40)
    optimiser, scheduler = _solver(model, config.arch, epochs * steps_per_epoch)
    report = TrainingReport(epochs=epochs,
                            pca_heldout_loss=pca_reconstruction_mse(train_set, heldout_set, config.code_size))
    generator = torch.Generator(device=device).manual_seed(options.seed)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(train_set.shape[0], device=device, generator=generator)
        for start in range(0, train_set.shape[0], batch_size):
            batch = train_set[order[start:start + batch_size]]
            with autocast:
                loss = _training_loss(model, batch)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if scheduler is not None:
                scheduler.step()
        model.eval()
        report.epoch = epoch
        report.train_loss.append(evaluate_mse(model, train_set))
        report.heldout_loss.append(evaluate_mse(model, heldout_set))
        on_epoch(report)
    if config.arch != "seed":  # the 2017 network is kept as it was
        rotate_code_to_independent_components(model, train_set, options.seed)
    return model, report


@torch.no_grad()
def rotate_code_to_independent_components(model: Autoencoder, normalised: torch.Tensor,
                                          seed: int = 0) -> None:
    """Re-express the code layer in independent components (`encoder.independent`), folded
    into the weights: the encoder's last layer gives (code - mean) @ U, the decoder's first
    layer takes that back, so every reconstruction stays the same."""
    from encoder.independent import independent_components

    codes = torch.cat([model.encode(normalised[i:i + 8192])
                       for i in range(0, normalised.shape[0], 8192)]).double().cpu().numpy()
    mean, unmixing = independent_components(codes, seed=seed)
    last = [m for m in model.encoder if isinstance(m, torch.nn.Linear)][-1]
    first = [m for m in model.decoder if isinstance(m, torch.nn.Linear)][0]
    device, dtype = last.weight.device, last.weight.dtype
    u = torch.from_numpy(unmixing).to(device, torch.float64)
    m = torch.from_numpy(mean).to(device, torch.float64)
    u_inverse = torch.linalg.inv(u)
    encoder_weight, encoder_bias = last.weight.double(), last.bias.double()
    decoder_weight, decoder_bias = first.weight.double(), first.bias.double()
    last.weight.copy_((u.T @ encoder_weight).to(dtype))
    last.bias.copy_(((encoder_bias - m) @ u).to(dtype))
    first.weight.copy_((decoder_weight @ u_inverse.T).to(dtype))
    first.bias.copy_((m @ decoder_weight.T + decoder_bias).to(dtype))


def write_loss_curve(report: TrainingReport, path: Path, title: str) -> None:
    """A PNG of train and held-out loss per epoch, with the PCA baseline for scale."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    from encoder.files import atomic_write_bytes

    figure, axes = pyplot.subplots(figsize=(7, 4), dpi=110)
    epochs = range(1, len(report.train_loss) + 1)
    axes.plot(epochs, report.train_loss, label="train")
    axes.plot(epochs, report.heldout_loss, label="held-out")
    axes.axhline(report.pca_heldout_loss, color="grey", linestyle="--", label="PCA-10 held-out")
    axes.set(xlabel="epoch", ylabel="reconstruction MSE (normalised input)", title=title, yscale="log")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    atomic_write_bytes(path, buffer.getvalue())


def train_and_save(songs: list[Path], output: Path, config: ModelConfig, options: TrainingOptions,
                   on_song: Callable[[Path], None] = lambda path: None,
                   on_epoch: Callable[[TrainingReport], None] = lambda report: None) -> dict:
    """The whole `davis train` job; returns the metadata stored with the model."""
    from importlib.metadata import version

    from encoder import DISTRIBUTION

    device = resolve_device(options.device)
    started = time.perf_counter()
    mel_basis = mel_filter_bank(config).to(device) if config.input_transform == "log-mel" else None
    frames = collect_frames(songs, config, mel_basis, options, device, on_song)
    model, report = train(config, frames, options, on_epoch)
    training = {
        "davis_version": version(DISTRIBUTION),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "songs": len(songs) - len(frames.skipped),
        "frames_train": int(frames.train.shape[0]),
        "frames_heldout": int(frames.heldout.shape[0]),
        "heldout_songs": frames.n_heldout_songs,
        "pitch_shift": options.pitch_shift,
        "epochs": report.epochs,
        "seed": options.seed,
        "device": device.type,
        "parameters": model.parameter_count(),
        "final_train_mse": report.train_loss[-1],
        "final_heldout_mse": report.heldout_loss[-1],
        "pca10_heldout_mse": report.pca_heldout_loss,
        "training_time_s": round(time.perf_counter() - started, 1),
    }
    save_model(model, output, training)
    write_loss_curve(report, output.with_suffix(".loss.png"), f"davis {config.arch} autoencoder")
    training["skipped"] = [str(error) for error in frames.skipped]
    return training
