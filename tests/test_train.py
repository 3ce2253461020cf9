"""`davis train`: the model file, its metadata and loss curve, reproducibility, bad input."""

from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from encoder import DISTRIBUTION
from encoder.features import Features
from encoder.model import load_model, read_metadata

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


def test_writes_weights_metadata_and_loss_curve(tiny_model):
    assert tiny_model.is_file()
    metadata = json.loads(tiny_model.with_suffix(".json").read_text())
    # The .json beside the model is a readable copy of the metadata inside it.
    assert metadata == read_metadata(tiny_model)
    config, training = metadata["config"], metadata["training"]
    assert config["arch"] == "compact"
    assert config["sample_rate"] == 22050
    assert config["window"] == 2048
    assert config["delta_lags"] == [1] and config["delta_bands"] == 16  # the change inputs
    assert config["input_transform"] == "log-mel"
    assert config["hidden"][-1] == 10
    assert config["fps"] == 60
    assert training["davis_version"] == version(DISTRIBUTION)
    assert training["epochs"] == 2
    assert training["seed"] == 0
    assert training["songs"] == 4
    assert training["frames_train"] + training["frames_heldout"] == 4 * 50
    assert training["device"] == "cpu"
    for key in ("final_train_mse", "final_heldout_mse", "pca10_heldout_mse"):
        assert math.isfinite(training[key]) and training[key] > 0, key
    assert 0 < training["training_time_s"] < 120
    assert training["parameters"] == sum(v.size for k, v in tensors(tiny_model).items()
                                         if k.startswith(("encoder.", "decoder.")))


def test_loss_curve_is_a_real_png(tiny_model):
    from matplotlib import image

    curve = tiny_model.with_suffix(".loss.png")
    assert curve.read_bytes()[:8] == PNG_MAGIC
    pixels = image.imread(curve)
    assert pixels.ndim == 3 and pixels.shape[0] > 200 and pixels.shape[1] > 300
    assert pixels.std() > 0.01  # something is drawn on it


def test_model_loads_and_encode_uses_it(cli, tiny_model, other_model, songs, tmp_path,
                                        fresh_cache):
    model = load_model(tiny_model)
    assert model.config.arch == "compact"
    assert model.parameter_count() == read_metadata(tiny_model)["training"]["parameters"]
    song = songs.sweep("sweep.wav", seconds=3.0)
    results = {}
    for name, path in (("tiny", tiny_model), ("other", other_model)):
        result = cli("encode", song, "--model", path, "--out", tmp_path / f"{name}.npz")
        assert result.exit_code == 0, result.output
        assert "(cached)" not in result.stdout  # features are cached per model
        results[name] = Features.load_npz(tmp_path / f"{name}.npz").blur(1)
    assert np.abs(results["tiny"] - results["other"]).mean() > 0.05


def test_same_seed_same_weights(tiny_model, other_model, training_songs, helpers, tmp_path):
    again = helpers.train_model(tmp_path / "again.safetensors", training_songs, "--seed", "0")
    first, second = tensors(tiny_model), tensors(again)
    assert sorted(first) == sorted(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)
    # A different seed gives a different model (so the comparison above means something).
    different = tensors(other_model)
    assert any(not np.array_equal(first[name], different[name]) for name in first
               if name.startswith("encoder."))


def test_refuses_to_overwrite_without_force(cli, training_songs, helpers, tmp_path):
    output = tmp_path / "model.safetensors"
    output.write_bytes(b"my precious model")
    args = ("train", *training_songs, "--output", output, "--epochs", "1",
            "--frames-per-song", "30", "--device", "cpu")
    result = cli(*args)
    helpers.assert_clean_failure(result, str(output), "already exists")
    assert output.read_bytes() == b"my precious model"
    assert not output.with_suffix(".json").exists()
    assert not output.with_suffix(".loss.png").exists()
    result = cli(*args, "--force")
    assert result.exit_code == 0, result.output
    assert read_metadata(output)["training"]["epochs"] == 1
    assert output.with_suffix(".loss.png").read_bytes()[:8] == PNG_MAGIC


