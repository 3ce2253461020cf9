"""`davis render`: video files that decode, with audio, the right frame count and lively,
deterministic frames; cycling looks; clean failures that leave no file behind.

Renders are tiny (160x90 at 15 fps for 2 s) and share the process's offscreen context with
the command itself. Features come from the shipped default model
(`encoder/models/default.safetensors`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest_gl import gl_context, released  # noqa: F401
from visualizer.looks import Look, look_schedule
from visualizer.video import render_video

SIZE = (160, 90)
FPS = 15
SECONDS = 2.0
SMALL = ("--size", f"{SIZE[0]}x{SIZE[1]}", "--fps", FPS, "--duration", SECONDS)
CODECS = {".mp4": ("h264", "aac"), ".mkv": ("h264", "aac"), ".webm": ("vp9", "opus"),
          ".mov": ("h264", "aac")}


@pytest.fixture
def song(songs) -> Path:
    """A 3 s sweep over clicks: features that move."""
    return songs.sweep("sweep.wav", seconds=3.0)


@pytest.fixture
def renders(tmp_path: Path, gl_context) -> Path:  # noqa: F811
    """An empty output folder (GL tests are skipped where there is no offscreen context)."""
    folder = tmp_path / "renders"
    folder.mkdir()
    return folder


def decode(path: Path) -> tuple[list[np.ndarray], float, float, dict]:
    """(RGB frames, video duration s, audio duration s, codec names) by decoding everything."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        codecs = {"video": video.codec_context.name,
                  "audio": audio.codec_context.name if audio else None}
        frames, samples, rate = [], 0, None
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                frames.append(frame.to_ndarray(format="rgb24"))
            else:
                samples += frame.samples
                rate = frame.sample_rate
        fps = float(video.average_rate)  # PyAV 18: a closed container's streams are gone
    return frames, len(frames) / fps, (samples / rate if rate else 0.0), codecs


def hashes(frames) -> list[str]:
    return [hashlib.sha256(np.ascontiguousarray(frame).tobytes()).hexdigest() for frame in frames]


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def leftovers(folder: Path, keep: str | None = None) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


# --- the file --------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", list(CODECS))
def test_renders_a_video_with_audio(cli, song, renders, suffix):
    output = renders / f"clip{suffix}"
    result = cli("render", song, "-o", output, *SMALL)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stdout
    assert leftovers(renders, keep=output.name) == []  # no temporary file left

    frames, video_s, audio_s, codecs = decode(output)
    assert (codecs["video"], codecs["audio"]) == CODECS[suffix]
    assert abs(len(frames) - SECONDS * FPS) <= 1
    assert frames[0].shape == (SIZE[1], SIZE[0], 3)
    assert abs(audio_s - video_s) <= 0.1, (audio_s, video_s)
    brightness = [float(frame.mean()) for frame in frames]
    assert max(brightness) > 10, brightness  # not black
    changes = [difference(a, b) for a, b in zip(frames[::5], frames[5::5])]
    assert min(changes) > 0.5, changes  # moving all along, not frozen


def test_a_silent_song_renders_with_one_warning(cli, songs, renders):
    silent = songs.silence("quiet.wav", seconds=2.5)
    output = renders / "quiet.mp4"
    result = cli("render", silent, "-o", output, *SMALL)
    assert result.exit_code == 0, result.output
    assert output.is_file()  # a silent intro is still a song: said, not refused
    assert result.stderr.count("warning:") == 1 and "silent" in result.stderr, result.stderr
    loud = cli("render", songs.chord("chord.wav", seconds=2.5), "-o", renders / "c.mp4", *SMALL)
    assert "silent" not in loud.stderr


def test_start_and_duration_select_the_song_time(cli, song, renders):
    """A render from 1 s lasts the rest of the song by default, audio included."""
    output = renders / "tail.mp4"
    result = cli("render", song, "-o", output, "--size", "64x36", "--fps", 10, "--start", 1.0)
    assert result.exit_code == 0, result.output
    frames, video_s, audio_s, _ = decode(output)
    assert abs(len(frames) - 20) <= 1
    assert abs(audio_s - 2.0) <= 0.1


