"""Decoding songs: every common format, rate, bit depth and channel count to mono at the
model's rate; finding songs in folders."""

from __future__ import annotations


import numpy as np
import pytest

from encoder.audio import AUDIO_EXTENSIONS, find_songs, load_song
from encoder.errors import AudioError

# (suffix, sample rate, subtype, channels): every format at several rates, depths and
# channel counts (MP3 stops at 48 kHz and 2 channels; Opus runs at 48 kHz).
FORMATS = [
    (".wav", 8000, "PCM_16", 1),
    (".wav", 22050, "PCM_24", 2),
    (".wav", 44100, "FLOAT", 8),
    (".wav", 96000, "PCM_16", 2),
    (".wav", 96000, "FLOAT", 1),
    (".flac", 8000, "PCM_16", 1),
    (".flac", 22050, "PCM_16", 2),
    (".flac", 44100, "PCM_24", 2),
    (".flac", 96000, "PCM_24", 8),
    (".ogg", 8000, "VORBIS", 1),
    (".ogg", 22050, "VORBIS", 2),
    (".ogg", 44100, "VORBIS", 2),
    (".ogg", 96000, "VORBIS", 8),
    (".opus", 48000, "OPUS", 2),
    (".mp3", 8000, "MPEG_LAYER_III", 1),
    (".mp3", 22050, "MPEG_LAYER_III", 2),
    (".mp3", 44100, "MPEG_LAYER_III", 2),
    (".mp3", 48000, "MPEG_LAYER_III", 1),
    (".aiff", 44100, "PCM_16", 2),
]


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


@pytest.mark.parametrize("target_rate", [22050, 16000])
@pytest.mark.parametrize("suffix, rate, subtype, channels", FORMATS,
                         ids=[f"{s[1:]}-{r}-{t}-{c}ch" for s, r, t, c in FORMATS])
