"""Errors a user can act on: each carries the file it concerns and one readable line."""

from __future__ import annotations

from pathlib import Path


class DavisError(Exception):
    """An expected failure with a one-line explanation for the user (exit code 2)."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path is not None else message)


class AudioError(DavisError):
    """A song that cannot be decoded or is unusable (missing, corrupt, too short)."""


class ModelError(DavisError):
    """A model file that is missing, corrupt or not a davis model."""
