"""Shared fixtures: an isolated feature cache, synthetic songs, a quickly trained model.

Every song is generated here (sine sweeps, clicks, chords, silence); nothing binary is
checked in. Tests do not depend on the shipped default model: they use `tiny_model`, a
compact model trained for two epochs on four generated songs at the start of the session.
"""

from __future__ import annotations

import os

# Rich sizes its consoles when `visualizer.console` is imported. Pin a width so results do
# not depend on the developer's terminal; wide enough that a relative file name plus its
# error message fits. (test_bad_input checks that long lines are not hard-wrapped.)
os.environ["COLUMNS"] = "200"

import gc
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from encoder.features import BLUR_LEVELS, N_FEATURES, Features
from visualizer.cli import app

FORMAT_OF_SUFFIX = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".oga": "OGG",
                    ".opus": "OGG", ".mp3": "MP3", ".aiff": "AIFF", ".aif": "AIFF"}
DEFAULT_SUBTYPE = {".wav": "PCM_16", ".flac": "PCM_16", ".ogg": "VORBIS", ".oga": "VORBIS",
                   ".opus": "OPUS", ".mp3": "MPEG_LAYER_III", ".aiff": "PCM_16", ".aif": "PCM_16"}
TINY_MODEL_ARGS = ("--epochs", "2", "--frames-per-song", "50", "--device", "cpu")


# `pytest.mark.own_process`: a test module that needs a fresh process (the window tests).
pytest_plugins = ["tests.own_process"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a test that takes more than ~30 s")


@pytest.fixture(scope="module", autouse=True)
def settled_heap():
    """What is alive when a test module starts is collected once and then frozen out of the
    cyclic garbage collector's reach (`gc.freeze`) until the module ends.

    With torch, numpy, pygame and the earlier modules loaded, one full `gc.collect()` walks
    a few hundred thousand objects (a quarter of a second on the CI machine); the memory-leak
    checks collect before every reading, a hundred readings per check. Frozen, a collection
    walks only what the module's own tests made, which is everything a leak check is about.
    """
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


# --- signals: (samples,) float64 in [-1, 1] -------------------------------------------------

def sine_sweep(seconds: float, rate: int, f0: float = 80.0, f1: float = 4000.0,
               amplitude: float = 0.5) -> np.ndarray:
    """A logarithmic sweep from f0 to f1 Hz (kept below Nyquist)."""
    f1 = min(f1, 0.45 * rate)
    t = np.arange(int(round(seconds * rate))) / rate
    k = np.log(f1 / f0) / seconds
    return amplitude * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)


def chord(seconds: float, rate: int, freqs=(261.63, 329.63, 392.00),
          amplitude: float = 0.6) -> np.ndarray:
    """A steady major triad (C4 E4 G4 by default)."""
    t = np.arange(int(round(seconds * rate))) / rate
    return amplitude / len(freqs) * sum(np.sin(2 * np.pi * f * t) for f in freqs)


def clicks(seconds: float, rate: int, times=(1.0,), amplitude: float = 0.9,
           background: np.ndarray | None = None) -> np.ndarray:
    """Short clicks (a 2 ms decaying burst) starting at `times` seconds, over silence or
    `background`."""
    n = int(round(seconds * rate))
    signal = np.zeros(n) if background is None else np.array(background[:n], dtype=np.float64)
    length = max(2, int(0.002 * rate))
    burst = amplitude * np.exp(-np.arange(length) / (length / 5)) * np.where(
        np.arange(length) % 2 == 0, 1.0, -1.0)
    for time in times:
        start = int(round(time * rate))
        end = min(n, start + length)
        signal[start:end] += burst[:end - start]
    return np.clip(signal, -1.0, 1.0)


def silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(int(round(seconds * rate)))


