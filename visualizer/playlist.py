"""The songs to play, in order or shuffled."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


def play_order(songs: list[Path], *, shuffle: random.Random | None,
               ready: Callable[[Path], bool]) -> list[Path]:
    """The songs in the order they will play: as given, or shuffled with `shuffle`.

    A shuffled list starts with a song that is `ready` when one is, so a folder of new songs,
    most still being prepared, starts without a wait; in the given order the first song
    waits if it must (the user chose it).
    """
    order = list(songs)
    if shuffle is not None:
        shuffle.shuffle(order)
        first = next((index for index, song in enumerate(order) if ready(song)), 0)
        order.insert(0, order.pop(first))
    return order


@dataclass
class Playlist:
    songs: list[Path]
    loop: bool = False
    index: int = 0

    @property
    def current(self) -> Path:
        return self.songs[self.index]

    def step(self, delta: int) -> bool:
        """Move by `delta` songs; False when that runs off the end without --loop."""
        target = self.index + delta
        if 0 <= target < len(self.songs):
            self.index = target
            return True
        if self.loop:
            self.index = target % len(self.songs)
            return True
        if target < 0:  # "previous" on the first song restarts it, as players do
            self.index = 0
            return True
        return False

    def remove_current(self) -> bool:
        """Drop the current song (it cannot be played); the next one becomes current.
        False when none is left to go on with (the list is empty, or that was the last
        song without --loop)."""
        del self.songs[self.index]
        if not self.songs:
            return False
        if self.index >= len(self.songs):
            if not self.loop:
                return False
            self.index = 0
        return True
