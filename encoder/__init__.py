"""The offline phase: songs to learned features (the network is imported only when needed)."""

from encoder.errors import AudioError, DavisError, ModelError
from encoder.features import BLUR_LEVELS, FPS, N_FEATURES, Features

__all__ = ["AudioError", "BLUR_LEVELS", "DavisError", "FPS", "Features", "ModelError", "N_FEATURES"]
