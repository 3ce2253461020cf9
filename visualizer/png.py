"""Saving pictures as PNG (screenshots, reference frames)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np


def save_png(pixels: np.ndarray, path: Path) -> None:
    """Write an (height, width, 3) uint8 array as PNG, atomically."""
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from encoder.files import atomic_write_bytes

    surface = pygame.image.frombuffer(pixels.tobytes(), (pixels.shape[1], pixels.shape[0]), "RGB")
    buffer = io.BytesIO()
    pygame.image.save(surface, buffer, "png")
    atomic_write_bytes(Path(path), buffer.getvalue())
