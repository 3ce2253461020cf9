"""Features cached per (audio content, model): the player never re-encodes a known song."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
    """A folder of `<key>.npz` files; a corrupt or stale entry is dropped, never fatal."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = (folder or default_cache_dir()) / "features"
        self._model_digests: dict[Path, str] = {}

    def key(self, song_path: Path, model_path: Path) -> str:
        model_path = Path(model_path).resolve()
        if model_path not in self._model_digests:
            self._model_digests[model_path] = file_digest(model_path)
        text = f"v{FORMAT_VERSION}:{file_digest(song_path)}:{self._model_digests[model_path]}"
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def get(self, key: str) -> Features | None:
        path = self.path(key)
        if not path.exists():
            return None
        try:
            return Features.load_npz(path)
        except Exception:  # any unreadable entry is simply recomputed
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, features: Features) -> None:
        try:
            features.save_npz(self.path(key))
        except OSError:
            pass  # a read-only or full cache folder costs speed, not correctness
