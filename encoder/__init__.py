"""The offline phase: songs to learned features (the network is imported only when needed)."""

from encoder.errors import AudioError, DavisError, ModelError
from encoder.features import BLUR_LEVELS, FPS, N_FEATURES, Features

# The name pip installs davis under (pyproject.toml's project.name; "davis" is taken on PyPI).
DISTRIBUTION = "davis-visualizer"

__all__ = ["AudioError", "BLUR_LEVELS", "DISTRIBUTION", "DavisError", "FPS", "Features",
           "ModelError", "N_FEATURES"]
