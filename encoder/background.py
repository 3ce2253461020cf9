"""Songs to play whose features are not all ready: the rest are prepared in the background.

`davis play FOLDER` with new songs should start as soon as one song is ready, not after the
whole folder. `SongFeatures` maps every song to its features like a dict; the uncached ones
are encoded, in the songs' order, by worker processes at the lowest CPU priority
(`encoder.parallel`), so the player's frames come first. Asking for a song that is not ready
yet encodes it at once in this process (or waits for it, if a worker has it already), so
jumping ahead never waits behind the songs before it. A song that cannot be encoded raises
its `DavisError` when asked for, and the player skips it.

Songs in the feature cache are not held in memory: only the last few asked for are, and the
others are read again (about 10 ms) when their turn comes, so a library of thousands of
songs starts as fast, and takes as little memory, as one song.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from encoder.batch import EncodeOutcome, FeatureSource
from encoder.errors import DavisError
from encoder.features import Features

LOADED_KEPT = 2  # cached songs kept in memory once asked for: the one playing and the last


class SongFeatures(Mapping):
    """song path -> `Features` for `songs` (in their order), some given, the rest prepared.

    Args:
        songs: every song to offer, in order.
        ready: the songs whose features are at hand already (encoded up front).
        source: what loads the cached songs and encodes the others.
        cached: the songs in `source`'s cache, loaded when asked for.
        workers: background worker processes (default: one per core but one, at least one).
    The background starts on `start_background()`, or on the first lookup, so that it
    never competes with preparing the first song; `close()` stops it.
    """

    def __init__(self, songs: list[Path], ready: dict[Path, Features], source: FeatureSource,
                 *, cached: Iterable[Path] = (), workers: int | None = None) -> None:
        self._songs = list(songs)
        self._ready = dict(ready)  # held in memory for good (not in the cache)
        self._stored = set(cached) - set(ready)  # in the cache, read when asked for
        self._loaded: OrderedDict[Path, Features] = OrderedDict()  # the last stored ones read
        self._failed: dict[Path, DavisError] = {}
        self._in_flight: set[Path] = set()   # handed to a worker
        self._here: set[Path] = set()        # being encoded by a lookup in this process
        self._source = source
        self._workers = workers if workers is not None else max(1, (os.cpu_count() or 1) - 1)
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- the Mapping ---

    def __iter__(self) -> Iterator[Path]:
        with self._changed:
            return iter([song for song in self._songs if song not in self._failed])

    def __len__(self) -> int:
        with self._changed:
            return sum(1 for song in self._songs if song not in self._failed)

    def __contains__(self, song: object) -> bool:
        with self._changed:
            return song in self._songs and song not in self._failed

    def __getitem__(self, song: Path) -> Features:
        """The song's features, encoding it now if nobody has yet (raises its DavisError
        when it cannot be encoded, KeyError for a song not offered)."""
        if song not in self._songs:
            raise KeyError(song)
        with self._changed:
            while song in self._in_flight:
                self._changed.wait()
            if song in self._ready:
                found = self._ready[song]
            elif song in self._loaded:
                found = self._loaded[song]
                self._loaded.move_to_end(song)
            elif song in self._failed:
                raise self._failed[song]
            else:
                self._here.add(song)
                found = None
        if found is None:
            self._record(self._source.get(song), asked=True)  # read from the cache, or encoded
            return self[song]
        self.start_background()
        return found

    def is_ready(self, song: Path) -> bool:
        """Whether a lookup would answer at once: the features are at hand or in the cache,
        or the song is known to be unplayable."""
        with self._changed:
            return song in self._ready or song in self._stored or song in self._failed

    # --- the background ---

    @property
    def pending(self) -> int:
        """Songs not yet ready (nor failed)."""
        with self._changed:
            return sum(1 for song in self._songs if not self.is_ready(song))

    def start_background(self) -> None:
        with self._changed:
            if self._thread is not None or self._stopping or not self.pending:
                return
            self._thread = threading.Thread(target=self._prepare, name="davis-prepare",
                                            daemon=True)
            self._thread.start()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop preparing: the songs the workers have now are dropped, and the workers
        stopped, within a twentieth of a second; the songs' digests learnt are saved.
        Idempotent."""
        with self._changed:
            self._stopping = True
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
        self._source.cache.save_digests()  # what lookups here learnt, for the next start

    def _is_stopping(self) -> bool:
        with self._changed:
            return self._stopping

    def _wanted(self) -> Iterator[Path]:
        """The songs still to encode, each claimed for a worker as the pool asks for it."""
        for song in self._songs:
            with self._changed:
                if self._stopping:
                    return
                if self.is_ready(song) or song in self._here:
                    continue
                self._in_flight.add(song)
            if self._source.is_cached(song):  # read before under another name, or elsewhere
                self._record(EncodeOutcome(song, stored=True))
                continue
            yield song

    def _prepare(self) -> None:
        outcomes = self._source.encode_each(self._wanted(), workers=self._workers,
                                            low_priority=True, stopped=self._is_stopping)
        try:
            for outcome in outcomes:
                self._record(outcome)
                if self._is_stopping():
                    break
        except Exception as error:  # noqa: BLE001 - a broken pool must not hang a lookup
            with self._changed:
                for song in list(self._in_flight):
                    self._failed.setdefault(song, DavisError(f"could not prepare it ({error})",
                                                             song))
        finally:
            outcomes.close()
            self._source.cache.save_digests()
            with self._changed:
                self._in_flight.clear()
                self._changed.notify_all()

    def _record(self, outcome: EncodeOutcome, *, asked: bool = False) -> None:
        """Note an outcome; the features of a stored song are kept only when a lookup
        `asked` for them (the background's go to the cache, not to memory)."""
        with self._changed:
            if outcome.error is not None:
                self._failed[outcome.path] = outcome.error
                self._stored.discard(outcome.path)
            elif outcome.stored:
                self._stored.add(outcome.path)
                if asked:
                    self._loaded[outcome.path] = outcome.features
                    self._loaded.move_to_end(outcome.path)
                    while len(self._loaded) > LOADED_KEPT:
                        self._loaded.popitem(last=False)
            else:
                self._ready[outcome.path] = outcome.features
            self._in_flight.discard(outcome.path)
            self._here.discard(outcome.path)
            self._changed.notify_all()
