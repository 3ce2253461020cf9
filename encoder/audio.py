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
    decoder = SongDecoder(path, sample_rate)
    blocks = list(decoder.blocks())
    return Song(path=decoder.path, samples=np.concatenate(blocks), sample_rate=sample_rate,
                title=decoder.title)


READ_BLOCK = 1 << 18  # frames decoded at a time: only mono audio is kept for the whole song


class SongDecoder:
    """A song decoded block by block into mono float32 at `sample_rate`, so that analysis
    can start before the file is decoded, and a long multichannel song never sits in
    memory with all its channels (a library encode's peak memory).

    Resampling is soxr's stream, block by block: the same samples as its one-shot
    `resample` on the whole song, at a third of the time.
    """

    def __init__(self, path: Path, sample_rate: int) -> None:
        self.path = _existing_file(path)
        self.sample_rate = sample_rate
        self.title = self.path.stem  # from the tags once `blocks` has opened the file

    def blocks(self):
        """Yield the song's (n,) float32 blocks, at least one, none empty.

        While a block is out, fd 2 stays silenced (`_quiet_native_stderr`): consume them
        without printing, or from another thread than the one that prints.

        Raises:
            AudioError: the file is empty, not audio, truncated, undecodable or has NaNs.
        """
        import soundfile

        path, produced = self.path, 0
        try:
            with _quiet_native_stderr(), soundfile.SoundFile(path) as handle:
                self.title = _title_from_tags(handle) or path.stem
                resampler = _Resampler(handle.samplerate, self.sample_rate)
                while True:
                    block = handle.read(READ_BLOCK, dtype="float32", always_2d=True)
                    last = len(block) == 0
                    mono = downmix(block) if not last else np.zeros(0, np.float32)
                    if not np.all(np.isfinite(mono)):
                        raise AudioError("contains invalid (NaN or infinite) samples", path)
                    mono = resampler(mono, last)
                    if len(mono):
                        produced += len(mono)
                        yield mono
                    if last:
                        break
                _check_not_truncated(handle, path)
        except (soundfile.LibsndfileError, RuntimeError, ValueError, EOFError) as error:
            raise AudioError(f"cannot decode audio ({_short_reason(error)})", path) from None
        if produced == 0:
            raise AudioError("contains no audio samples", path)


class _Resampler:
    """Mono blocks from `native_rate` to `sample_rate` (unchanged when they are equal)."""

    def __init__(self, native_rate: int, sample_rate: int) -> None:
        self._stream = None
        if native_rate != sample_rate:
            import soxr

            self._stream = soxr.ResampleStream(native_rate, sample_rate, 1, dtype="float32",
                                               quality="HQ")

    def __call__(self, mono: np.ndarray, last: bool) -> np.ndarray:
        if self._stream is None:
            return np.ascontiguousarray(mono, dtype=np.float32)
        return self._stream.resample_chunk(mono, last=last)


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
