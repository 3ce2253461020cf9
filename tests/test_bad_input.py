"""Bad input to `davis encode`: exit code 2, one `error:` line naming the file and the problem,
never a traceback; a batch goes on past a bad song."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from encoder.cache import FeatureCache
from encoder.features import Features


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tmp_path so file names in messages are short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_song(helpers, name: str, seconds: float = 3.0, rate: int = 22050) -> Path:
    return helpers.write_audio(Path(name), helpers.sine_sweep(seconds, rate), rate)


# --- songs ------------------------------------------------------------------------------------

def test_missing_file(cli, tiny_model, helpers):
    result = cli("encode", "missing song.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "missing song.wav", "no such file")


def test_folder_without_audio(cli, tiny_model, helpers):
    folder = Path("my documents")
    (folder / "sub").mkdir(parents=True)
    (folder / "letter.txt").write_text("dear davis")
    (folder / "sub" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    result = cli("encode", folder, "--model", tiny_model)
    helpers.assert_clean_failure(result, "my documents", "no audio files")


def test_text_file_named_wav(cli, tiny_model, helpers):
    Path("notes.wav").write_text("this is a shopping list, not a song\n" * 50)
    result = cli("encode", "notes.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "notes.wav", "cannot decode audio")


def test_random_bytes_named_mp3(cli, tiny_model, helpers, rng):
    Path("noise.mp3").write_bytes(rng.bytes(50_000))
    result = cli("encode", "noise.mp3", "--model", tiny_model)
    line = helpers.assert_clean_failure(result, "noise.mp3", "cannot decode audio")
    assert "does not exist" not in line  # libsndfile's misleading reason is not passed on


def test_empty_file(cli, tiny_model, helpers):
    Path("empty.wav").touch()
    result = cli("encode", "empty.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "empty.wav", "empty")


def test_truncated_wav_is_reported_or_decoded_as_far_as_it_goes(cli, tiny_model, helpers,
                                                                 fresh_cache):
    whole = write_song(helpers, "whole.wav", seconds=4.0)
    data = whole.read_bytes()
    Path("cut.wav").write_bytes(data[: len(data) // 2])  # the header still promises 4 s
    result = cli("encode", "cut.wav", "--model", tiny_model, "--out", "cut.npz")
    assert "Traceback" not in result.output
    if result.exit_code == 0:  # decoded what is there: about 2 s
        assert Features.load_npz(Path("cut.npz")).n_frames == pytest.approx(120, abs=1)
    else:
        helpers.assert_clean_failure(result, "cut.wav", "truncated")
        assert not Path("cut.npz").exists()


def test_wav_cut_inside_its_header(cli, tiny_model, helpers):
    whole = write_song(helpers, "whole.wav")
    Path("stub.wav").write_bytes(whole.read_bytes()[:30])
    result = cli("encode", "stub.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "stub.wav", "cannot decode audio")


def test_song_shorter_than_one_analysis_window(cli, tiny_model, helpers):
    write_song(helpers, "blip.wav", seconds=0.05)  # the window: 2048 samples at 22050 Hz
    result = cli("encode", "blip.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "blip.wav", "shorter than one analysis window")


def test_nan_samples(cli, tiny_model, helpers):
    signal = helpers.sine_sweep(2.0, 22050)
    signal[5000:5010] = np.nan
    helpers.write_audio(Path("nan.wav"), signal, 22050, subtype="FLOAT")
    result = cli("encode", "nan.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "nan.wav", "NaN")


def test_long_path_error_stays_on_one_line(cli, tiny_model, helpers, tmp_path):
    # Wider than the console (COLUMNS=200 in conftest): the message must not be hard-wrapped.
    folder = tmp_path / ("a folder with a rather long name " * 3).strip() / ("and deeper " * 6).strip()
    folder.mkdir(parents=True)
    bad = folder / "not really a song, just some text pretending to be one.wav"
    bad.write_text("text")
    assert len(str(bad)) > 200
    result = cli("encode", bad, "--model", tiny_model)
    helpers.assert_clean_failure(result, str(bad), "cannot decode audio")


def test_error_for_a_name_with_brackets(cli, tiny_model, helpers):
    Path("demo [").mkdir()
    Path("demo [/b] take.wav").write_text("not audio")
    result = cli("encode", "demo [/b] take.wav", "--model", tiny_model)
    helpers.assert_clean_failure(result, "demo [/b] take.wav", "cannot decode audio")


# --- a batch goes on past a bad song ----------------------------------------------------------

def test_batch_with_one_good_and_one_bad_song(cli, tiny_model, helpers, fresh_cache):
    good = write_song(helpers, "album/good.wav")
    Path("album/bad.wav").write_text("not audio")
    result = cli("encode", "album", "--model", tiny_model, "--out", "features/")
    helpers.assert_clean_failure(result, "bad.wav", "cannot decode audio")
    assert "good.wav" in result.stdout and "180 frames" in result.stdout
    cache = FeatureCache()
    assert cache.path(cache.key(good, tiny_model)).is_file()
    assert Features.load_npz(Path("features/good.npz")).n_frames == 180
    assert not Path("features/bad.npz").exists()


def test_batch_with_a_missing_argument_still_encodes_the_rest(cli, tiny_model, helpers):
    write_song(helpers, "good.wav")
    result = cli("encode", "gone.wav", "good.wav", "--model", tiny_model, "--out", "good.npz")
    helpers.assert_clean_failure(result, "gone.wav", "no such file")
    assert Features.load_npz(Path("good.npz")).n_frames == 180


def test_unwritable_out_path(cli, tiny_model, helpers):
    write_song(helpers, "good.wav")
    Path("a file").write_text("in the way")
    result = cli("encode", "good.wav", "--model", tiny_model, "--out", "a file/features.npz")
    helpers.assert_clean_failure(result, "features.npz", "cannot write features")
    assert Path("a file").read_text() == "in the way"


# --- models -----------------------------------------------------------------------------------

def test_model_file_of_random_bytes(cli, helpers, rng):
    write_song(helpers, "good.wav")
    Path("model.safetensors").write_bytes(rng.bytes(4096))
    result = cli("encode", "good.wav", "--model", "model.safetensors")
    helpers.assert_clean_failure(result, "model.safetensors", "not a davis model")


def test_safetensors_file_without_davis_metadata(cli, helpers):
    from safetensors.numpy import save_file

    write_song(helpers, "good.wav")
    save_file({"weight": np.zeros((4, 4), np.float32)}, "other.safetensors",
              metadata={"format": "pt"})
    result = cli("encode", "good.wav", "--model", "other.safetensors")
    helpers.assert_clean_failure(result, "other.safetensors", "not a davis model")


def test_missing_model_file(cli, helpers):
    write_song(helpers, "good.wav")
    result = cli("encode", "good.wav", "--model", "nowhere.safetensors")
    helpers.assert_clean_failure(result, "nowhere.safetensors", "no such model file")


def test_truncated_model_file(cli, tiny_model, helpers):
    write_song(helpers, "good.wav")
    data = tiny_model.read_bytes()
    Path("half.safetensors").write_bytes(data[: len(data) // 2])
    result = cli("encode", "good.wav", "--model", "half.safetensors")
    helpers.assert_clean_failure(result, "half.safetensors")


def davis_header(model: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(model), framework="numpy") as handle:
        return json.loads(handle.metadata()["davis"])


def test_davis_metadata_with_weights_of_another_shape(cli, tiny_model, helpers):
    from safetensors.numpy import save_file

    write_song(helpers, "good.wav")
    header = davis_header(tiny_model)
    save_file({"encoder.0.weight": np.zeros((3, 3), np.float32)}, "wrong.safetensors",
              metadata={"davis": json.dumps(header)})
    result = cli("encode", "good.wav", "--model", "wrong.safetensors", "--device", "cpu")
    helpers.assert_clean_failure(result, "wrong.safetensors", "weights do not match")


def test_model_from_a_newer_davis(cli, tiny_model, helpers):
    from safetensors.numpy import load_file, save_file

    write_song(helpers, "good.wav")
    header = davis_header(tiny_model)
    header["format_version"] = 99
    save_file(load_file(str(tiny_model)), "future.safetensors",
              metadata={"davis": json.dumps(header)})
    result = cli("encode", "good.wav", "--model", "future.safetensors")
    helpers.assert_clean_failure(result, "future.safetensors", "newer davis")


def test_model_with_a_code_layer_of_the_wrong_size(cli, tiny_model, helpers):
    from safetensors.numpy import save_file

    write_song(helpers, "good.wav")
    header = davis_header(tiny_model)
    header["config"]["hidden"] = [512, 128, 12]
    save_file({"x": np.zeros(1, np.float32)}, "twelve.safetensors",
              metadata={"davis": json.dumps(header)})
    result = cli("encode", "good.wav", "--model", "twelve.safetensors")
    helpers.assert_clean_failure(result, "twelve.safetensors", "not a davis model")


# --- options ----------------------------------------------------------------------------------

@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is available")
def test_device_cuda_without_a_gpu(cli, tiny_model, helpers, fresh_cache):
    write_song(helpers, "good.wav")
    result = cli("encode", "good.wav", "--model", tiny_model, "--device", "cuda")
    line = helpers.assert_clean_failure(result, "--device cuda")
    assert "no CUDA GPU" in line


@pytest.mark.parametrize("args", [
    ("--device", "tpu"),
    ("--format", "mp4"),
    ("--no-such-option",),
])
def test_bad_options_are_usage_errors(cli, tiny_model, helpers, args):
    write_song(helpers, "good.wav")
    result = cli("encode", "good.wav", "--model", tiny_model, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert args[0] in result.stderr
