"""Writing rendered frames to a video file, with the song's audio, for `davis render`.

The pipeline keeps the GPU, the readback and the encoder busy at the same time:

1. A small GL pass turns the renderer's RGBA texture into the bytes of a yuv420p (I420)
   picture (BT.709, limited range, top row first) in an RGBA8 texture: the colour
   conversion and the vertical flip happen on the GPU, and only 1.5 bytes per pixel travel.
2. Those bytes are read into one of two pixel buffers in turn; the frame read last time is
   collected while this one is in flight.
3. An encoder thread takes the frames through a bounded queue, encodes them with PyAV
   (which releases the GIL), interleaves the audio and muxes both into the container.

The file is written under a hidden temporary name in the output folder and renamed to the
output name only once complete; a failure or Ctrl-C removes the temporary file.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from encoder.errors import AudioError, DavisError


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
H264_PRESET = "veryfast"  # x264 at 1080p60 must keep up with a GPU (4x real time)
# libvpx: the realtime deadline at speed 5 encodes 640x360 about 6x faster than the "good"
# deadline's fastest speed on 2 cores, for ~20% larger files at the same crf.
VP9_DEADLINE, VP9_SPEED = "realtime", "5"
QUEUE_FRAMES = 6          # frames waiting for the encoder (bounded memory)

# The frames are BT.709, limited range (see the shaders); the stream says so, as codec
# options (which every PyAV version passes through to FFmpeg).
_COLOUR_TAGS = {"colorspace": "bt709", "color_primaries": "bt709", "color_trc": "bt709",
                "color_range": "tv"}


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
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise VideoError(f"cannot write in {folder} ({error.strerror or error})", path) from None
    os.close(handle)
    os.unlink(probe)
    return container


def check_size(size: tuple[int, int]) -> None:
    """yuv420p halves both sides for the colour planes, so both must be even."""
    width, height = size
    if width % 2 or height % 2:
        raise VideoError(f"--size {width}x{height}: video width and height must be even "
                         f"(e.g. {width + width % 2}x{height + height % 2})")


def audio_rate_for(container: Container, native_rate: int) -> int:
    return native_rate if native_rate in container.audio_rates else container.audio_rates[0]


def load_audio(path: Path, start_s: float, duration_s: float, rate: int) -> np.ndarray:
    """The song's audio from `start_s` for `duration_s` at `rate`: (channels, samples)
    float32, mono or stereo, padded with silence to exactly round(duration_s * rate)."""
    import soundfile

    path = Path(path)
    try:
        info = soundfile.info(str(path))
        native = info.samplerate
        first = int(round(start_s * native))
        count = int(round(duration_s * native)) + 1
        data, native = soundfile.read(str(path), start=first, stop=first + count,
                                      dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, ValueError, EOFError, OSError) as error:
        raise AudioError(f"cannot decode audio ({str(error).strip() or type(error).__name__})",
                         path) from None
    if data.shape[1] > 2:
        data = data[:, :2]  # front left and right of a surround mix
    if native != rate and len(data):
        import soxr

        data = soxr.resample(data, native, rate, quality="HQ")
    wanted = int(round(duration_s * rate))
    clip = np.zeros((wanted, data.shape[1]), dtype=np.float32)
    clip[:min(wanted, len(data))] = data[:wanted]
    return np.ascontiguousarray(clip.T)


# --- the GPU side: RGBA texture -> I420 bytes, read back through two buffers ---------------

_VERTEX = """
#version 330 core
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
"""

# The I420 picture is packed into an RGBA8 texture ceil(w / 4) texels wide: each texture row
# holds w bytes (4 per texel, then padding up to a whole texel). Rows 0..h-1 hold the Y
# plane; rows h..h*3/2-1 hold the U plane then the V plane (w/2 bytes per chroma row, so two
# chroma rows per texture row). Read back, the first w bytes of each row are exactly PyAV's
# (h * 3/2, w) yuv420p array. Two draws (Y, then chroma) keep the shaders free of per-pixel
# branches and integer division, which a software rasteriser pays dearly. Values are rounded
# here and offset by a quarter step, so that the fixed-point conversion gives the same byte
# whether the driver rounds or truncates.
_COMMON = """
#version 330 core
uniform sampler2D source;
uniform ivec2 size;
out vec4 color;

const vec3 LUMA = vec3(0.2126, 0.7152, 0.0722);

vec3 rgb(int x, int y) {  // y counts from the top row of the picture
    return texelFetch(source, ivec2(min(x, size.x - 1), size.y - 1 - min(y, size.y - 1)), 0).rgb;
}

