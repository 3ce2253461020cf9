"""The real-time phase: features to pictures, and the `davis` command line."""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # pygame's import banner

from encoder import DISTRIBUTION  # the name pip installs davis under (pyproject.toml)


def version() -> str:
    """The installed davis version (`davis --version`, saved presets)."""
    from importlib.metadata import version as distribution_version

    return distribution_version(DISTRIBUTION)