def test_output_without_suffix_and_unusable_songs(cli, training_songs, songs, helpers, tmp_path):
    short = songs.sweep("short.wav", seconds=0.05)
    broken = songs.folder / "broken.wav"
    broken.write_text("not audio")
    result = cli("train", *training_songs[:3], short, broken, "--output", tmp_path / "mine",
                 "--epochs", "1", "--frames-per-song", "30", "--device", "cpu")
    assert result.exit_code == 0, result.output
    model = tmp_path / "mine.safetensors"
    assert read_metadata(model)["training"]["songs"] == 3
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 2
    assert any("short.wav" in line and "shorter than one analysis window" in line
               for line in warnings)
    assert any("broken.wav" in line and "cannot decode" in line for line in warnings)
    assert f"Saved {model}" in result.stdout


def test_few_frames_per_song(cli, training_songs, tmp_path):
    # 8 frames from each of 2 songs: fewer training frames than PCA's 20 components.
    output = tmp_path / "few.safetensors"
    result = cli("train", *training_songs[:2], "--output", output, "--epochs", "1",
                 "--frames-per-song", "8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert read_metadata(output)["training"]["frames_train"] == 8


def test_pitch_shift_moves_every_frequency_by_semitones():
    from encoder.training import pitch_shifted

    rate = 22050
    tone = np.sin(2 * np.pi * 440.0 * np.arange(2 * rate) / rate).astype(np.float32)

    def peak_hz(samples: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(samples[:rate] * np.hanning(rate)))
        return float(np.argmax(spectrum))  # 1 Hz per bin over one second

    assert pitch_shifted(tone, rate, 0) is tone
    for semitones in (-4, -1, 3):
        shifted = pitch_shifted(tone, rate, semitones)
        assert abs(peak_hz(shifted) - 440.0 * 2 ** (semitones / 12)) <= 1.5
        assert len(shifted) == pytest.approx(len(tone) / 2 ** (semitones / 12), rel=1e-3)


def test_pitch_shifted_copies_share_the_frames_of_a_song(cli, training_songs, tmp_path):
    output = tmp_path / "shifted.safetensors"
    result = cli("train", *training_songs, "--output", output, "--epochs", "1",
                 "--frames-per-song", "50", "--pitch-shift", "2", "--device", "cpu")
    assert result.exit_code == 0, result.output
    training = read_metadata(output)["training"]
    # 3 training songs x 5 versions (-2..+2 semitones) x 10 frames; the held-out song: 50
    assert (training["frames_train"], training["frames_heldout"]) == (150, 50)
    assert training["pitch_shift"] == 2
    bad = cli("train", *training_songs, "--output", tmp_path / "bad.safetensors",
              "--pitch-shift", "-1")
    assert bad.exit_code != 0 and "--pitch-shift" in bad.output


def test_seed_architecture(cli, songs, tmp_path):
    # The 2017 network (~136 M weights): one tiny run.
    inputs = [songs.sweep("a.wav", seconds=1.0), songs.chord("b.wav", seconds=1.0)]
    output = tmp_path / "seed.safetensors"
    result = cli("train", *inputs, "--output", output, "--arch", "seed", "--epochs", "1",
                 "--frames-per-song", "8", "--device", "cpu")
    assert result.exit_code == 0, result.output
    metadata = json.loads(output.with_suffix(".json").read_text())
    assert metadata["config"]["arch"] == "seed"
    assert metadata["config"]["window"] == 11025
    assert metadata["config"]["input_transform"] == "fft-magnitude"
    assert metadata["config"]["hidden"] == [5000, 2048, 1024, 512, 128, 32, 10]
    weights = tensors(output)
    assert weights["encoder.0.weight"].shape == (5000, 11025)  # input 11025
    assert metadata["training"]["parameters"] > 130_000_000


def test_no_audio_in_the_inputs(cli, helpers, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.txt").write_text("no songs here")
    output = tmp_path / "model.safetensors"
    result = cli("train", folder, "--output", output)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = helpers.error_lines(result.stderr)
    assert any("no audio files to train on" in line for line in lines)
    assert any(str(folder) in line and "no audio files" in line for line in lines)
    assert not output.exists()


def test_only_undecodable_songs(cli, helpers, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    output = tmp_path / "model.safetensors"
    result = cli("train", bad, "--output", output, "--device", "cpu")
    helpers.assert_clean_failure(result, "not enough usable audio")
    assert not output.exists()


def test_output_folder_must_exist(cli, training_songs, helpers, tmp_path):
    output = tmp_path / "no such folder" / "model.safetensors"
    result = cli("train", *training_songs, "--output", output)
    helpers.assert_clean_failure(result, "no such folder", "does not exist")
