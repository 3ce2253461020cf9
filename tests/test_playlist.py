"""The playlist: shuffling starts with a song that is ready, and an unplayable song drops out."""

from __future__ import annotations

import random
from pathlib import Path

from visualizer.playlist import Playlist

SONGS = [Path(f"{index}.ogg") for index in range(8)]


def test_a_shuffled_list_starts_with_a_ready_song_and_keeps_every_song():
    for seed in range(20):
        ready = {SONGS[seed % 8]}
        playlist = Playlist.build(SONGS, shuffle=True, loop=False, rng=random.Random(seed),
                                  ready=ready.__contains__)
        assert playlist.current in ready
        assert sorted(playlist.songs) == sorted(SONGS)


def test_the_given_order_is_kept_without_shuffle_and_the_shuffle_follows_the_seed():
    in_order = Playlist.build(SONGS, shuffle=False, loop=False, rng=random.Random(1),
                              ready={SONGS[5]}.__contains__)
    assert in_order.songs == SONGS  # the user's order: the first song waits if it must
    first = Playlist.build(SONGS, shuffle=True, loop=False, rng=random.Random(3))
    again = Playlist.build(SONGS, shuffle=True, loop=False, rng=random.Random(3))
    assert first.songs == again.songs != SONGS


def test_removing_the_current_song_moves_on_and_ends_at_the_end_without_loop():
    playlist = Playlist(list(SONGS[:3]))
    playlist.index = 1
    assert playlist.remove_current() and playlist.current == SONGS[2]
    assert not playlist.remove_current()  # that was the last one
    looping = Playlist(list(SONGS[:2]), loop=True, index=1)
    assert looping.remove_current() and looping.current == SONGS[0]
    assert not looping.remove_current()  # none left