def test_decodes_to_mono_at_the_requested_rate(songs, suffix, rate, subtype, channels,
                                               target_rate):
    seconds = 3.0
    path = songs.chord(f"song{suffix}", seconds=seconds, rate=rate, freqs=(440.0,),
                       subtype=subtype, channels=channels)
    song = load_song(path, target_rate)
    assert song.sample_rate == target_rate
    assert song.samples.ndim == 1
    assert song.samples.dtype == np.float32
    assert song.duration_s == pytest.approx(seconds, rel=0.01)
    assert np.all(np.abs(song.samples) <= 1.0)
    # Still a 440 Hz tone at the same level: nothing was pitch-shifted or lost in the downmix.
    middle = song.samples[target_rate // 2: -target_rate // 2]
    assert dominant_frequency(middle, target_rate) == pytest.approx(440.0, abs=2.0)
    rms = float(np.sqrt(np.mean(middle.astype(np.float64) ** 2)))
    assert rms == pytest.approx(0.6 / np.sqrt(2), rel=0.05)


def test_stereo_is_averaged_to_mono(songs, helpers):
    rate = 22050
    left = helpers.chord(2.0, rate, freqs=(440.0,))
    right = helpers.chord(2.0, rate, freqs=(1000.0,))
    path = songs.folder / "stereo.wav"
    path.parent.mkdir(parents=True)
    import soundfile

    soundfile.write(path, np.stack([left, right], axis=1).astype(np.float32), rate,
                    subtype="FLOAT")
    song = load_song(path, rate)
    np.testing.assert_allclose(song.samples, (left + right) / 2, atol=1e-6)


def test_opposite_channels_cancel_to_silence(songs):
    rate = 22050
    import soundfile

    tone = np.sin(2 * np.pi * 440 * np.arange(rate) / rate) * 0.5
    path = songs.folder / "phase.wav"
    path.parent.mkdir(parents=True)
    soundfile.write(path, np.stack([tone, -tone], axis=1).astype(np.float32), rate,
                    subtype="FLOAT")
    assert np.abs(load_song(path, rate).samples).max() < 1e-6


def test_name_with_spaces_and_accents(songs):
    path = songs.sweep("Café del Mar – Señor Ünïcødé (live) 1.flac", seconds=2.0)
    song = load_song(path, 22050)
    assert song.duration_s == pytest.approx(2.0, rel=0.01)
    assert song.title == "Café del Mar – Señor Ünïcødé (live) 1"


def test_title_comes_from_tags(songs):
    import soundfile

    path = songs.folder / "track01.flac"
    path.parent.mkdir(parents=True)
    with soundfile.SoundFile(path, "w", 22050, 1, format="FLAC") as handle:
        handle.title = "Clair de lune"
        handle.artist = "Debussy"
        handle.write(np.zeros(22050, dtype=np.float32))
    assert load_song(path, 22050).title == "Debussy – Clair de lune"


def test_path_may_be_a_string(songs):
    path = songs.sweep("plain.wav", seconds=1.0)
    assert load_song(str(path), 22050).duration_s == pytest.approx(1.0, rel=0.01)


# --- errors -----------------------------------------------------------------------------------

def test_missing_file_is_an_audio_error(tmp_path):
    with pytest.raises(AudioError) as caught:
        load_song(tmp_path / "nope.wav", 22050)
    assert caught.value.path == tmp_path / "nope.wav"
    assert "no such file" in caught.value.message


def test_folder_is_not_a_song(tmp_path):
    with pytest.raises(AudioError, match="not a file"):
        load_song(tmp_path, 22050)


def test_empty_file_is_an_audio_error(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    with pytest.raises(AudioError, match="empty"):
        load_song(path, 22050)


def test_text_named_wav_is_an_audio_error(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not a song\n" * 20)
    with pytest.raises(AudioError, match="cannot decode"):
        load_song(path, 22050)


def test_nan_samples_are_an_audio_error(songs):
    signal = np.sin(np.arange(22050) / 10.0)
    signal[1000] = np.nan
    path = songs.signal("nan.wav", signal, 22050, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load_song(path, 22050)


def test_zero_length_wav_is_an_audio_error(songs):
    path = songs.signal("nothing.wav", np.zeros(0), 22050)
    with pytest.raises(AudioError, match="no audio"):
        load_song(path, 22050)


# --- finding songs ----------------------------------------------------------------------------

def test_find_songs_searches_folders_recursively(tmp_path, helpers):
    library = tmp_path / "library"
    tone = helpers.sine_sweep(0.5, 22050)
    expected = [helpers.write_audio(library / name, tone, 22050)
                for name in ("a.wav", "album/b.FLAC", "album/disc 2/c.mp3", "album/disc 2/d.ogg")]
    (library / "album" / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (library / "album" / "notes.txt").write_text("liner notes")
    (library / "empty folder").mkdir()
    found, problems = find_songs([library])
    assert problems == []
    assert [p.resolve() for p in found] == sorted(p.resolve() for p in expected)


def test_find_songs_keeps_files_and_reports_each_bad_argument(tmp_path, songs):
    song = songs.sweep("one.wav", seconds=0.5)
    folder = tmp_path / "no audio here"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing to hear")
    missing = tmp_path / "missing.wav"
    found, problems = find_songs([missing, song, folder])
    assert found == [song]
    assert [problem.path for problem in problems] == [missing, folder]
    assert "no such file" in problems[0].message
    assert "no audio files" in problems[1].message
    assert all(isinstance(problem, AudioError) for problem in problems)
    # The message names the file so the user knows which argument was wrong.
    assert str(missing) in str(problems[0]) and str(folder) in str(problems[1])


def test_find_songs_takes_an_explicit_file_whatever_its_extension(tmp_path):
    # A file named on the command line is tried as audio; only folders are filtered.
    path = tmp_path / "song.audio"
    path.write_bytes(b"x")
    assert find_songs([path]) == ([path], [])


def test_every_supported_extension_is_found(tmp_path):
    for extension in AUDIO_EXTENSIONS:
        (tmp_path / f"x{extension}").write_bytes(b"x")
    found, _ = find_songs([tmp_path])
    assert sorted(p.suffix for p in found) == sorted(AUDIO_EXTENSIONS)
