"""Model architectures as plain data, stored beside the weights (torch-free)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from encoder.features import FPS, N_FEATURES


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model and its input pipeline.

    Attributes:
        arch: "compact" (ours) or "seed" (the 2017 original).
        sample_rate: audio is resampled to this rate (Hz).
        window: analysis window length in samples, centred on each video frame.
        input_transform: "log-mel" (Hann window, mel power, natural log) or
            "fft-magnitude" (the original: |FFT| of the raw window, all `window` bins).
        n_mels: mel bands for "log-mel" (ignored otherwise).
        fmin_hz, fmax_hz: mel band range.
        hidden: encoder layer widths after the input, ending with the code size.
        activation: "gelu" or "sigmoid" (the original: sigmoid after every layer but the code).
        fps: feature frames per second of audio.
    """

    arch: str
    sample_rate: int
    window: int
    input_transform: str
    n_mels: int
    fmin_hz: float
    fmax_hz: float
    hidden: tuple[int, ...]
    activation: str
    fps: int = FPS

    @property
    def n_inputs(self) -> int:
        return self.n_mels if self.input_transform == "log-mel" else self.window

    @property
    def code_size(self) -> int:
        return self.hidden[-1]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        missing = known - set(data) - {"fps"}
        if missing:
            raise ValueError(f"model config lacks {', '.join(sorted(missing))}")
        config = cls(**{k: v for k, v in data.items() if k in known})
        config = cls(**{**config.__dict__, "hidden": tuple(int(h) for h in config.hidden)})
        config.validate()
        return config

    def validate(self) -> None:
        if self.input_transform not in ("log-mel", "fft-magnitude"):
            raise ValueError(f"unknown input transform {self.input_transform!r}")
        if self.activation not in ("gelu", "sigmoid"):
            raise ValueError(f"unknown activation {self.activation!r}")
        if self.code_size != N_FEATURES:
            raise ValueError(f"code layer has {self.code_size} units, davis needs {N_FEATURES}")
        if self.window < 16 or self.sample_rate < 1000:
            raise ValueError("window or sample rate out of range")


COMPACT = ModelConfig(
    arch="compact", sample_rate=22050, window=4096, input_transform="log-mel", n_mels=128,
    fmin_hz=30.0, fmax_hz=11025.0, hidden=(512, 128, N_FEATURES), activation="gelu",
)

SEED = ModelConfig(
    arch="seed", sample_rate=22050, window=11025, input_transform="fft-magnitude", n_mels=0,
    fmin_hz=0.0, fmax_hz=11025.0, hidden=(5000, 2048, 1024, 512, 128, 32, N_FEATURES),
    activation="sigmoid",
)

ARCHITECTURES = {"compact": COMPACT, "seed": SEED}
