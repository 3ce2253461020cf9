"""The encoder half of a saved model, run in numpy: the CPU path, which never imports torch.

Importing torch costs more than a whole song's encoding on the CPU (about 2 s against
0.5 s for a 2-minute song), for a network numpy runs in milliseconds. The layer layout is
read from the same `ModelConfig` as `encoder.model.Autoencoder`, and a test holds the two
to the same codes for every architecture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from encoder.config import ModelConfig
from encoder.errors import ModelError
from encoder.model_file import read_metadata


BLOCK_ROWS = 128


class NumpyEncoder:
    """Input normalisation, mel filter bank and encoder layers of one model file."""

    def __init__(self, path: Path) -> None:
        from safetensors.numpy import load_file

        self.path = Path(path)
        self.config = ModelConfig.from_dict(read_metadata(self.path)["config"])
        tensors = load_file(str(self.path))
        config = self.config
        sizes = [config.n_inputs, *config.hidden]
        try:
            # nn.Sequential numbers an activation after every hidden Linear: 0, 2, 4, ...
            self.layers = [(_take(tensors, f"encoder.{2 * k}.weight", (n_out, n_in)).T.copy(),
                            _take(tensors, f"encoder.{2 * k}.bias", (n_out,)))
                           for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]
            self.input_offset = _take(tensors, "input_offset", (config.n_inputs,))
            self.input_scale = _take(tensors, "input_scale", (config.n_inputs,))
            self.mel_basis = _take(tensors, "mel_basis", (config.n_mels, config.window // 2 + 1))
        except KeyError as error:
            raise ModelError(f"weights do not match the stored architecture ({error.args[0]})",
                             path) from None
        self._activation = _sigmoid if config.activation == "sigmoid" else _gelu

    def normalise(self, inputs: np.ndarray) -> np.ndarray:
        return (inputs - self.input_offset) / self.input_scale

    def encode(self, normalised: np.ndarray) -> np.ndarray:
        """(frames, n_inputs) normalised inputs -> (frames, 10) codes; the code layer is linear.

        Blocks of BLOCK_ROWS frames keep the activations (a dozen elementwise passes) in cache.
        """
        return np.concatenate([self._encode_block(normalised[start:start + BLOCK_ROWS])
                               for start in range(0, max(len(normalised), 1), BLOCK_ROWS)])

    def _encode_block(self, x: np.ndarray) -> np.ndarray:
        last = len(self.layers) - 1
        for index, (weight, bias) in enumerate(self.layers):
            x = x @ weight
            x += bias
            if index < last:
                x = self._activation(x)
        return x


def _take(tensors: dict[str, np.ndarray], name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in tensors:
        raise KeyError(f"missing {name}")
    value = tensors[name]
    if value.shape != shape:
        raise KeyError(f"{name} is {tuple(value.shape)}, expected {shape}")
    return np.ascontiguousarray(value, dtype=np.float32)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, x * Phi(x), as torch.nn.GELU() computes it."""
    return 0.5 * x * (1.0 + erf(x * np.float32(0.70710678118654752)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp overflows to inf for very negative x: 1 / inf = 0
        return 1.0 / (1.0 + np.exp(-x))


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, float32's own precision near 1
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736,
                                       0.254829592))


def erf(x: np.ndarray) -> np.ndarray:
    """The error function to float32 precision; numpy has none, and scipy.special costs a
    third of a second to import."""
    z = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * z)
    poly = _ERF_A[0] * t
    for a in _ERF_A[1:]:
        poly += a
        poly *= t
    z *= z
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z
    np.subtract(1.0, poly, out=poly)
    return np.copysign(poly, x, out=poly)