def write_audio(path: Path, signal: np.ndarray, rate: int, *, channels: int = 1,
                subtype: str | None = None, format: str | None = None) -> Path:
    """Write a mono `signal` as `channels` identical channels, in the format of the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    data = np.repeat(np.asarray(signal, dtype=np.float32)[:, None], channels, axis=1)
    soundfile.write(path, data, rate, format=format or FORMAT_OF_SUFFIX[suffix],
                    subtype=subtype or DEFAULT_SUBTYPE[suffix])
    return path


@dataclass
class SongMaker:
    """Writes generated songs into `folder` (see the signal functions above)."""

    folder: Path

    def _path(self, name: str) -> Path:
        return self.folder / name

    def sweep(self, name: str = "sweep.wav", seconds: float = 3.0, rate: int = 22050,
              **options) -> Path:
        f0 = options.pop("f0", 80.0)
        f1 = options.pop("f1", 4000.0)
        return write_audio(self._path(name), sine_sweep(seconds, rate, f0, f1), rate, **options)

    def chord(self, name: str = "chord.wav", seconds: float = 3.0, rate: int = 22050,
              freqs=(261.63, 329.63, 392.00), **options) -> Path:
        return write_audio(self._path(name), chord(seconds, rate, freqs), rate, **options)

    def clicks(self, name: str = "clicks.wav", seconds: float = 3.0, rate: int = 22050,
               times=(1.0,), background: np.ndarray | None = None, **options) -> Path:
        return write_audio(self._path(name), clicks(seconds, rate, times, background=background),
                           rate, **options)

    def silence(self, name: str = "silence.wav", seconds: float = 3.0, rate: int = 22050,
                **options) -> Path:
        return write_audio(self._path(name), silence(seconds, rate), rate, **options)

    def signal(self, name: str, signal: np.ndarray, rate: int, **options) -> Path:
        return write_audio(self._path(name), signal, rate, **options)


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory):
    """Every test (and every subprocess it starts) uses a private feature cache."""
    folder = tmp_path_factory.mktemp("davis-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAVIS_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache for this test only (songs with equal content share cache entries)."""
    folder = tmp_path / "fresh-cache"
    monkeypatch.setenv("DAVIS_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20170623)


@pytest.fixture
def songs(tmp_path: Path) -> SongMaker:
    return SongMaker(tmp_path / "songs")


@pytest.fixture
def cli():
    """Run `davis ARGS...` in-process; returns typer's Result (stdout, stderr separate)."""
    runner = CliRunner()

    def invoke(*args) -> "Result":  # noqa: F821
        result = runner.invoke(app, [str(arg) for arg in args])
        # An exception other than a deliberate exit would have been a traceback for the user.
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            import traceback

            trace = "".join(traceback.format_exception(result.exception))
            pytest.fail(f"davis {' '.join(map(str, args))} raised instead of reporting:\n{trace}")
        return result

    return invoke


@pytest.fixture(scope="session")
def training_songs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four short, different songs to train on."""
    maker = SongMaker(tmp_path_factory.mktemp("training-songs"))
    rate = 22050
    return [
        maker.sweep("sweep.wav", seconds=4.0, rate=rate),
        maker.chord("chord.flac", seconds=4.0, rate=rate),
        maker.clicks("clicks.wav", seconds=4.0, rate=rate, times=np.arange(0.25, 4.0, 0.5),
                     background=0.3 * sine_sweep(4.0, rate, 3000.0, 200.0)),
        maker.chord("low chord.ogg", seconds=4.0, rate=rate, freqs=(110.0, 138.59, 164.81)),
    ]


def train_model(output: Path, songs: list[Path], *extra: str) -> Path:
    result = CliRunner().invoke(app, ["train", *map(str, songs), "--output", str(output),
                                      *TINY_MODEL_ARGS, *extra])
    if result.exit_code != 0:
        raise RuntimeError(f"training the test model failed ({result.exit_code}):\n"
                           f"{result.output}\n{result.exception!r}")
    return output


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, training_songs: list[Path]) -> Path:
    """A compact model trained in a few seconds (seed 0)."""
    return train_model(tmp_path_factory.mktemp("models") / "tiny.safetensors", training_songs,
                       "--seed", "0")


@pytest.fixture(scope="session")
def other_model(tmp_path_factory: pytest.TempPathFactory, training_songs: list[Path]) -> Path:
    """The same training as `tiny_model` with another seed."""
    return train_model(tmp_path_factory.mktemp("models") / "other.safetensors", training_songs,
                       "--seed", "1")


# --- helpers for assertions, handed out as fixtures ------------------------------------------

def assert_valid_features(features: Features, n_frames: int | None = None) -> None:
    """All 7 levels, (frames, 10) each, float values in [0, 1]."""
    assert sorted(features.levels) == sorted(BLUR_LEVELS)
    for level, values in features.levels.items():
        assert values.shape == (features.n_frames, N_FEATURES), level
        assert np.all(np.isfinite(values)), level
        assert values.min() >= 0.0 and values.max() <= 1.0, level
    if n_frames is not None:
        assert abs(features.n_frames - n_frames) <= 1, (features.n_frames, n_frames)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def assert_clean_failure(result, *expected: str) -> str:
    """Exit code 2, no traceback, and exactly one `error:` line containing every `expected`
    text (the file name and the problem). Returns that line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])
    return lines[0]


@pytest.fixture(scope="session")
def helpers():
    """Assertion helpers, so test modules need not import conftest."""
    class Helpers:
        assert_valid_features = staticmethod(assert_valid_features)
        assert_clean_failure = staticmethod(assert_clean_failure)
        error_lines = staticmethod(error_lines)
        train_model = staticmethod(train_model)
        write_audio = staticmethod(write_audio)
        sine_sweep = staticmethod(sine_sweep)
        chord = staticmethod(chord)
        clicks = staticmethod(clicks)
        silence = staticmethod(silence)

    return Helpers


def run_python(code: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -c code` in a fresh interpreter (same environment, so same cache)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={**os.environ})


@pytest.fixture(scope="session")
def python():
    return run_python
