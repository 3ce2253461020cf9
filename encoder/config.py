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
        delta_lags: for "log-mel", besides the log-mel spectrum of frame i the network sees
            its change since frame i - lag for each lag (in frames): what is happening now,
            not only the spectral shape. Empty: the spectrum alone (models before 0.2).
        delta_bands: the change is averaged into this many groups of adjacent mel bands
            (0: one per band). Coarse groups keep the broadband change of an onset and drop
            the per-band flicker no 10-number code can hold.
        log_floor: mel power floor before the log (quieter detail is treated as silence).
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
    delta_lags: tuple[int, ...] = ()
    delta_bands: int = 0
    log_floor: float = 1e-6

    @property
    def n_inputs(self) -> int:
        if self.input_transform == "log-mel":
            return self.n_mels + len(self.delta_lags) * self.change_bands
        return self.window

    @property
    def change_bands(self) -> int:
        return self.delta_bands or self.n_mels

    @property
    def lag_samples(self) -> tuple[int, ...]:
        """Each delta lag in samples: the frame lag * sample_rate / fps, rounded."""
        return tuple(round(lag * self.sample_rate / self.fps) for lag in self.delta_lags)

    @property
    def lookahead_s(self) -> float:
        """How far past a frame's time its analysis window reaches (it is centred)."""
        return (self.window - self.window // 2) / self.sample_rate

    @property
    def code_size(self) -> int:
        return self.hidden[-1]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hidden"] = list(self.hidden)
        data["delta_lags"] = list(self.delta_lags)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        missing = known - set(data) - {"fps", "delta_lags", "delta_bands", "log_floor"}
        if missing:
            raise ValueError(f"model config lacks {', '.join(sorted(missing))}")
        config = cls(**{k: v for k, v in data.items() if k in known})
        config = cls(**{**config.__dict__, "hidden": tuple(int(h) for h in config.hidden),
                        "delta_lags": tuple(int(lag) for lag in config.delta_lags)})
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
        if any(lag < 1 for lag in self.delta_lags) or not self.log_floor > 0:
            raise ValueError("delta lags must be >= 1 frame and the log floor > 0")
        if self.delta_bands < 0 or (self.delta_bands and self.n_mels % self.delta_bands):
            raise ValueError("delta bands must divide the number of mel bands")
        if self.delta_lags and self.input_transform != "log-mel":
            raise ValueError("delta lags need the log-mel input transform")


# The compact model sees 93 ms of sound centred on each frame (46 ms of look-ahead, so live
# input can run it too) and how that sound changed since the frame before, in 16 bands.
COMPACT = ModelConfig(
    arch="compact", sample_rate=22050, window=2048, input_transform="log-mel", n_mels=64,
    fmin_hz=30.0, fmax_hz=11025.0, hidden=(512, 128, N_FEATURES), activation="gelu",
    delta_lags=(1,), delta_bands=16,
)

SEED = ModelConfig(
    arch="seed", sample_rate=22050, window=11025, input_transform="fft-magnitude", n_mels=0,
    fmin_hz=0.0, fmax_hz=11025.0, hidden=(5000, 2048, 1024, 512, 128, 32, N_FEATURES),
    activation="sigmoid",
)

ARCHITECTURES = {"compact": COMPACT, "seed": SEED}
