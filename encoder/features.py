"""The learned features of one song: 10 numbers per video frame at several smoothing levels.

This module is torch-free on purpose: the player reads cached features without the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from encoder.files import atomic_write_bytes, atomic_write_text

FPS = 60
N_FEATURES = 10
BLUR_LEVELS: tuple[int, ...] = (1, 10, 50, 100, 300, 1000, 3000)
FORMAT_VERSION = 1
# What a user is told about a song whose features are `still`.
STILL_SONG = ("silent (or the sound never changes): its features stay at rest, so the "
              "picture will not follow it")


@dataclass(frozen=True, eq=False)  # arrays: compare levels explicitly
class Features:
    """Normalised features of a song.

    Attributes:
        levels: smoothing width in frames -> array (frames, 10) of float32 in [0, 1].
        fps: frames per second of song time (frame i describes the audio centred at i / fps).
    """

    levels: dict[int, np.ndarray]
    fps: int = FPS
    title: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        shapes = {array.shape for array in self.levels.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise ValueError(f"feature levels must share one (frames, features) shape, got {shapes}")

    @property
    def n_frames(self) -> int:
        return next(iter(self.levels.values())).shape[0]

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    @property
    def still(self) -> bool:
        """True when no feature ever moves (a silent or perfectly steady song): every value
        rests at the same level, so nothing in the picture will follow the sound."""
        finest = self.levels[min(self.levels)]  # the others are smoothed copies of it
        return float(np.ptp(finest)) == 0.0

    def blur(self, level: int) -> np.ndarray:
        """The (frames, 10) array smoothed over `level` frames."""
        try:
            return self.levels[level]
        except KeyError:
            raise KeyError(f"no blur level {level}; have {sorted(self.levels)}") from None

    def jump_strength(self) -> np.ndarray:
        """(frames, 10) how suddenly each blur1 feature changes at each frame, in [0, 1]
        (`encoder.pulses.jump_strength`); computed once per song."""
        cached = self.__dict__.get("_jump_strength")
        if cached is None:
            from encoder.pulses import jump_strength

            cached = jump_strength(self.blur(1)).astype(np.float32)
            object.__setattr__(self, "_jump_strength", cached)
        return cached

    def pulses(self, decay_s: float) -> np.ndarray:
        """(frames, 10) every feature's pulse envelope with time constant `decay_s` (computed
        once per song and decay; read-only)."""
        from encoder.pulses import pulse_envelope

        cache = self.__dict__.setdefault("_pulses", {})
        if decay_s not in cache:
            envelope = pulse_envelope(self.jump_strength(), decay_s, self.fps).astype(np.float32)
            envelope.flags.writeable = False
            cache[decay_s] = envelope
        return cache[decay_s]

    def frame_index(self, time_s: float) -> int:
        """The frame describing song time `time_s`, clamped to the song."""
        return min(max(int(round(time_s * self.fps)), 0), self.n_frames - 1)

    # --- storage: plain arrays (npz without pickles) and the original web page's JSON ---

    def to_npz_bytes(self) -> bytes:
        import io

        buffer = io.BytesIO()
        arrays = {f"blur{level}": values for level, values in self.levels.items()}
        np.savez(buffer, fps=np.int64(self.fps), format_version=np.int64(FORMAT_VERSION),
                 title=np.str_(self.title), **arrays)
        return buffer.getvalue()

    def save_npz(self, path: Path) -> None:
        atomic_write_bytes(Path(path), self.to_npz_bytes())

    @classmethod
    def load_npz(cls, path: Path) -> "Features":
        """Read features written by `save_npz`; raises ValueError for anything else."""
        with np.load(Path(path), allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION:
                raise ValueError(f"feature format {int(data['format_version'])} is not {FORMAT_VERSION}")
            levels = {int(key[4:]): data[key].astype(np.float32)
                      for key in data.files if key.startswith("blur")}
            title = str(data["title"]) if "title" in data.files else ""
            features = cls(levels=levels, fps=int(data["fps"]), title=title)
        if not levels or any(not np.all(np.isfinite(v)) for v in levels.values()):
            raise ValueError("feature arrays are empty or not finite")
        return features

    def to_json_text(self) -> str:
        """The 2017 web page's format: {"sampleRate": 60, "featuresData": {"blur1": [[10 floats]...]}}."""
        data = {f"blur{level}": np.round(values.astype(np.float64), 4).tolist()
                for level, values in sorted(self.levels.items())}
        return json.dumps({"sampleRate": self.fps, "featuresData": data}, separators=(",", ":"))

    def save_json(self, path: Path) -> None:
        atomic_write_text(Path(path), self.to_json_text())
