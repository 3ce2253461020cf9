"""The play order (a shuffle starts with a song that is ready) and the playlist (an unplayable
song drops out)."""

from __future__ import annotations

import random
from pathlib import Path

from visualizer.playlist import Playlist, play_order

SONGS = [Path(f"{index}.ogg") for index in range(8)]


def test_a_shuffled_order_starts_with_a_ready_song_and_keeps_every_song():
    for seed in range(20):
        ready = {SONGS[seed % 8]}
        order = play_order(SONGS, shuffle=random.Random(seed), ready=ready.__contains__)
        assert order[0] in ready
        assert sorted(order) == sorted(SONGS)


def test_the_given_order_is_kept_without_shuffle_and_the_shuffle_follows_the_seed():
    in_order = play_order(SONGS, shuffle=None, ready={SONGS[5]}.__contains__)
    assert in_order == SONGS  # the user's order: the first song waits if it must
    nothing_ready = set().__contains__
    first = play_order(SONGS, shuffle=random.Random(3), ready=nothing_ready)
    again = play_order(SONGS, shuffle=random.Random(3), ready=nothing_ready)
    assert first == again != SONGS


def test_removing_the_current_song_moves_on_and_ends_at_the_end_without_loop():
    playlist = Playlist(list(SONGS[:3]))
    playlist.index = 1
    assert playlist.remove_current() and playlist.current == SONGS[2]
    assert not playlist.remove_current()  # that was the last one
    looping = Playlist(list(SONGS[:2]), loop=True, index=1)
    assert looping.remove_current() and looping.current == SONGS[0]
    assert not looping.remove_current()  # none left
