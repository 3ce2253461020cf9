"""Model files without torch: where the shipped model is, and reading a file's metadata.

Kept apart from `encoder.model` so that checking a model or a cache key never imports torch.
"""

from __future__ import annotations

import json
from pathlib import Path

from encoder.config import ModelConfig
from encoder.errors import ModelError

MODEL_FORMAT = "davis-model"
MODEL_FORMAT_VERSION = 1
DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "default.safetensors"


def read_metadata(path: Path) -> dict:
    """The davis metadata of a model file, without loading its weights."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise ModelError("no such model file", path)
    try:
        with safe_open(str(path), framework="numpy") as handle:
            header = handle.metadata() or {}
    except Exception as error:  # safetensors raises several types for a bad header
        raise ModelError(f"not a davis model (not a safetensors file: {error})", path) from None
    try:
        metadata = json.loads(header["davis"])
        if metadata.get("format") != MODEL_FORMAT:
            raise ValueError("wrong format tag")
        ModelConfig.from_dict(metadata["config"])
    except (KeyError, ValueError, TypeError) as error:
        raise ModelError(f"not a davis model (no valid davis metadata: {error})", path) from None
    if metadata.get("format_version", 0) > MODEL_FORMAT_VERSION:
        raise ModelError("model was saved by a newer davis; upgrade davis to use it", path)
    return metadata
