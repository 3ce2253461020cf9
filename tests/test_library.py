"""A large library starts like one song: a song's content is read once (its digest is
remembered by path, size, modification time and inode), and cached songs' features are read
only when their turn comes, so start-up time and memory do not grow with the library."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

import encoder.digests
from encoder.batch import FeatureSource
from encoder.cache import FeatureCache
from encoder.features import Features


@pytest.fixture
def library(songs):
    return [songs.sweep("a.wav", seconds=1.5), songs.chord("b.wav", seconds=1.5),
            songs.clicks("c.wav", seconds=1.5), songs.sweep("d.wav", seconds=1.5, f0=300.0)]


@pytest.fixture
def reads(monkeypatch):
    """The song files whose whole content is read to be hashed."""
    seen: list[Path] = []
    real = encoder.digests.file_digest

    def counted(path):
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(encoder.digests, "file_digest", counted)
    return seen


@pytest.fixture
def loads(monkeypatch):
    """The cache entries read into memory."""
    seen: list[Path] = []
    real = Features.load_npz.__func__

    def counted(cls, path):
        seen.append(Path(path))
        return real(cls, path)

    monkeypatch.setattr(Features, "load_npz", classmethod(counted))
    return seen


def test_an_unchanged_song_is_not_read_again_at_the_next_start(library, tiny_model, tmp_path,
                                                                reads):
    first = FeatureCache(tmp_path / "cache")
    keys = [first.key(song, tiny_model) for song in library]
    first.save_digests()
    assert len(reads) == len(library)
    again = FeatureCache(tmp_path / "cache")  # a new davis process
    assert [again.key(song, tiny_model) for song in library] == keys
    assert len(reads) == len(library)  # nothing read a second time


def test_a_rewritten_song_is_read_again_and_gets_its_own_entry(library, songs, tiny_model,
                                                               tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    before = cache.key(library[0], tiny_model)
    cache.save_digests()
    stat = library[0].stat()
    # Same name and size, new content; even with the old modification time, the replaced
    # file's inode tells the memo.
    songs.sweep("new.wav", seconds=1.5, f0=500.0).replace(library[0])
    os.utime(library[0], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert library[0].stat().st_size == stat.st_size
    assert FeatureCache(tmp_path / "cache").key(library[0], tiny_model) != before
    # Rewritten in place (same inode), the modification time tells it.
    data = bytearray(library[1].read_bytes())
    old = FeatureCache(tmp_path / "cache").key(library[1], tiny_model)
    data[-100:] = bytes(100)
    library[1].write_bytes(bytes(data))
    assert FeatureCache(tmp_path / "cache").key(library[1], tiny_model) != old


def test_a_broken_memo_is_ignored_and_gone_files_are_forgotten(library, tiny_model, tmp_path):
    memo = tmp_path / "cache" / "digests.json"
    memo.parent.mkdir()
    memo.write_text("{not json")
    cache = FeatureCache(tmp_path / "cache")
    keys = [cache.key(song, tiny_model) for song in library]
    cache.save_digests()
    assert len(json.loads(memo.read_text())["files"]) == len(library)
    library[0].unlink()
    later = FeatureCache(tmp_path / "cache")
    assert later.key(library[1], tiny_model) == keys[1]
    later.key(library[2].rename(library[2].with_name("moved.wav")), tiny_model)
    later.save_digests()
    remembered = json.loads(memo.read_text())["files"]
    assert str(library[0].resolve()) not in remembered  # deleted
    assert str(library[2].resolve()) not in remembered  # moved away
    assert len(remembered) == len(library) - 1  # the moved file under its new name


def test_a_cached_library_starts_without_reading_any_song(library, tiny_model, reads, loads,
                                                           fresh_cache):
    """`davis play` of a library played before: no song file is hashed again, and no
    song's features are read before the first one is asked for."""
    from visualizer.commands.common import prepare_songs

    list(FeatureSource(tiny_model, "cpu").get_many(library, jobs=1))  # the first time
    reads.clear(), loads.clear()
    features = prepare_songs(library, tiny_model)
    try:
        assert reads == [] and loads == []
        assert all(features.is_ready(song) for song in library) and not features.pending
        played = [features[song] for song in library] + [features[library[0]]]
        assert len(loads) == len(library) + 1  # each read when asked for, none kept for good
        reference = FeatureSource(tiny_model, "cpu", FeatureCache(fresh_cache / "other"))
        np.testing.assert_array_equal(played[2].blur(1),
                                      reference.get(library[2]).features.blur(1))
    finally:
        features.close()


