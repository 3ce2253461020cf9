"""The songs to play, in order or shuffled."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Playlist:
    songs: list[Path]
    loop: bool = False
    index: int = 0

    @classmethod
    def build(cls, songs: list[Path], *, shuffle: bool, loop: bool, rng: random.Random,
              ready: Callable[[Path], bool] | None = None) -> "Playlist":
        """`ready`: which songs can start at once; a shuffled list starts with one of them
        (a folder of new songs, most still being prepared, starts without a wait)."""
        order = list(songs)
        if shuffle:
            rng.shuffle(order)
            if ready is not None and order and not ready(order[0]):
                first = next((index for index, song in enumerate(order) if ready(song)), 0)
                order.insert(0, order.pop(first))
        return cls(order, loop)

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
