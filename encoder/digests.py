"""Content digests of song files, remembered by path, size, modification time and inode.

The feature cache is keyed by a song's content, so that a renamed or copied file is still
known. Hashing a library's whole content at every start would cost seconds per gigabyte
(and far more from a cold disk), so each digest is remembered with the file's size,
modification time and inode: a file whose three are unchanged is not read again. Anything
that rewrites a file (an editor, a tag writer, a new download) changes its modification
time or, when it is replaced, its inode.

The memo is one JSON file beside the cache's entries. A broken memo is ignored (the digests
are computed again); saving merges with what another davis wrote meanwhile, and forgets
files that no longer exist.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from encoder.files import atomic_write_text, file_digest

MEMO_VERSION = 1


class DigestMemo:
    """`digest(path)`: the SHA-256 of a file's content, read again only when it changed."""

    def __init__(self, memo_path: Path) -> None:
        self.memo_path = memo_path
        self._entries: dict[str, list] | None = None  # path -> [size, mtime_ns, inode, digest]
        self._new: dict[str, list] = {}
        self._lock = threading.Lock()  # the player's background thread looks songs up too
        self._save_lock = threading.Lock()  # one save at a time

    def digest(self, path: Path) -> str:
        remembered = self.remembered(path)
        if remembered is not None:
            return remembered
        path = Path(path).resolve()
        stamp, name = _stamp(path), str(path)
        digest = file_digest(path)
        if _stamp(path) == stamp:  # not changed while it was read
            with self._lock:
                self._known()[name] = self._new[name] = [*stamp, digest]
        return digest

    def remembered(self, path: Path) -> str | None:
        """The digest if it is remembered for the file as it is now, without reading it."""
        path = Path(path).resolve()
        stamp = _stamp(path)
        with self._lock:
            entry = self._known().get(str(path))
        return entry[3] if entry is not None and entry[:3] == stamp else None

    def save(self) -> None:
        """Write the digests learnt since the last save, if any (an unwritable folder only
        costs speed: they are computed again next time). Lookups on other threads go on
        while the file is written; what they learn meanwhile waits for the next save."""
        with self._save_lock:
            with self._lock:
                learnt = dict(self._new)
            if not learnt:
                return
            entries = {**_read(self.memo_path), **learnt}
            entries = {name: entry for name, entry in entries.items()
                       if _still_there(name, entry)}
            try:
                atomic_write_text(self.memo_path, json.dumps(
                    {"version": MEMO_VERSION, "files": entries}, separators=(",", ":")))
            except OSError:
                return
            with self._lock:
                for name, entry in learnt.items():
                    if self._new.get(name) == entry:
                        del self._new[name]
                self._entries = {**entries, **self._new}

    def _known(self) -> dict[str, list]:
        if self._entries is None:
            self._entries = _read(self.memo_path)
        return self._entries


def _stamp(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def _read(memo_path: Path) -> dict[str, list]:
    try:
        data = json.loads(memo_path.read_text(encoding="utf-8"))
        files = data["files"] if data.get("version") == MEMO_VERSION else {}
        return {name: entry for name, entry in files.items() if _well_formed(entry)}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}


def _well_formed(entry) -> bool:
    return (isinstance(entry, list) and len(entry) == 4
            and all(isinstance(number, int) for number in entry[:3])
            and isinstance(entry[3], str) and len(entry[3]) == 64)


def _still_there(name: str, entry: list) -> bool:
    try:
        return _stamp(Path(name)) == entry[:3]
    except OSError:
        return False