float code(float value) {
    return (floor(value + 0.5) + 0.25) / 255.0;
}
"""

_LUMA_FRAGMENT = _COMMON + """
float luma(int x, int y) {
    return code(16.0 + 219.0 * dot(LUMA, rgb(x, y)));
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    int x = texel.x * 4;
    color = vec4(luma(x, texel.y), luma(x + 1, texel.y), luma(x + 2, texel.y),
                 luma(x + 3, texel.y));
}
"""

_CHROMA_FRAGMENT = _COMMON + """
float chroma(int byte_in_row, int pair) {
    int half_width = size.x / 2;
    int half_height = size.y / 2;
    bool second = byte_in_row >= half_width;
    int column = second ? byte_in_row - half_width : byte_in_row;
    int row = 2 * pair + (second ? 1 : 0);    // counting U rows, then V rows
    bool red = row >= half_height;
    row = red ? row - half_height : row;
    int x = 2 * column;
    int y = 2 * row;
    vec3 c = 0.25 * (rgb(x, y) + rgb(x + 1, y) + rgb(x, y + 1) + rgb(x + 1, y + 1));
    float luma = dot(LUMA, c);
    float difference = red ? (c.r - luma) / 1.5748 : (c.b - luma) / 1.8556;
    return code(128.0 + 224.0 * difference);
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    int x = texel.x * 4;
    int pair = texel.y - size.y;
    color = vec4(chroma(x, pair), chroma(x + 1, pair), chroma(x + 2, pair),
                 chroma(x + 3, pair));
}
"""


class I420Readback:
    """Converts frames to I420 on the GPU and reads them back one frame behind, through two
    pixel buffers used in turn, so the GPU works on frame n while frame n-1 is collected.

    Frames come back as (h * 3/2, w) uint8 arrays: PyAV's yuv420p layout, top row first.
    """

    def __init__(self, ctx, size: tuple[int, int]) -> None:
        import moderngl

        self.ctx = ctx
        self.size = size
        width, height = size
        pack_size = (-(-width // 4), height * 3 // 2)
        self.row_bytes = pack_size[0] * 4
        self._resources = []
        self._passes = []
        for fragment, rows in ((_LUMA_FRAGMENT, (0, height)),
                               (_CHROMA_FRAGMENT, (height, height // 2))):
            program = self._own(ctx.program(vertex_shader=_VERTEX, fragment_shader=fragment))
            program["size"].value = size
            program["source"].value = 0
            vao = self._own(ctx.vertex_array(program, []))
            self._passes.append((vao, (0, rows[0], pack_size[0], rows[1])))
        self.texture = self._own(ctx.texture(pack_size, 4))
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.framebuffer = self._own(ctx.framebuffer(color_attachments=[self.texture]))
        self._buffers = [self._own(ctx.buffer(reserve=self.row_bytes * pack_size[1]))
                         for _ in range(2)]
        self._submitted = 0
        self._collected = 0

    def _own(self, resource):
        self._resources.append(resource)
        return resource

    def submit(self, texture) -> np.ndarray | None:
        """Convert `texture` (RGBA, `size`) and start reading it; returns the previous frame,
        or None for the first one."""
        import moderngl

        self.ctx.enable_only(moderngl.NOTHING)
        self.framebuffer.use()
        texture.use(location=0)
        for vao, viewport in self._passes:
            self.framebuffer.viewport = viewport
            vao.render(moderngl.TRIANGLES, vertices=3)
        self.framebuffer.viewport = (0, 0, *self.texture.size)
        self.framebuffer.read_into(self._buffers[self._submitted % 2], components=4,
                                   alignment=1)
        self._submitted += 1
        return self.collect() if self._submitted - self._collected > 1 else None

    def collect(self) -> np.ndarray | None:
        """The oldest frame not yet collected (None when none is pending)."""
        if self._collected == self._submitted:
            return None
        data = self._buffers[self._collected % 2].read()
        self._collected += 1
        width, height = self.size
        packed = np.frombuffer(data, dtype=np.uint8).reshape(height * 3 // 2, self.row_bytes)
        return packed if self.row_bytes == width else np.ascontiguousarray(packed[:, :width])

    def release(self) -> None:
        # moderngl rebinds "the current framebuffer" after creating one: it must not be ours.
        if self.ctx.fbo is self.framebuffer:
            self.ctx.detect_framebuffer(0).use()
        while self._resources:
            self._resources.pop().release()


# --- the encoder side ------------------------------------------------------------------------

class _Stop:
    """The queue's end marker."""


