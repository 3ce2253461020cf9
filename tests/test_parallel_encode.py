"""A library on every core: worker processes give the same features as one process, in the
songs' order, a bad file is one error among good results, and stopping part-way leaves the
cache with complete entries only."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import pytest

from encoder.batch import FeatureSource
from encoder.cache import FeatureCache
from encoder.errors import AudioError


@pytest.fixture
def library(songs):
    paths = [songs.sweep("a.wav", seconds=2.0), songs.chord("b.flac", seconds=3.0),
             songs.clicks("c.ogg", seconds=2.5), songs.sweep("d.wav", seconds=1.5, f0=200.0)]
    broken = paths[0].parent / "broken.mp3"
    broken.write_bytes(b"ID3 this is not audio at all" * 20)
    return [paths[0], broken, *paths[1:]]


def test_workers_give_one_process_s_features_in_order_and_a_bad_file_is_one_error(
        library, tiny_model, tmp_path):
    one = list(FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "one")).get_many(
        library, jobs=1))
    many = list(FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "many")).get_many(
        library, jobs=2))
    assert [outcome.path for outcome in many] == library  # in the songs' order
    assert [outcome.error is None for outcome in many] == [True, False, True, True, True]
    assert "broken.mp3" in str(many[1].error) and "decode" in str(many[1].error)
    for a, b in zip(one, many):
        if a.error is None:
            for level, table in a.features.levels.items():
                np.testing.assert_array_equal(table, b.features.levels[level])
    cached = list(FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "many")).get_many(
        library, jobs=2))
    assert [o.from_cache for o in cached] == [True, False, True, True, True]


def test_stopping_part_way_stops_the_workers_and_leaves_only_complete_entries(
        library, tiny_model, tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    outcomes = FeatureSource(tiny_model, "cpu", cache).get_many(library, jobs=2)
    first = next(outcomes)
    assert first.error is None
    outcomes.close()  # what Ctrl-C does to the loop in `davis encode`
    assert multiprocessing.active_children() == []  # no worker left running
    entries = sorted(cache.folder.glob("*"))
    assert entries and all(entry.suffix == ".npz" for entry in entries)  # no temporary files
    for entry in entries:
        from encoder.features import Features

        Features.load_npz(entry)  # each one complete


@pytest.mark.parametrize("attempts", [2, 1])
def test_a_song_whose_worker_dies_goes_to_a_new_worker_then_is_an_error(library, tiny_model,
                                                                         attempts):
    """A worker killed mid-song (out of memory, a crashing decoder) is replaced and the song
    tried again; when it is out of tries it is one song's error with the reason. Never a run
    that waits for it for ever, and the other songs are encoded either way."""
    import signal

    from encoder.parallel import encode_in_parallel

    def songs():
        (worker,) = multiprocessing.active_children()
        os.kill(worker.pid, signal.SIGKILL)  # before it could finish the song it is given
        yield library[0]
        yield from library[2:]

    outcomes = list(encode_in_parallel(songs(), tiny_model, 1, attempts=attempts))
    assert [path for path, _ in outcomes] == [library[0], *library[2:]]
    first = outcomes[0][1]
    if attempts == 1:
        assert isinstance(first, AudioError) and "killed by signal 9" in str(first)
    else:
        assert first.duration_s == pytest.approx(2.0, abs=0.05)
    assert all(not isinstance(result, AudioError) for _, result in outcomes[1:])
    assert multiprocessing.active_children() == []


def test_davis_encode_a_folder_on_every_core(cli, library, tiny_model):
    result = cli("encode", library[0].parent, "--model", tiny_model, "--jobs", "2")
    assert result.exit_code == 2  # one song failed...
    assert result.output.count("✓") == 4  # ...the four others were encoded
    assert "broken.mp3" in result.output


def wait_until_prepared(features, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while features.pending and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not features.pending, "the background never finished"


def test_the_first_song_is_ready_at_once_and_the_rest_are_prepared_in_the_background(
        library, tiny_model, tmp_path):
    from encoder.background import SongFeatures

    cache = FeatureCache(tmp_path / "cache")
    features = SongFeatures(library, {}, FeatureSource(tiny_model, "cpu", cache), workers=2)
    try:
        first = features[library[0]]  # encoded here, then the background starts
        assert first.duration_s == pytest.approx(2.0, abs=0.05)
        wait_until_prepared(features)
        assert len(list(cache.folder.glob("*.npz"))) == 4  # every good song is cached
        with pytest.raises(AudioError, match="decode"):
            features[library[1]]  # the broken file says why when it is asked for
        assert library[1] not in list(features)
        reference = FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "one"))
        for path in library[2:]:
            expected = reference.get(path).features
            for level, table in expected.levels.items():
                np.testing.assert_array_equal(features[path].levels[level], table)
    finally:
        features.close()
    assert multiprocessing.active_children() == []


def test_a_shuffled_new_folder_starts_with_a_random_song_that_is_ready(library, tiny_model,
                                                                       tmp_path, monkeypatch):
    """`davis play FOLDER --shuffle`: the song encoded before the first frame is the
    shuffle's first, not always the folder's first, and the rest follow in the same order."""
    import random

    from visualizer.commands.common import prepare_songs

    firsts = set()
    for seed in range(4):
        monkeypatch.setenv("DAVIS_CACHE_DIR", str(tmp_path / f"cache-{seed}"))  # new each time
        features = prepare_songs(library, tiny_model, shuffle=random.Random(seed))
        try:
            order = list(features)
            assert features.is_ready(order[0])
            assert set(library) - set(order) <= {library[1]}  # only the broken file may go
            firsts.add(order[0])
        finally:
            features.close()
    assert len(firsts) > 1, firsts


def test_closing_stops_the_background_and_a_later_song_is_still_encoded_on_demand(
        library, tiny_model, tmp_path):
    from encoder.background import SongFeatures

    cache = FeatureCache(tmp_path / "cache")
    features = SongFeatures(library, {}, FeatureSource(tiny_model, "cpu", cache), workers=1)
    features[library[0]]
    features.close()
    assert multiprocessing.active_children() == []
    assert features[library[-1]].duration_s == pytest.approx(1.5, abs=0.05)


def test_songs_given_ready_start_no_background(library, tiny_model, tmp_path):
    from encoder.background import SongFeatures
    from encoder.features import BLUR_LEVELS, Features

    known = Features({level: np.full((60, 10), 0.5, np.float32) for level in BLUR_LEVELS})
    features = SongFeatures(library[:1], {library[0]: known},
                            FeatureSource(tiny_model, "cpu", FeatureCache(tmp_path / "c")))
    assert features[library[0]] is known and not features.pending
    features.close()
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux's SCHED_IDLE")
def test_low_priority_workers_only_take_cores_nothing_else_wants(tiny_model):
    from encoder.parallel import _start_worker

    context = multiprocessing.get_context("forkserver")
    with context.Pool(1, initializer=_start_worker, initargs=(str(tiny_model), True)) as pool:
        assert pool.apply(os.sched_getscheduler, (0,)) == os.SCHED_IDLE
    with context.Pool(1, initializer=_start_worker, initargs=(str(tiny_model), False)) as pool:
        assert pool.apply(os.sched_getscheduler, (0,)) == os.SCHED_OTHER  # `davis encode`
