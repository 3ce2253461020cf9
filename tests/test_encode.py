"""`davis encode`: features of generated songs, the cache, --out files and frame timing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from encoder.cache import FeatureCache
from encoder.features import BLUR_LEVELS, FPS, N_FEATURES, Features
from encoder.model import DEFAULT_MODEL_PATH


def encode_to(cli, song: Path, model: Path, out: Path, *extra) -> tuple[Features, object]:
    result = cli("encode", song, "--model", model, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    return Features.load_npz(out), result


def same(a: Features, b: Features) -> bool:
    """Equal features: same fps, same levels, bit-identical arrays."""
    return (a.fps == b.fps and sorted(a.levels) == sorted(b.levels)
            and all(np.array_equal(a.levels[k], b.levels[k]) for k in a.levels))


def cache_entry(song: Path, model: Path) -> Path:
    cache = FeatureCache()
    return cache.path(cache.key(song, model))


# --- frames and values --------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, rate, name", [
    (3.0, 22050, "a.wav"),
    (7.33, 44100, "b.flac"),
    (12.345, 48000, "c.ogg"),
    (5.51, 8000, "d.mp3"),
])
def test_one_frame_per_sixtieth_of_a_second(cli, songs, tiny_model, helpers, tmp_path,
                                            seconds, rate, name):
    song = songs.sweep(name, seconds=seconds, rate=rate)
    features, result = encode_to(cli, song, tiny_model, tmp_path / "out.npz")
    expected = round(seconds * FPS)
    helpers.assert_valid_features(features, n_frames=expected)
    assert features.fps == FPS
    assert f"{features.n_frames} frames" in result.stdout
    assert song.name in result.stdout


def test_all_seven_levels_use_the_full_range(cli, songs, tiny_model, tmp_path):
    song = songs.sweep("sweep.wav", seconds=8.0, f0=60.0, f1=6000.0)
    features, _ = encode_to(cli, song, tiny_model, tmp_path / "out.npz")
    assert sorted(features.levels) == [1, 10, 50, 100, 300, 1000, 3000]
    for level in BLUR_LEVELS:
        values = features.blur(level)
        assert values.shape == (480, N_FEATURES)
        assert values.min() >= 0 and values.max() <= 1
    # A sweep changes all song long: every feature is normalised to exactly [0, 1].
    np.testing.assert_array_equal(features.blur(1).min(axis=0), 0.0)
    np.testing.assert_array_equal(features.blur(1).max(axis=0), 1.0)
    # Wider smoothing is smoother.
    roughness = [np.abs(np.diff(features.blur(level), axis=0)).mean() for level in BLUR_LEVELS[:5]]
    assert roughness == sorted(roughness, reverse=True)


# --- cache ----------------------------------------------------------------------------------------

def test_second_run_is_cached_and_identical(cli, songs, tiny_model, tmp_path, fresh_cache):
    song = songs.chord("chord.wav", seconds=4.0)
    first, result = encode_to(cli, song, tiny_model, tmp_path / "first.npz")
    assert "(cached)" not in result.stdout
    assert f"Cache: {fresh_cache / 'features'}" in result.stdout
    assert cache_entry(song, tiny_model).is_file()
    assert cache_entry(song, tiny_model).parent == fresh_cache / "features"
    second, result = encode_to(cli, song, tiny_model, tmp_path / "second.npz")
    assert "(cached)" in result.stdout
    assert same(first, second)


def test_cache_follows_the_content_not_the_name(cli, songs, tiny_model, tmp_path, fresh_cache):
    song = songs.chord("original.wav", seconds=3.0)
    encode_to(cli, song, tiny_model, tmp_path / "a.npz")
    renamed = song.with_name("renamed copy.wav")
    shutil.copyfile(song, renamed)
    _, result = encode_to(cli, renamed, tiny_model, tmp_path / "b.npz")
    assert "(cached)" in result.stdout
    # Changing the audio invalidates it.
    songs.chord("renamed copy.wav", seconds=3.0, freqs=(300.0, 400.0))
    _, result = encode_to(cli, renamed, tiny_model, tmp_path / "c.npz")
    assert "(cached)" not in result.stdout


def test_force_recomputes(cli, songs, tiny_model, tmp_path, fresh_cache):
    song = songs.sweep("sweep.wav", seconds=3.0)
    real, _ = encode_to(cli, song, tiny_model, tmp_path / "real.npz")
    # Plant different (valid) features in the cache entry: a plain run serves them...
    planted = Features(levels={level: np.full((real.n_frames, N_FEATURES), 0.25, np.float32)
                               for level in BLUR_LEVELS})
    planted.save_npz(cache_entry(song, tiny_model))
    served, result = encode_to(cli, song, tiny_model, tmp_path / "served.npz")
    assert "(cached)" in result.stdout
    assert same(served, planted)
    # ...and --force computes the song again and refreshes the cache.
    forced, result = encode_to(cli, song, tiny_model, tmp_path / "forced.npz", "--force")
    assert "(cached)" not in result.stdout
    assert same(forced, real)
    assert same(Features.load_npz(cache_entry(song, tiny_model)), real)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong arrays"])
def test_corrupt_cache_entry_is_recomputed(cli, songs, tiny_model, tmp_path, fresh_cache, rng,
                                           damage):
    song = songs.chord("chord.wav", seconds=3.0)
    good, _ = encode_to(cli, song, tiny_model, tmp_path / "good.npz")
    entry = cache_entry(song, tiny_model)
    if damage == "garbage":
        entry.write_bytes(rng.bytes(entry.stat().st_size))
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    elif damage == "empty":
        entry.write_bytes(b"")
    else:
        with entry.open("wb") as stream:
            np.savez(stream, something=np.arange(3))
    again, result = encode_to(cli, song, tiny_model, tmp_path / "again.npz")
    assert "(cached)" not in result.stdout
    assert result.stderr.count("error") == 0
    assert same(again, good)
    assert same(Features.load_npz(entry), good)  # the entry was rewritten


# --- output files -------------------------------------------------------------------------------

def test_out_npz(cli, songs, tiny_model, tmp_path):
    song = songs.sweep("sweep.wav", seconds=3.0)
    out = tmp_path / "features.npz"
    features, result = encode_to(cli, song, tiny_model, out)
    assert out.read_bytes()[:4] == b"PK\x03\x04"  # a plain zip of arrays
    with np.load(out, allow_pickle=False) as data:
        assert {f"blur{level}" for level in BLUR_LEVELS} <= set(data.files)
        assert int(data["fps"]) == 60
    assert str(out) in result.stdout


def check_web_json(path: Path, reference: Features) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"sampleRate", "featuresData"}
    assert data["sampleRate"] == 60 and isinstance(data["sampleRate"], int)
    assert set(data["featuresData"]) == {f"blur{level}" for level in BLUR_LEVELS}
    for level in BLUR_LEVELS:
        frames = data["featuresData"][f"blur{level}"]
        assert isinstance(frames, list) and len(frames) == reference.n_frames
        assert all(isinstance(frame, list) and len(frame) == 10 for frame in frames)
        values = np.array(frames, dtype=np.float64)
        assert all(isinstance(v, (int, float)) for frame in frames[:50] for v in frame)
        assert np.all((values >= 0) & (values <= 1))
        np.testing.assert_array_equal(np.round(values, 4), values)  # 4 decimals
        np.testing.assert_allclose(values, reference.blur(level), atol=5e-5 + 1e-7)


@pytest.mark.parametrize("out_name, extra", [
    ("features.json", ()),
    ("features.JSON", ()),
    ("features.txt", ("--format", "json")),
    ("features", ("-f", "json")),
])
def test_out_json_is_the_web_page_format(cli, songs, tiny_model, tmp_path, out_name, extra):
    song = songs.sweep("sweep.wav", seconds=3.0)
    reference, _ = encode_to(cli, song, tiny_model, tmp_path / "reference.npz")
    out = tmp_path / out_name
    result = cli("encode", song, "--model", tiny_model, "--out", out, *extra)
    assert result.exit_code == 0, result.output
    check_web_json(out, reference)


def test_format_npz_overrides_a_json_name(cli, songs, tiny_model, tmp_path):
    song = songs.sweep("sweep.wav", seconds=3.0)
    out = tmp_path / "really.json"
    result = cli("encode", song, "--model", tiny_model, "--out", out, "--format", "npz")
    assert result.exit_code == 0, result.output
    assert Features.load_npz(out).n_frames == 180


@pytest.mark.parametrize("format", ["npz", "json"])
def test_several_songs_to_a_folder(cli, songs, tiny_model, tmp_path, format):
    paths = [songs.sweep("one.wav", seconds=3.0), songs.chord("two.flac", seconds=4.0),
             songs.clicks("three.mp3", seconds=5.0, times=(1.0, 2.0))]
    out = tmp_path / "features"
    result = cli("encode", *paths, "--model", tiny_model, "--out", f"{out}/", "--format", format)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.{format}"
                                                           for n in ("one", "two", "three"))
    for name, seconds in (("one", 3.0), ("two", 4.0), ("three", 5.0)):
        file = out / f"{name}.{format}"
        if format == "npz":
            n_frames = Features.load_npz(file).n_frames
        else:
            n_frames = len(json.loads(file.read_text())["featuresData"]["blur1"])
        assert n_frames == round(seconds * 60)


def test_a_folder_of_songs_with_equal_names(cli, songs, tiny_model, tmp_path):
    songs.sweep("cd1/track.wav", seconds=3.0)
    songs.chord("cd2/track.wav", seconds=4.0)
    out = tmp_path / "features"
    out.mkdir()
    result = cli("encode", songs.folder, "--model", tiny_model, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["track-2.npz", "track.npz"]
    assert Features.load_npz(out / "track.npz").n_frames == 180
    assert Features.load_npz(out / "track-2.npz").n_frames == 240


def test_one_song_to_an_existing_folder(cli, songs, tiny_model, tmp_path):
    song = songs.sweep("sweep.wav", seconds=3.0)
    out = tmp_path / "features"
    out.mkdir()
    result = cli("encode", song, "--model", tiny_model, "--out", out)
    assert result.exit_code == 0, result.output
    assert Features.load_npz(out / "sweep.npz").n_frames == 180


def test_one_song_to_a_new_folder_named_with_a_slash(cli, songs, tiny_model, tmp_path):
    # `--out features/` says "a folder", even when it does not exist yet.
    song = songs.sweep("sweep.wav", seconds=3.0)
    out = tmp_path / "features"
    result = cli("encode", song, "--model", tiny_model, "--out", f"{out}/")
    assert result.exit_code == 0, result.output
    assert out.is_dir(), "--out features/ wrote a file named 'features'"
    assert Features.load_npz(out / "sweep.npz").n_frames == 180


# --- features follow the audio ------------------------------------------------------------------

def deviation_from_typical(values: np.ndarray) -> np.ndarray:
    return np.abs(values - np.median(values, axis=0)).sum(axis=1)


@pytest.mark.parametrize("rate", [22050, 44100])
def test_a_click_at_five_seconds_shows_at_frame_300(cli, songs, tiny_model, helpers, tmp_path,
                                                     rate):
    steady = helpers.chord(10.0, rate, amplitude=0.3)
    song = songs.clicks("click.wav", seconds=10.0, rate=rate, times=(5.0,), background=steady)
    features, _ = encode_to(cli, song, tiny_model, tmp_path / "click.npz")
    blur1 = features.blur(1).astype(np.float64)
    assert features.n_frames == 600
    # Ignore the first and last 0.2 s, where the analysis window runs past the song's ends.
    edge = 12
    deviation = deviation_from_typical(blur1)[edge:-edge]
    change = np.abs(np.diff(blur1, axis=0)).sum(axis=1)[edge:-edge]
    assert abs(int(np.argmax(deviation)) + edge - 300) <= 6
    assert abs(int(np.argmax(change)) + edge - 300) <= 6
    # Away from the click the features stay put.
    far = np.r_[edge:288, 313:600 - edge] - edge
    assert deviation[far].max() < 0.2 * deviation.max()


def test_clicks_line_up_all_song_long(cli, songs, tiny_model, helpers, tmp_path):
    # No drift: clicks every 2 s of a 44.1 kHz song show at frames 120, 240, ... 960.
    rate, seconds = 44100, 18.0
    times = (2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0)
    steady = helpers.chord(seconds, rate, amplitude=0.3)
    song = songs.clicks("clicks.wav", seconds=seconds, rate=rate, times=times, background=steady)
    features, _ = encode_to(cli, song, tiny_model, tmp_path / "clicks.npz")
    deviation = deviation_from_typical(features.blur(1).astype(np.float64))
    for time in times:
        frame = int(time * 60)
        local = deviation[frame - 40: frame + 40]
        assert abs(int(np.argmax(local)) - 40) <= 3, time


def test_silence_encodes_to_one_half(cli, songs, tiny_model, tmp_path):
    song = songs.silence("silence.wav", seconds=5.0)
    features, result = encode_to(cli, song, tiny_model, tmp_path / "silence.npz")
    assert features.n_frames == 300
    for level in BLUR_LEVELS:
        np.testing.assert_array_equal(features.blur(level), 0.5, err_msg=f"blur{level}")
    assert not result.stderr.count("error")
    # said once, as a warning: the song is fine, but nothing will move
    assert result.exit_code == 0
    assert result.stderr.count("warning:") == 1 and "silent" in result.stderr, result.stderr


def test_features_depend_on_the_audio(cli, songs, tiny_model, tmp_path):
    # (each song is normalised on its own, so two steady sounds both rest near 0.5: compare a
    # sound that keeps changing with one that holds still)
    sweep = songs.sweep("sweep.wav", seconds=4.0)
    chord = songs.chord("chord.wav", seconds=4.0)
    sweep_features, result = encode_to(cli, sweep, tiny_model, tmp_path / "sweep.npz")
    assert "silent" not in result.stderr  # a song that changes is not warned about
    chord_features, _ = encode_to(cli, chord, tiny_model, tmp_path / "chord.npz")
    assert sweep_features.n_frames == chord_features.n_frames == 240
    difference = np.abs(sweep_features.blur(1) - chord_features.blur(1)).mean()
    assert difference > 0.1


def test_same_samples_in_another_container_give_the_same_features(cli, tiny_model, helpers,
                                                                   tmp_path, fresh_cache):
    import soundfile

    samples = np.round(helpers.sine_sweep(3.0, 22050) * 32767).astype(np.int16)
    wav, flac = tmp_path / "song.wav", tmp_path / "song.flac"
    soundfile.write(wav, samples, 22050, subtype="PCM_16")
    soundfile.write(flac, samples, 22050, subtype="PCM_16")
    assert wav.read_bytes() != flac.read_bytes()
    from_wav, _ = encode_to(cli, wav, tiny_model, tmp_path / "wav.npz")
    from_flac, result = encode_to(cli, flac, tiny_model, tmp_path / "flac.npz")
    assert "(cached)" not in result.stdout  # computed, not served from the WAV's entry
    for level in BLUR_LEVELS:
        np.testing.assert_allclose(from_flac.blur(level), from_wav.blur(level), atol=1e-6)


# --- names --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Café del Mar – Señor Ünïcødé.wav",
    "song (live) [remastered].wav",
    "live [/bonus] take.wav",  # a folder "live [" holding "bonus] take.wav"
])
def test_song_names_are_shown_as_they_are(cli, songs, tiny_model, name):
    song = songs.sweep(name, seconds=3.0)
    result = cli("encode", song, "--model", tiny_model)
    assert result.exit_code == 0, result.output
    assert f"{song}  0:03.0  180 frames" in result.stdout


# --- the shipped model --------------------------------------------------------------------------

needs_default_model = pytest.mark.skipif(not DEFAULT_MODEL_PATH.is_file(),
                                         reason="the default model is not built yet")


@needs_default_model
def test_without_model_option_the_default_model_is_used(cli, songs, tmp_path):
    song = songs.sweep("sweep.wav", seconds=3.0)
    result = cli("encode", song, "--out", tmp_path / "implicit.npz")
    assert result.exit_code == 0, result.output
    explicit, _ = encode_to(cli, song, DEFAULT_MODEL_PATH, tmp_path / "explicit.npz")
    assert same(Features.load_npz(tmp_path / "implicit.npz"), explicit)


@needs_default_model
def test_without_songs_the_demo_song_is_encoded(cli):
    from encoder.audio import DEMO_SONG

    if not DEMO_SONG.is_file():
        pytest.skip("the demo song is not built yet")
    result = cli("encode")
    assert result.exit_code == 0, result.output
    assert DEMO_SONG.name in result.stdout
