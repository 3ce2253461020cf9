"""Features cached per (audio content, model): the player never re-encodes a known song."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from encoder.digests import DigestMemo
from encoder.features import FORMAT_VERSION, Features
from encoder.files import file_digest


def default_cache_dir() -> Path:
    """$DAVIS_CACHE_DIR, else the platform's user cache folder (e.g. ~/.cache/davis)."""
    override = os.environ.get("DAVIS_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("davis", appauthor=False))


class FeatureCache:
    """A folder of `<key>.npz` files; a corrupt or stale entry is dropped, never fatal.

    Songs' digests are remembered beside it (`encoder.digests`): call `save_digests()` after
    looking up a batch of songs, so that the next start does not read them all again.
    """

    def __init__(self, folder: Path | None = None) -> None:
        root = folder or default_cache_dir()
        self.folder = root / "features"
        self.song_digests = DigestMemo(root / "digests.json")
        self._model_digests: dict[Path, str] = {}

    def key(self, song_path: Path, model_path: Path) -> str:
        return self._key(self.song_digests.digest(song_path), model_path)

    def known_key(self, song_path: Path, model_path: Path) -> str | None:
        """The key if the song's digest is remembered (see `key`), without reading the song;
        None for a song never read (or changed since)."""
        song_digest = self.song_digests.remembered(song_path)
        return None if song_digest is None else self._key(song_digest, model_path)

    def _key(self, song_digest: str, model_path: Path) -> str:
        model_path = Path(model_path).resolve()
        if model_path not in self._model_digests:
            self._model_digests[model_path] = file_digest(model_path)
        text = f"v{FORMAT_VERSION}:{song_digest}:{self._model_digests[model_path]}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def save_digests(self) -> None:
        self.song_digests.save()

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out unreadable on `get`)."""
        return self.path(key).is_file()

    def get(self, key: str) -> Features | None:
        path = self.path(key)
        if not path.exists():
            return None
        try:
            return Features.load_npz(path)
        except Exception:  # any unreadable entry is simply recomputed
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, features: Features) -> bool:
        """Store `features`; False when they could not be written (a read-only or full cache
        folder costs speed, not correctness)."""
        try:
            features.save_npz(self.path(key))
        except OSError:
            return False
        return True