def test_frames_are_deterministic(cli, song, renders, gl_context):  # noqa: F811
    """Same inputs, same frames: the raw rendered frames and the decoded files."""
    from encoder.batch import FeatureSource

    features = FeatureSource().get(song).features
    raw: dict[str, list[str]] = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        frames: list[str] = []
        render_video(gl_context, features, song, Look("kaleidoscope"), renders / f"{name}.mkv",
                     size=SIZE, fps=FPS, seed=seed, duration_s=1.0,
                     frame_hook=lambda frame, frames=frames: frames.append(
                         hashlib.sha256(frame.tobytes()).hexdigest()))
        raw[name] = frames
    assert len(raw["a"]) == FPS
    assert raw["a"] == raw["b"]
    assert raw["a"] != raw["c"]  # another seed, another mapping
    assert hashes(decode(renders / "a.mkv")[0]) == hashes(decode(renders / "b.mkv")[0])

    for name in ("first.mp4", "second.mp4"):
        result = cli("render", song, "-o", renders / name, *SMALL, "--seed", 7)
        assert result.exit_code == 0, result.output
    assert hashes(decode(renders / "first.mp4")[0]) == hashes(decode(renders / "second.mp4")[0])


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_encoding_does_not_depend_on_leftover_memory(song, renders, gl_context, suffix):  # noqa: F811
    """The encoders must not read uninitialised memory (x264's mbtree did): the same frames
    give the same bytes even when malloc fills memory with other garbage (MALLOC_PERTURB_)."""
    from encoder.batch import FeatureSource

    features = FeatureSource().get(song).features
    frames: list[np.ndarray] = []
    render_video(gl_context, features, song, Look("kaleidoscope"), renders / f"a{suffix}",
                 size=SIZE, fps=FPS, duration_s=SECONDS,
                 frame_hook=lambda frame: frames.append(frame.copy()))
    np.save(renders / "frames.npy", np.stack(frames))
    code = (
        "import sys, hashlib, av, numpy as np\n"
        "from visualizer.video import VideoFile\n"
        "folder = sys.argv[1]\n"
        f"video = VideoFile(folder + '/out{suffix}', {SIZE}, {FPS}).open()\n"
        "for frame in np.load(folder + '/frames.npy'):\n"
        "    video.add(frame)\n"
        "video.finish()\n"
        f"with av.open(folder + '/out{suffix}') as container:\n"
        "    print(hashlib.sha256(b''.join(bytes(p) for p in container.demux(video=0))).hexdigest())\n"
    )
    digests = set()
    for garbage in ("165", "7"):
        result = subprocess.run([sys.executable, "-c", code, str(renders)], capture_output=True,
                                text=True, timeout=60,
                                env={**os.environ, "MALLOC_PERTURB_": garbage})
        assert result.returncode == 0, result.stderr
        digests.add(result.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize("width, height", [(160, 90), (22, 14)])  # 22: rows padded on the GPU
def test_frames_are_converted_exactly_and_upright(gl_context, released, width, height):  # noqa: F811
    """The GPU's yuv420p bytes equal a BT.709 limited-range reference, top row first."""
    from visualizer.video import I420Readback

    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    texture = released(gl_context.texture((width, height), 4, image[::-1].tobytes()))
    readback = released(I420Readback(gl_context, (width, height)))
    assert readback.submit(texture) is None  # one frame behind
    frame = readback.collect()
    assert frame.shape == (height * 3 // 2, width)
    flat = frame.reshape(-1)
    quarter = width * height // 4
    y_plane = flat[:width * height].reshape(height, width)
    u_plane = flat[width * height:width * height + quarter].reshape(height // 2, width // 2)
    v_plane = flat[width * height + quarter:].reshape(height // 2, width // 2)
    weights = np.array([0.2126, 0.7152, 0.0722])
    rgb = image[..., :3] / 255.0
    chroma = rgb.reshape(height // 2, 2, width // 2, 2, 3).mean(axis=(1, 3))
    luma = chroma @ weights
    np.testing.assert_array_equal(y_plane, np.floor(16 + 219 * (rgb @ weights) + 0.5))
    np.testing.assert_array_equal(
        u_plane, np.floor(128 + 224 * (chroma[..., 2] - luma) / 1.8556 + 0.5))
    np.testing.assert_array_equal(
        v_plane, np.floor(128 + 224 * (chroma[..., 0] - luma) / 1.5748 + 0.5))


# --- looks -----------------------------------------------------------------------------------

def test_cycle_schedule_follows_the_animation_order():
    from visualizer.animations import animation_names

    names = animation_names()
    schedule = look_schedule(Look("kaleidoscope"), n_frames=100, fps=10, seed=5, cycle_s=2.5)
    assert [segment.first_frame for segment in schedule] == [0, 25, 50, 75]
    start = names.index("kaleidoscope")
    assert [s.animation for s in schedule] == [names[(start + k) % len(names)] for k in range(4)]
    assert len({s.mapping for s in schedule}) > 1  # new mappings too
    assert schedule == look_schedule(Look("kaleidoscope"), 100, 10, 5, 2.5)  # deterministic
    assert schedule != look_schedule(Look("kaleidoscope"), 100, 10, 6, 2.5)
    assert len(look_schedule(Look("kaleidoscope"), 100, 10, 5, None)) == 1


def test_a_preset_keeps_its_look_without_cycle():
    from visualizer.presets import find_preset

    preset = find_preset("kaleidoscope-prism")
    look = Look(*preset.resolve(), preset)
    (segment,) = look_schedule(look, n_frames=600, fps=60, seed=0)
    assert (segment.animation, segment.mapping, segment.parameters) == (
        look.animation, look.mapping, look.parameters)
    cycled = look_schedule(look, n_frames=600, fps=60, seed=0, cycle_s=5)
    assert cycled[0].mapping == look.mapping and len(cycled) == 2


def test_cycle_changes_the_animation_during_a_render(song, renders, gl_context):  # noqa: F811
    from encoder.batch import FeatureSource

    features = FeatureSource().get(song).features
    frames: list[np.ndarray] = []
    result = render_video(gl_context, features, song, Look("kaleidoscope"),
                          renders / "cycle.webm", size=SIZE, fps=FPS, duration_s=SECONDS,
                          cycle_s=1.0, frame_hook=lambda frame: frames.append(frame.copy()))
    assert len(result.animations) == 2 and result.animations[0] == "kaleidoscope"
    assert result.animations[1] != "kaleidoscope"
    assert len(frames) == SECONDS * FPS
    # The cut: the step across it is far larger than the steps just before it.
    cut = difference(frames[FPS - 1], frames[FPS])
    assert cut > 3 * max(difference(frames[i], frames[i + 1]) for i in range(FPS - 4, FPS - 1))


def test_preset_render(cli, song, renders):
    output = renders / "preset.mp4"
    result = cli("render", song, "-o", output, *SMALL, "--preset", "kaleidoscope-calm")
    assert result.exit_code == 0, result.output
    assert abs(len(decode(output)[0]) - SECONDS * FPS) <= 1


# --- bad input and faults --------------------------------------------------------------------

def unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root ignores permissions: use a folder nobody may write
        folder = Path("/sys")
        if not folder.is_dir() or os.access(folder, os.W_OK) and _can_create(folder):
            pytest.skip("no unwritable folder available to this user")
    return folder


def _can_create(folder: Path) -> bool:
    try:
        (folder / ".davis-probe").touch()
    except OSError:
        return False
    (folder / ".davis-probe").unlink()
    return True


@pytest.mark.parametrize("case", ["start past the end", "missing folder", "unwritable folder",
                                  "unknown container", "no extension", "bad preset",
                                  "odd size", "missing song"])
def test_bad_input_fails_cleanly(cli, song, renders, helpers, tmp_path, case):
    output = renders / "out.mp4"
    args = [song, "-o", output, *SMALL]
    expected = ()
    if case == "start past the end":
        args += ["--start", "30"]
        expected = ("--start 30 s is past the end", "3.00 s")
    elif case == "missing folder":
        output = renders / "no such folder" / "out.mp4"
        args[2] = output
        expected = ("no such folder", "does not exist")
    elif case == "unwritable folder":
        output = unwritable_folder(tmp_path) / "out.mp4"
        args[2] = output
        expected = ("cannot write in",)
    elif case == "unknown container":
        output = renders / "out.xyz"
        args[2] = output
        expected = ("out.xyz", "unknown video container '.xyz'", ".mp4, .mkv, .webm, .mov")
    elif case == "no extension":
        output = renders / "out"
        args[2] = output
        expected = ("no file extension",)
    elif case == "bad preset":
        args += ["--preset", "no-such-look"]
        expected = ("no preset named 'no-such-look'",)
    elif case == "odd size":
        args += ["--size", "161x91"]
        expected = ("161x91", "must be even")
    elif case == "missing song":
        args[0] = song.parent / "missing.wav"
        expected = ("missing.wav", "no such file")
    result = cli("render", *args)
    helpers.assert_clean_failure(result, *expected)
    assert not output.exists()
    assert leftovers(renders) == []


@pytest.mark.parametrize("stop, code, says", [("ctrl-c", 130, "interrupted"),
                                               ("sigterm", 143, "terminated")])
def test_a_stopped_render_leaves_nothing_behind(cli, song, renders, helpers, monkeypatch,
                                                stop, code, says):
    """Ctrl-C (KeyboardInterrupt) or SIGTERM mid-render: one line, no output, no temp file."""
    import signal

    from visualizer.renderer import Renderer

    original = Renderer.render
    calls = []

    def stopped(self, time_s):
        calls.append(time_s)
        if len(calls) == 10:
            if stop == "ctrl-c":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGTERM)
        original(self, time_s)

    monkeypatch.setattr(Renderer, "render", stopped)
    handler = signal.getsignal(signal.SIGTERM)
    output = renders / "stopped.mp4"
    result = cli("render", song, "-o", output, *SMALL)
    assert result.exit_code == code, result.output
    assert len(helpers.error_lines(result.stderr)) == 1
    assert says in result.stderr
    assert leftovers(renders) == []
    assert signal.getsignal(signal.SIGTERM) is handler  # put back


def test_a_failing_render_leaves_nothing_behind(song, renders, gl_context, monkeypatch):  # noqa: F811
    from encoder.batch import FeatureSource
    from visualizer.renderer import Renderer

    features = FeatureSource().get(song).features
    original = Renderer.render

    def broken(self, time_s):
        if time_s >= 1.0:
            raise RuntimeError("shader exploded")
        original(self, time_s)

    monkeypatch.setattr(Renderer, "render", broken)
    with pytest.raises(RuntimeError, match="shader exploded"):
        render_video(gl_context, features, song, Look("kaleidoscope"), renders / "x.mov",
                     size=SIZE, fps=FPS, duration_s=SECONDS)
    assert leftovers(renders) == []


def test_a_full_disk_fails_cleanly(cli, song, renders, helpers, monkeypatch):
    """An error in the encoder thread (here: ENOSPC while muxing audio) stops the render with
    one line and removes the partial file."""
    from visualizer.video import VideoFile

    def full(self, frames):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(VideoFile, "mux_audio", full)
    result = cli("render", song, "-o", renders / "full.mp4", *SMALL)
    helpers.assert_clean_failure(result, "full.mp4", "No space left on device")
    assert leftovers(renders) == []


def test_replaces_an_existing_file_only_when_done(cli, song, renders):
    output = renders / "old.mp4"
    output.write_bytes(b"previous video")
    result = cli("render", song, "-o", output, *SMALL)
    assert result.exit_code == 0, result.output
    assert output.read_bytes() != b"previous video"
    assert leftovers(renders, keep=output.name) == []


def test_needs_no_display_and_no_pygame(song, tmp_path):
    """A fresh process without DISPLAY renders through EGL and never imports pygame."""
    output = tmp_path / "headless.webm"
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from visualizer.cli import app\n"
        f"args = ['render', {str(song)!r}, '-o', {str(output)!r}, '--size', '64x36',\n"
        "        '--fps', '10', '--duration', '1']\n"
        "result = CliRunner().invoke(app, args)\n"
        "print(result.exit_code, 'pygame' in sys.modules)\n"
        "print(result.output, file=sys.stderr)\n"
    )
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False"], result.stderr
    assert output.is_file()
