"""The stacked autoencoder, and its file format: safetensors weights + JSON metadata."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from encoder.config import ModelConfig
from encoder.errors import ModelError
from encoder.model_file import (DEFAULT_MODEL_PATH, MODEL_FORMAT, MODEL_FORMAT_VERSION,
                                read_metadata)



def _layers(sizes: list[int], activation: str, activate_last: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if index < len(sizes) - 2 or activate_last:
            layers.append(nn.Sigmoid() if activation == "sigmoid" else nn.GELU())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Fully connected autoencoder with a 10-unit linear code layer and a mirrored decoder.

    Input normalisation (per-bin offset and scale) and the mel filter bank are buffers, so
    one weights file holds everything needed to turn audio into features.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        sizes = [config.n_inputs, *config.hidden]
        self.encoder = _layers(sizes, config.activation, activate_last=False)
        # The original's decoder ends in a sigmoid too; ours regresses normalised log-mels.
        self.decoder = _layers(sizes[::-1], config.activation,
                               activate_last=config.activation == "sigmoid")
        self.register_buffer("input_offset", torch.zeros(config.n_inputs))
        self.register_buffer("input_scale", torch.ones(config.n_inputs))
        n_bins = config.window // 2 + 1
        self.register_buffer("mel_basis", torch.zeros(config.n_mels, n_bins))

    def normalise(self, inputs: torch.Tensor) -> torch.Tensor:
        return (inputs - self.input_offset) / self.input_scale

    def encode(self, normalised: torch.Tensor) -> torch.Tensor:
        return self.encoder(normalised)

    def forward(self, normalised: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(normalised))

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_model(model: Autoencoder, path: Path, training: dict) -> None:
    """Write `path` (.safetensors, metadata in its header) and a readable JSON copy beside it."""
    from safetensors.torch import save

    from encoder.files import atomic_write_bytes, atomic_write_text

    metadata = {"format": MODEL_FORMAT, "format_version": MODEL_FORMAT_VERSION,
                "config": model.config.to_dict(), "training": training}
    tensors = {name: tensor.detach().to("cpu", torch.float32).contiguous()
               for name, tensor in model.state_dict().items()}
    blob = save(tensors, metadata={"davis": json.dumps(metadata)})
    atomic_write_bytes(path, blob)
    atomic_write_text(path.with_suffix(".json"), json.dumps(metadata, indent=2) + "\n")


def load_model(path: Path | None = None, device: str | torch.device = "cpu") -> Autoencoder:
    """Rebuild the model stored at `path` (the shipped default when None)."""
    from safetensors.torch import load_file

    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    metadata = read_metadata(path)
    model = Autoencoder(ModelConfig.from_dict(metadata["config"]))
    try:
        model.load_state_dict(load_file(str(path)))
    except (RuntimeError, KeyError) as error:
        reason = str(error).splitlines()[0]
        raise ModelError(f"weights do not match the stored architecture ({reason})", path) from None
    return model.to(device).eval()


def resolve_device(choice: str) -> torch.device:
    """'auto' picks CUDA when present; 'cuda' without a GPU is an error, not a silent fallback."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise ModelError("--device cuda was asked for but no CUDA GPU is available")
    if choice not in ("cpu", "cuda"):
        raise ModelError(f"unknown device {choice!r} (use auto, cpu or cuda)")
    return torch.device(choice)