def test_encoding_a_cached_library_reads_one_song_s_features_at_a_time(library, tiny_model,
                                                                       tmp_path, loads):
    source = FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "cache"))
    list(source.get_many(library[:3], jobs=1))
    outcomes = source.get_many(library, jobs=2)
    loads.clear()
    first = next(outcomes)
    assert first.from_cache and len(loads) == 1  # not every cached song up front
    rest = list(outcomes)
    assert [outcome.from_cache for outcome in rest] == [True, True, False]
    assert all(outcome.stored for outcome in [first, *rest])


def test_songs_prepared_in_the_background_wait_in_the_cache_not_in_memory(library, tiny_model,
                                                                          tmp_path, loads):
    from encoder.background import SongFeatures
    from tests.test_parallel_encode import wait_until_prepared

    cache = FeatureCache(tmp_path / "cache")
    features = SongFeatures(library, {}, FeatureSource(tiny_model, "cpu", cache), workers=1)
    try:
        features[library[0]]
        wait_until_prepared(features)
        assert len(list(cache.folder.glob("*.npz"))) == len(library)
        loads.clear()
        assert all(features[song].duration_s == pytest.approx(1.5, abs=0.05)
                   for song in library[1:])
        assert len(loads) == len(library) - 1  # each read from the cache when its turn came
    finally:
        features.close()


def test_an_unwritable_cache_keeps_the_features_in_memory(library, tiny_model, tmp_path):
    from encoder.background import SongFeatures

    cache = FeatureCache(tmp_path / "cache")
    cache.put = lambda key, features: False  # a read-only or full cache folder
    features = SongFeatures(library[:2], {}, FeatureSource(tiny_model, "cpu", cache))
    try:
        first, second = features[library[0]], features[library[1]]
        assert features[library[0]] is first and features[library[1]] is second
    finally:
        features.close()


def test_a_new_library_is_not_read_through_before_the_first_song(library, tiny_model, reads,
                                                                 fresh_cache):
    from tests.test_parallel_encode import wait_until_prepared
    from visualizer.commands.common import prepare_songs

    features = prepare_songs(library, tiny_model)
    try:
        assert reads == [library[0].resolve()]  # only the song that plays first
        assert features.pending == len(library) - 1
        features[library[0]]  # the first frame: the background starts
        wait_until_prepared(features)
        assert sorted(reads) == sorted(song.resolve() for song in library)
    finally:
        features.close()


def test_songs_cached_under_other_names_are_found_in_the_cache_not_encoded(
        library, tiny_model, tmp_path, monkeypatch):
    import shutil

    import encoder.parallel
    from encoder.background import SongFeatures
    from tests.test_parallel_encode import wait_until_prepared

    cache = FeatureCache(tmp_path / "cache")
    list(FeatureSource(tiny_model, "cpu", cache).get_many(library, jobs=1))
    copies = [Path(shutil.copy(song, tmp_path / f"copy of {song.name}")) for song in library]
    encoded: list[Path] = []
    real = encoder.parallel.encode_in_parallel

    def recorded(paths, *args, **options):
        return real((encoded.append(path) or path for path in paths), *args, **options)

    monkeypatch.setattr(encoder.parallel, "encode_in_parallel", recorded)
    source = FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "cache"))
    features = SongFeatures(copies, {}, source, workers=1)
    try:
        assert not features.is_ready(copies[1])  # not known under this name yet...
        features[copies[0]]
        wait_until_prepared(features)
        assert encoded == []  # ...but found in the cache, none encoded again
        assert all(features.is_ready(copy) for copy in copies)
    finally:
        features.close()
