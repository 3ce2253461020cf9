"""Finding the data folders that ship with davis, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_folder(name: str) -> Path:
    """`shaders` or `presets`: inside the wheel (visualizer/_data/NAME) or the checkout root."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"davis data folder {name!r} not found (looked in "
                            f"{_PACKAGE / '_data' / name} and {_PACKAGE.parent / name})")


def shaders_folder() -> Path:
    return data_folder("shaders")


def shipped_presets_folder() -> Path:
    return data_folder("presets")


def user_data_folder() -> Path:
    """$DAVIS_DATA_DIR, else the platform's user data folder (e.g. ~/.local/share/davis)."""
    import os

    override = os.environ.get("DAVIS_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("davis", appauthor=False))
