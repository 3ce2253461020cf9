"""Decoding songs to mono float32 at the model's sample rate."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from encoder.errors import AudioError

DEMO_SONG = Path(__file__).parent / "assets" / "demo.ogg"
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".opus")


@dataclass(frozen=True)
class Song:
    """A decoded song: mono samples at `sample_rate`, plus what the user will want to see."""

    path: Path
    samples: np.ndarray  # (n,) float32 in [-1, 1]
    sample_rate: int
    title: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def find_songs(paths: list[Path]) -> tuple[list[Path], list[AudioError]]:
    """Expand files and folders (searched recursively) into audio files, in a stable order.

    Returns the songs found and one error per argument that yielded none, so a batch can
    go on with the rest.
    """
    songs: list[Path] = []
    problems: list[AudioError] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
            )
            if not found:
                problems.append(AudioError("folder contains no audio files "
                                           f"({', '.join(AUDIO_EXTENSIONS)})", path))
            songs.extend(found)
        elif path.exists():
            songs.append(path)
        else:
            problems.append(AudioError("no such file or folder", path))
    return songs, problems


def load_song(path: Path, sample_rate: int) -> Song:
    """Decode any WAV/FLAC/OGG/MP3 file, downmix to mono and resample to `sample_rate`.

    Raises:
        AudioError: the file is missing, empty, not audio, truncated or undecodable.
    """
    import soundfile

    path = _existing_file(path)
    try:
        with _quiet_native_stderr(), soundfile.SoundFile(path) as handle:
            native_rate = handle.samplerate
            title = _title_from_tags(handle) or path.stem
            mono = _read_mono(handle)
            _check_not_truncated(handle, path)
    except (soundfile.LibsndfileError, RuntimeError, ValueError, EOFError) as error:
        raise AudioError(f"cannot decode audio ({_short_reason(error)})", path) from None
    if mono.size == 0:
        raise AudioError("contains no audio samples", path)
    if not np.all(np.isfinite(mono)):
        raise AudioError("contains invalid (NaN or infinite) samples", path)
    if native_rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, native_rate, sample_rate, quality="HQ")
    return Song(path=path, samples=np.ascontiguousarray(mono, dtype=np.float32),
                sample_rate=sample_rate, title=title)


READ_BLOCK = 1 << 18  # frames decoded at a time: only mono audio is kept for the whole song


def _read_mono(handle) -> np.ndarray:
    """The whole file as mono float32, decoded block by block so that a long multichannel
    song never sits in memory with all its channels (a library encode's peak memory)."""
    expected = max(handle.frames, 0) if handle.seekable() else 0
    mono = np.empty(expected, dtype=np.float32)
    filled, extra = 0, []
    while True:
        block = handle.read(READ_BLOCK, dtype="float32", always_2d=True)
        if len(block) == 0:
            break
        block = downmix(block)
        if filled + len(block) <= expected:
            mono[filled:filled + len(block)] = block
            filled += len(block)
        else:
            extra.append(block)
    return np.concatenate([mono[:filled], *extra]) if extra else mono[:filled]


def downmix(data: np.ndarray) -> np.ndarray:
    """(samples, channels) float32 to mono: the channels' mean, the same values as
    `data.mean(axis=1)` at a tenth of its cost (numpy's mean over a short axis is slow)."""
    if data.shape[1] == 1:
        return data[:, 0]
    mono = data[:, 0].copy()
    for channel in range(1, data.shape[1]):
        mono += data[:, channel]
    mono /= np.float32(data.shape[1])
    return mono


def load_span(path: Path, start_s: float, duration_s: float, sample_rate: int, *,
              max_channels: int = 2) -> np.ndarray:
    """Decode `duration_s` seconds of a song from `start_s` (a video's soundtrack), keeping
    its first `max_channels` channels, resampled to `sample_rate`.

    Returns (samples, channels) float32; shorter than asked where the song ends first (one
    native sample more is read so that resampling does not lose the last one).

    Raises:
        AudioError: the file is missing, empty, not audio or undecodable.
    """
    import soundfile

    path = _existing_file(path)
    try:
        with _quiet_native_stderr():
            native_rate = soundfile.info(str(path)).samplerate
            first = int(round(start_s * native_rate))
            count = int(round(duration_s * native_rate)) + 1
            data, native_rate = soundfile.read(str(path), start=first, stop=first + count,
                                               dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError, EOFError, OSError) as error:
        raise AudioError(f"cannot decode audio ({_short_reason(error)})", path) from None
    data = data[:, :max_channels]
    if native_rate != sample_rate and len(data):
        import soxr

        data = soxr.resample(data, native_rate, sample_rate, quality="HQ")
    return data


def _existing_file(path: Path) -> Path:
    """`path` as a Path, checked to be a non-empty file (AudioError otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise AudioError("no such file" if not path.exists() else "not a file", path)
    if path.stat().st_size == 0:
        raise AudioError("file is empty", path)
    return path


@contextmanager
def _quiet_native_stderr():
    """Silence what the C decoders print on fd 2 (mpg123's resync notes); we report errors."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


_DATA_CHUNK = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


def _check_not_truncated(handle, path: Path) -> None:
    """libsndfile quietly clamps a WAV/AIFF whose data chunk is cut short; we say so."""
    match = _DATA_CHUNK.search(handle.extra_info)
    if not match:
        return
    declared, present = int(match.group(1)), int(match.group(2))
    unknown_length = declared in (0, 0xFFFFFFFF, 0x7FFFFFFF) or declared >= 0xFFFFFF00
    if declared > present and not unknown_length:
        raise AudioError(f"file is truncated: its header promises {declared:,} bytes of audio, "
                         f"only {present:,} are there", path)


def song_title(path: Path) -> str:
    """'Artist – Title' from the file's tags, else the file name without its extension."""
    import soundfile

    try:
        with _quiet_native_stderr(), soundfile.SoundFile(path) as handle:
            return _title_from_tags(handle) or Path(path).stem
    except Exception:  # tags are a nicety: any failure falls back to the file name
        return Path(path).stem


def _title_from_tags(handle) -> str | None:
    try:
        title = handle.title
        artist = handle.artist
    except (AttributeError, RuntimeError):
        return None
    if title and artist:
        return f"{artist} – {title}"
    return title or None


def _short_reason(error: Exception) -> str:
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    # libsndfile prefixes its messages with the file name; the path is already shown.
    if ": " in text and text.startswith(("Error opening", "Internal")):
        text = text.split(": ", 1)[1]
    if "not recognised" in text or "not a regular file" in text:
        return "not a recognised audio format, or corrupt"
    return text.rstrip(".")
