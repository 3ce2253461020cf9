"""The two inference engines: numpy on the CPU (no torch import) and torch, same codes."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from encoder.audio import load_song
from encoder.config import COMPACT, SEED, ModelConfig
from encoder.inference import FeatureEncoder
from encoder.model import DEFAULT_MODEL_PATH
from encoder.numpy_network import erf


def untrained_model(path: Path, config: ModelConfig) -> Path:
    """A randomly initialised model of `config` with non-trivial buffers, saved to `path`."""
    import torch

    from encoder.model import Autoencoder, save_model
    from encoder.training import mel_filter_bank

    torch.manual_seed(0)
    model = Autoencoder(config)
    with torch.no_grad():
        model.input_offset.normal_()
        model.input_scale.uniform_(0.5, 2.0)
        if config.input_transform == "log-mel":
            model.mel_basis.copy_(mel_filter_bank(config))
    save_model(model, path, training={})
    return path


@pytest.fixture
def song(helpers, tmp_path) -> Path:
    """Six seconds of a chord with clicks every half second, 44.1 kHz stereo."""
    rate = 44100
    music = helpers.clicks(6.0, rate, np.arange(0.25, 6.0, 0.5),
                           background=helpers.chord(6.0, rate, (220.0, 277.2, 329.6), 0.3))
    return helpers.write_audio(tmp_path / "song.wav", music, rate, channels=2)


# the shipped model, and small models of the compact and the original (seed) architectures
ARCHITECTURES = {
    "shipped": None,
    "compact": replace(COMPACT, hidden=(64, 32, 10)),
    "seed": replace(SEED, hidden=(256, 64, 10)),
}


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_numpy_and_torch_give_the_same_codes(name, song, tmp_path):
    config = ARCHITECTURES[name]
    model = DEFAULT_MODEL_PATH if config is None else untrained_model(tmp_path / "m.safetensors",
                                                                      config)
    numpy_engine = FeatureEncoder(model, "cpu")
    torch_engine = FeatureEncoder(model, "cpu", engine="torch")
    assert numpy_engine.engine == "numpy" and torch_engine.engine == "torch"
    samples = load_song(song, numpy_engine.config.sample_rate).samples
    from_numpy, from_torch = numpy_engine.codes(samples), torch_engine.codes(samples)
    assert from_numpy.shape == from_torch.shape == (360, 10)
    assert from_numpy.dtype == np.float32
    scale = from_torch.std(axis=0).max()
    assert scale > 0
    np.testing.assert_allclose(from_numpy, from_torch, atol=1e-4 * scale + 1e-6)


def test_encoding_on_the_cpu_never_imports_torch(song):
    """The whole `davis encode` of a new song, in its own process, without torch."""
    script = ("import sys; from visualizer.cli import app; "
              f"sys.argv = ['davis', 'encode', {str(song)!r}, '--force', '--device', 'cpu']\n"
              "try:\n    app()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
              "assert 'torch' not in sys.modules, 'torch was imported'")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "song.wav" in result.stdout


def test_erf_to_float32_precision():
    x = np.linspace(-6.0, 6.0, 20001, dtype=np.float32)
    expected = np.array([math.erf(float(v)) for v in x])
    assert np.abs(erf(x) - expected).max() < 1e-6
    assert erf(np.float32([0.0]))[0] == 0.0


def test_numpy_engine_names_missing_weights(tmp_path):
    import json

    from safetensors.numpy import load_file, save_file

    from encoder.errors import ModelError
    from encoder.model_file import read_metadata

    tensors = load_file(str(DEFAULT_MODEL_PATH))
    del tensors["encoder.2.bias"]
    broken = tmp_path / "broken.safetensors"
    save_file(tensors, str(broken), metadata={"davis": json.dumps(read_metadata(DEFAULT_MODEL_PATH))})
    with pytest.raises(ModelError, match="weights do not match.*encoder.2.bias"):
        FeatureEncoder(broken, "cpu")


def test_decoding_while_analysing_gives_the_serial_features_bit_for_bit(song, monkeypatch):
    import encoder.inference as inference

    encoder = FeatureEncoder(device="cpu")
    monkeypatch.setattr(inference, "thread_count", lambda: 2)
    overlapped = encoder.encode_file(song)
    assert {"decode", "spectrogram", "network", "smoothing"} <= set(encoder.timings)
    monkeypatch.setattr(inference, "thread_count", lambda: 1)
    serial = encoder.encode_file(song)
    assert overlapped.title == serial.title
    for level, values in serial.levels.items():
        assert np.array_equal(overlapped.levels[level], values), level


def test_the_spectral_stream_equals_the_whole_song_analysis_whatever_the_blocks(song, rng):
    from encoder.spectral import SpectralStream, frame_centres, spectral_inputs

    encoder = FeatureEncoder(device="cpu")
    config, mel_basis = encoder.config, encoder._network.mel_basis
    samples = load_song(song, config.sample_rate).samples
    whole = spectral_inputs(samples, frame_centres(len(samples), sample_rate=config.sample_rate,
                                                   fps=config.fps), config, mel_basis)
    stream, at = SpectralStream(config, mel_basis, chunk_frames=64), 0
    while at < len(samples):
        size = int(rng.integers(1, 40_000))
        stream.add(samples[at:at + size])
        at += size
    assert np.array_equal(stream.samples, samples)
    assert np.array_equal(stream.finish(), whole)


def test_a_file_that_breaks_mid_song_stops_the_overlapped_encode_with_its_error(
        song, tmp_path, monkeypatch):
    import encoder.inference as inference
    from encoder.errors import AudioError

    monkeypatch.setattr(inference, "thread_count", lambda: 2)
    broken = tmp_path / "broken.wav"
    data = song.read_bytes()
    broken.write_bytes(data[:len(data) // 2])  # the header promises more than is there
    with pytest.raises(AudioError, match="truncated"):
        FeatureEncoder(device="cpu").encode_file(broken)
