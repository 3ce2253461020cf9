"""Video containers by file extension, the codecs davis writes into them and their settings,
and the checks an output must pass before any slow work."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from encoder.errors import DavisError


class VideoError(DavisError):
    """An output that cannot be written: bad name, folder, codec, or a write failure."""


@dataclass(frozen=True)
class Container:
    """A container (by file extension) and the codecs davis writes into it."""

    suffix: str
    format: str             # FFmpeg muxer name
    video_codec: str
    audio_codec: str
    audio_rates: tuple[int, ...]  # sample rates used as they are; others go to the first
    audio_bit_rate: int
    options: tuple[tuple[str, str], ...] = ()  # muxer options

    @property
    def muxer_options(self) -> dict[str, str]:
        return dict(self.options)


CONTAINERS: dict[str, Container] = {
    ".mp4": Container(".mp4", "mp4", "libx264", "aac", (48000, 44100), 192_000,
                      (("movflags", "+faststart"),)),
    ".mkv": Container(".mkv", "matroska", "libx264", "aac", (48000, 44100), 192_000),
    ".webm": Container(".webm", "webm", "libvpx-vp9", "libopus", (48000,), 128_000),
    ".mov": Container(".mov", "mov", "libx264", "aac", (48000, 44100), 192_000,
                      (("movflags", "+faststart"),)),
}

DEFAULT_CRF = 20
# x264's fastest preset with four of its tools turned back on (CABAC, the deblocking filter,
# the 8x8 transform and intra 8x8/4x4 partitions): at the same crf it matches "veryfast"'s
# SSIM against the rendered frames (0.993 tunnel, 0.994 kaleidoscope, 0.997 field at
# 1080p60) and encodes 2.2-2.9x faster, for files 1.15-1.65x larger.
# `python benchmarks/encoder_settings.py` measures it.
H264_PRESET = "ultrafast"
H264_TOOLS = "cabac=1:deblock=1,0,0:8x8dct=1:partitions=i8x8,i4x4"
# libvpx: the realtime deadline at speed 5 encodes 640x360 about 6x faster than the "good"
# deadline's fastest speed on 2 cores, for ~20% larger files at the same crf.
VP9_DEADLINE, VP9_SPEED = "realtime", "5"

# The frames are BT.709, limited range (see shaders/common/i420.glsl); the stream says so,
# as codec options (which every PyAV version passes through to FFmpeg).
COLOUR_TAGS = {"colorspace": "bt709", "color_primaries": "bt709", "color_trc": "bt709",
               "color_range": "tv"}


def video_codec_options(container: Container, crf: int) -> dict[str, str]:
    """The video encoder's options: constant quality `crf`, speed settings, colour tags."""
    if container.video_codec == "libx264":
        # mbtree off: its SIMD code reads uninitialised memory (x264 in FFmpeg 8.1, as PyAV
        # ships it), so the same frames gave different files from run to run.
        options = {"crf": str(crf), "preset": H264_PRESET, "x264-params": H264_TOOLS,
                   "mbtree": "0"}
    else:  # libvpx-vp9: constant quality needs b=0 next to crf
        options = {"crf": str(crf), "b": "0", "deadline": VP9_DEADLINE,
                   "cpu-used": VP9_SPEED, "row-mt": "1"}
    return {**options, **COLOUR_TAGS}


def container_for(path: Path) -> Container:
    """The container for `path`'s extension, with codecs this FFmpeg build can encode.

    Raises:
        VideoError: an unknown extension, or a codec missing from the PyAV/FFmpeg build.
    """
    import av

    path = Path(path)
    suffix = path.suffix.lower()
    container = CONTAINERS.get(suffix)
    known = ", ".join(CONTAINERS)
    if container is None:
        what = f"unknown video container {suffix!r}" if suffix else "no file extension"
        raise VideoError(f"{what} (use {known})", path)
    for codec in (container.video_codec, container.audio_codec):
        try:
            av.codec.Codec(codec, "w")
        except Exception:  # av's UnknownCodecError (its name moved between versions)
            raise VideoError(f"this FFmpeg build (PyAV {av.__version__}) has no {codec} "
                             f"encoder, needed for {suffix}", path) from None
    return container


def temporary_file_beside(path: Path) -> Path:
    """A new, empty hidden file in `path`'s folder (renamed to `path` once complete), with
    the permissions a new file gets there (the umask applies).

    Raises:
        VideoError: the folder does not accept a new file.
    """
    folder = path.parent
    while True:
        candidate = folder / f".{path.name}.{secrets.token_hex(4)}.part"
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        except OSError as error:
            raise VideoError(f"cannot write in {folder} ({error.strerror or error})",
                             path) from None
        return candidate


def check_output(path: Path) -> Container:
    """Check, before any slow work, that a video can be written at `path`.

    The folder must exist and accept a new file (tried for real: permissions, read-only
    file systems and full quotas all show up here); an existing file is replaced at the end.
    """
    path = Path(path)
    container = container_for(path)
    folder = path.parent
    if path.is_dir():
        raise VideoError("is a folder; give a file name such as song.mp4", path)
    if not folder.exists():
        raise VideoError(f"folder {folder} does not exist", path)
    if not folder.is_dir():
        raise VideoError(f"{folder} is not a folder", path)
    temporary_file_beside(path).unlink()
    return container


def check_size(size: tuple[int, int]) -> None:
    """yuv420p halves both sides for the colour planes, so both must be even."""
    width, height = size
    if width % 2 or height % 2:
        raise VideoError(f"--size {width}x{height}: video width and height must be even "
                         f"(e.g. {width + width % 2}x{height + height % 2})")


def audio_rate_for(container: Container, native_rate: int) -> int:
    return native_rate if native_rate in container.audio_rates else container.audio_rates[0]