class VideoFile:
    """An encoder thread writing I420 frames (and audio) to a temporary file, renamed to
    `path` by `finish`, removed by `abort`.

    Args:
        path: the output file; its extension picks the container (see CONTAINERS).
        size: (width, height), both even.
        fps: frames per second (an integer).
        crf: constant-quality factor (H.264: 0–51, VP9: 0–63; lower is better and larger).
        audio: (channels, samples) float32 to mux, or None for a silent video.
        audio_rate: its sample rate (one the container's audio codec accepts).
        threads: encoder threads (0: the codec decides). Output is deterministic for a fixed
            count.
    """

    def __init__(self, path: Path, size: tuple[int, int], fps: int, *, crf: int = DEFAULT_CRF,
                 audio: np.ndarray | None = None, audio_rate: int = 48000,
                 threads: int = 0) -> None:
        self.path = Path(path)
        self.spec = container_for(self.path)
        check_size(size)
        self.size = size
        self.fps = int(fps)
        self.crf = crf
        self.audio = audio
        self.audio_rate = audio_rate
        self.threads = threads
        self.frames_written = 0
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._audio_position = 0
        self.temporary: Path | None = None
        self._container = None
        self._thread: threading.Thread | None = None

    # --- opening ---

    def open(self) -> "VideoFile":
        import av

        folder = self.path.parent
        try:
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                            dir=folder)
        except OSError as error:
            raise VideoError(f"cannot write in {folder} ({error.strerror or error})",
                             self.path) from None
        os.close(handle)
        self.temporary = Path(name)
        try:
            os.chmod(self.temporary, 0o666 & ~_umask())  # mkstemp's 0600 hides it from others
            self._container = av.open(str(self.temporary), "w", format=self.spec.format,
                                      options=self.spec.muxer_options)
            self._video = self._add_video_stream()
            self._audio_stream = self._add_audio_stream() if self.audio is not None else None
        except BaseException as error:
            self._discard()
            if isinstance(error, (OSError, av.error.FFmpegError)):
                raise VideoError(f"cannot start the video ({error})", self.path) from None
            raise
        self._thread = threading.Thread(target=self._encode_loop, name="davis-video-encoder",
                                        daemon=True)
        self._thread.start()
        return self

    def _add_video_stream(self):
        stream = self._container.add_stream(self.spec.video_codec, rate=Fraction(self.fps))
        context = stream.codec_context
        context.width, context.height = self.size
        context.pix_fmt = "yuv420p"
        context.time_base = Fraction(1, self.fps)
        context.thread_count = self.threads
        context.bit_rate = 0
        if self.spec.video_codec == "libx264":
            # mbtree off: its SIMD code reads uninitialised memory (x264 in FFmpeg 8.1, as
            # PyAV ships it), so the same frames gave different files from run to run.
            options = {"crf": str(self.crf), "preset": H264_PRESET, "mbtree": "0"}
        else:  # libvpx-vp9: constant quality needs b=0 next to crf
            options = {"crf": str(self.crf), "b": "0", "deadline": VP9_DEADLINE,
                       "cpu-used": VP9_SPEED, "row-mt": "1"}
        context.options = {**options, **_COLOUR_TAGS}
        return stream

    def _add_audio_stream(self):
        channels = self.audio.shape[0]
        stream = self._container.add_stream(self.spec.audio_codec, rate=self.audio_rate,
                                            layout="stereo" if channels == 2 else "mono")
        stream.codec_context.bit_rate = self.spec.audio_bit_rate // (1 if channels == 2 else 2)
        stream.codec_context.time_base = Fraction(1, self.audio_rate)
        return stream

    # --- the render loop's side ---

    def add(self, frame: np.ndarray) -> None:
        """Queue one I420 frame ((h * 3/2, w) uint8); blocks while the encoder is behind."""
        width, height = self.size
        if frame.shape != (height * 3 // 2, width):
            raise ValueError(f"expected a {width}x{height} I420 frame, got shape {frame.shape}")
        self._put(frame)

    def _put(self, item) -> None:
        while True:
            self._raise_if_failed()
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                if self._thread is None or not self._thread.is_alive():
                    self._raise_if_failed()
                    raise VideoError("the encoder stopped", self.path) from None

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._failure(self._error)

    def _failure(self, error: BaseException) -> VideoError:
        if isinstance(error, VideoError):
            return error
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return VideoError(f"writing the video failed ({reason})", self.path)

    def finish(self) -> Path:
        """Flush the encoders, close the file and move it to `path`."""
        try:
            self._put(_Stop)
            self._thread.join()
            self._raise_if_failed()
            try:
                self._container.close()
            except Exception as error:
                raise self._failure(error) from None
            self._container = None
            os.replace(self.temporary, self.path)
        except BaseException:
            self.abort()
            raise
        self.temporary = None
        return self.path

    def abort(self) -> None:
        """Stop the encoder and remove the temporary file; the output is left untouched."""
        self._abort.set()
        if self._thread is not None and self._thread.is_alive():
            while True:  # make room for the end marker, the encoder stops at the next frame
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                self._queue.put_nowait(_Stop)
            except queue.Full:
                pass
            self._thread.join()
        self._discard()

    def _discard(self) -> None:
        if self._container is not None:
            try:
                self._container.close()
            except Exception:
                pass  # it is being thrown away
            self._container = None
        if self.temporary is not None:
            self.temporary.unlink(missing_ok=True)
            self.temporary = None

    # --- the encoder thread ---

    def _encode_loop(self) -> None:
        import av

        try:
            while not self._abort.is_set():
                item = self._queue.get()
                if item is _Stop or self._abort.is_set():
                    break
                frame = av.VideoFrame.from_ndarray(item, format="yuv420p")
                frame.pts = self.frames_written
                frame.time_base = Fraction(1, self.fps)
                self._container.mux(self._video.encode(frame))
                self.frames_written += 1
                self._encode_audio(self.frames_written)
            if not self._abort.is_set():
                self._container.mux(self._video.encode(None))
                self._encode_audio(None)
        except BaseException as error:  # reported to the render loop by add/finish
            self._error = error

    def _encode_audio(self, frames: int | None) -> None:
        """Audio up to the end of video frame `frames` (None: all of it, then flush)."""
        import av

        if self._audio_stream is None:
            return
        total = self.audio.shape[1]
        end = total if frames is None else min(total, round(frames * self.audio_rate / self.fps))
        if end > self._audio_position:
            samples = np.ascontiguousarray(self.audio[:, self._audio_position:end])
            frame = av.AudioFrame.from_ndarray(
                samples, format="fltp", layout="stereo" if samples.shape[0] == 2 else "mono")
            frame.sample_rate = self.audio_rate
            frame.pts = self._audio_position
            frame.time_base = Fraction(1, self.audio_rate)
            self._container.mux(self._audio_stream.encode(frame))
            self._audio_position = end
        if frames is None:
            self._container.mux(self._audio_stream.encode(None))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class VideoWriter:
    """The renderer's texture in, a finished video file out: `I420Readback` + `VideoFile`.

    Use as a context manager: leaving the block normally finishes the file (call `close`
    to do it explicitly); an exception, Ctrl-C included, removes the temporary file.
    `frame_hook`, if given, sees every frame's I420 bytes (tests hash them).
    """

    def __init__(self, ctx, path: Path, size: tuple[int, int], fps: int, *,
                 crf: int = DEFAULT_CRF, audio: np.ndarray | None = None,
                 audio_rate: int = 48000, threads: int = 0, frame_hook=None) -> None:
        self.file = VideoFile(path, size, fps, crf=crf, audio=audio, audio_rate=audio_rate,
                              threads=threads)
        self.ctx = ctx
        self.frame_hook = frame_hook
        self.readback: I420Readback | None = None
        self.closed = False

    def __enter__(self) -> "VideoWriter":
        self.file.open()
        try:
            self.readback = I420Readback(self.ctx, self.file.size)
        except BaseException:
            self.file.abort()
            raise
        return self

    def write(self, texture) -> None:
        """Queue the frame in `texture` (the renderer's colour texture)."""
        self._hand_over(self.readback.submit(texture))

    def _hand_over(self, frame: np.ndarray | None) -> None:
        if frame is None:
            return
        if self.frame_hook is not None:
            self.frame_hook(frame)
        self.file.add(frame)

    def close(self) -> Path:
        """Write the last frame, finish encoding and rename the file into place."""
        if self.closed:
            return self.file.path
        self.closed = True
        try:
            self._hand_over(self.readback.collect())
        except BaseException:
            self.file.abort()
            raise
        finally:
            self.readback.release()
        return self.file.finish()

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
            return
        if not self.closed:
            self.closed = True
            self.file.abort()
            if self.readback is not None:
                self.readback.release()
