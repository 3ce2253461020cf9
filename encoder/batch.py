"""Features for many songs: cached ones without touching torch, the rest with one model load."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from encoder.cache import FeatureCache
from encoder.errors import AudioError, DavisError
from encoder.features import Features


@dataclass
class EncodeOutcome:
    """What happened to one song: its features, or the error that stopped it.

    `from_cache`: served from the cache; `stored`: in the cache now (served from it, or
    written to it), so a caller may drop the features and load them again when needed.
    """

    path: Path
    features: Features | None = None
    error: DavisError | None = None
    from_cache: bool = False
    stored: bool = False


class FeatureSource:
    """Finds or computes features for song files.

    The model (and torch) is loaded the first time a song is not in the cache, and then
    reused for every later song.
    """

    def __init__(self, model_path: Path | None = None, device: str = "auto",
                 cache: FeatureCache | None = None) -> None:
        from encoder.model_file import DEFAULT_MODEL_PATH, read_metadata

        self.model_path = Path(model_path) if model_path is not None else DEFAULT_MODEL_PATH
        read_metadata(self.model_path)  # fail early, and without torch, on a bad model file
        self.device = device
        self.cache = cache if cache is not None else FeatureCache()
        self._encoder = None

    @property
    def encoder(self):
        """The loaded `FeatureEncoder` (imports torch on first use)."""
        if self._encoder is None:
            from encoder.inference import FeatureEncoder

            self._encoder = FeatureEncoder(self.model_path, self.device)
        return self._encoder

    def is_cached(self, path: Path, *, known_only: bool = False) -> bool:
        """Whether the song has a cache entry (without loading it; see `FeatureCache.has`).
        `known_only`: without reading a song whose digest is not remembered (then False)."""
        try:
            key = (self.cache.known_key if known_only else self.cache.key)(path, self.model_path)
        except OSError:
            return False
        return key is not None and self.cache.has(key)

    def get(self, path: Path, *, force: bool = False) -> EncodeOutcome:
        path = Path(path)
        try:
            if not path.is_file():
                raise AudioError("no such file" if not path.exists() else "not a file", path)
            key = self.cache.key(path, self.model_path)
            if not force and (features := self.cache.get(key)) is not None:
                return EncodeOutcome(path, features, from_cache=True, stored=True)
            features = self.encoder.encode_file(path)
            return EncodeOutcome(path, features, stored=self.cache.put(key, features))
        except DavisError as error:
            return EncodeOutcome(path, error=error)
        except OSError as error:
            return EncodeOutcome(path, error=AudioError(f"cannot read ({error.strerror})", path))

    def get_many(self, paths: Iterable[Path], *, force: bool = False,
                 jobs: int | None = None) -> Iterator[EncodeOutcome]:
        """`get` for many songs, in their order. On the CPU, the songs that are not cached are
        encoded by `jobs` worker processes (default: one per core; `encoder.parallel`), each
        result written to the cache as it comes; a song that fails is an outcome with its
        error, and the rest go on."""
        from encoder.inference import inference_device

        paths = [Path(path) for path in paths]
        failed: dict[int, EncodeOutcome] = {}
        cached: set[int] = set()  # loaded only when their turn comes: memory stays flat
        keys: dict[int, str] = {}
        for index, path in enumerate(paths):
            try:
                if not path.is_file():
                    raise AudioError("no such file" if not path.exists() else "not a file", path)
                keys[index] = self.cache.key(path, self.model_path)
                if not force and self.cache.has(keys[index]):
                    cached.add(index)
            except DavisError as error:
                failed[index] = EncodeOutcome(path, error=error)
            except OSError as error:
                failed[index] = EncodeOutcome(path, error=AudioError(
                    f"cannot read ({error.strerror})", path))
        self.cache.save_digests()
        todo = [index for index in range(len(paths)) if index not in failed and index not in cached]
        from encoder.parallel import encode_in_parallel, worker_count

        workers = worker_count(jobs, len(todo))
        if workers < 2 or inference_device(self.device) != "cpu":
            for index, path in enumerate(paths):
                yield failed[index] if index in failed else self.get(path, force=index in todo)
            return
        encoded = encode_in_parallel([paths[index] for index in todo], self.model_path, workers)
        try:
            for index, path in enumerate(paths):
                if index in failed:
                    yield failed[index]
                elif index in cached:
                    yield self.get(path)  # an entry gone bad since is encoded here
                else:
                    _, result = next(encoded)
                    yield self._kept(path, result, keys[index])
        finally:
            encoded.close()  # an interrupted consumer stops the workers at once

    def _kept(self, path: Path, result, key: str | None = None) -> EncodeOutcome:
        """The outcome of a worker's result (Features or DavisError), the features written to
        the cache under `key` (default: the song's own)."""
        if isinstance(result, DavisError):
            return EncodeOutcome(path, error=result)
        try:
            stored = self.cache.put(key or self.cache.key(path, self.model_path), result)
        except OSError:  # the file went away since it was read: the song plays from memory
            stored = False
        return EncodeOutcome(path, result, stored=stored)

    def encode_each(self, paths: Iterable[Path], *, workers: int = 1,
                    low_priority: bool = False, stopped=None) -> Iterator[EncodeOutcome]:
        """Encode songs that are not cached, writing each to the cache, in their order.

        On the CPU they go to `workers` worker processes, at the lowest CPU priority if
        `low_priority` (see `encoder.parallel`). `paths` is read lazily, so a caller can drop
        songs it no longer needs, and `stopped()` turning true ends it early. On a GPU they
        are encoded here, one after the other.
        """
        from encoder.inference import inference_device

        if inference_device(self.device) != "cpu":
            for path in paths:
                if stopped is not None and stopped():
                    return
                yield self.get(Path(path), force=True)
            return
        from encoder.parallel import encode_in_parallel

        encoded = encode_in_parallel(paths, self.model_path, workers,
                                     low_priority=low_priority, stopped=stopped)
        try:
            for path, result in encoded:
                yield self._kept(path, result)
        finally:
            encoded.close()
