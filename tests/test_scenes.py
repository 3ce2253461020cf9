"""User scenes on a headless EGL context: a Shadertoy shader written here runs unmodified,
its audio texture is the song's spectrum and waveform, declared parameters follow their
mapped features, a broken edit names its line and leaves the last good version running,
an edit is picked up within a second, and reloading leaks nothing."""

from __future__ import annotations

import ctypes
import time
from pathlib import Path

import numpy as np
import pytest

from encoder.features import N_FEATURES
from tests.conftest_gl import constant_features, gl_context, park_framebuffer, released  # noqa: F401
from visualizer.animations import animation_class, animation_names
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer
from visualizer.scenes import SceneError
from visualizer.scenes.audio_texture import FFT_SIZE
from visualizer.scenes.inputs import SCENE_SAMPLE_RATE
from visualizer.scenes.watch import SceneWatch

SIZE = (64, 36)
IDENTITY = Mapping(tuple(range(N_FEATURES)))

SHADERTOY = """\
// the shape of a shader copied from Shadertoy: mainImage, iTime, iResolution
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    vec3 col = 0.5 + 0.5 * cos(iTime + uv.xyx + vec3(0, 2, 4));
    fragColor = vec4(col, 1.0);
}
"""


@pytest.fixture
def scenes(tmp_path, monkeypatch) -> Path:
    """An empty user scenes folder of this test's own."""
    monkeypatch.setenv("DAVIS_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "scenes"
    folder.mkdir(parents=True)
    return folder


def write_scene(folder: Path, name: str, glsl: str, toml: str | None = None) -> Path:
    scene = folder / name
    scene.mkdir(exist_ok=True)
    (scene / "scene.glsl").write_text(glsl)
    if toml is not None:
        (scene / "scene.toml").write_text(toml)
    return scene


def save(path: Path, text: str) -> None:
    """Rewrite a file so that its change is seen even within one mtime tick."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    if path.stat().st_mtime_ns == before:
        import os

        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


class Tone:
    """A pure tone as the samples behind the audio texture."""

    def __init__(self, frequency: float, amplitude: float = 0.5) -> None:
        self.frequency = frequency
        self.amplitude = amplitude

    def ending_at(self, time_s: float, count: int) -> np.ndarray:
        end = int(round(time_s * SCENE_SAMPLE_RATE))
        n = np.arange(end - count, end)
        return (self.amplitude * np.sin(2 * np.pi * self.frequency * n / SCENE_SAMPLE_RATE)).astype(np.float32)


def test_a_shadertoy_shader_runs_unmodified_and_moves_with_itime(scenes, gl_context, released):  # noqa: F811
    (scenes / "plasma.glsl").write_text(SHADERTOY)
    assert "plasma" in animation_names()
    renderer = released(Renderer(gl_context, SIZE, "plasma", IDENTITY))
    renderer.render(0.0)
    first = renderer.read_rgb().astype(int)
    renderer.render(1.5)
    later = renderer.read_rgb().astype(int)
    assert first.mean() > 40 and first.max() > 150  # not black
    assert np.abs(first - later).mean() > 20  # iTime moved it
    renderer.render(1.5)
    assert np.array_equal(renderer.read_rgb(), later.astype(np.uint8))  # same time, same frame


def test_the_audio_texture_rows_are_the_spectrum_and_waveform_of_the_samples(
        scenes, gl_context, released):  # noqa: F811
    # a scene that shows the texture itself: one pixel per texel
    write_scene(scenes, "scope", """
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = vec4(texelFetch(iChannel0, ivec2(fragCoord), 0).x);
}
""")
    peak_bin = 46
    # quiet enough that the peak stays below WebAudio's -30 dB ceiling (no flat top)
    tone = Tone(peak_bin * SCENE_SAMPLE_RATE / FFT_SIZE, amplitude=0.03)
    renderer = released(Renderer(gl_context, (512, 2), "scope", IDENTITY))
    renderer.set_features(constant_features(), samples=tone)
    time_s = 2.0
    renderer.render(time_s)
    picture = renderer.read_rgb()[:, :, 0].astype(int)
    spectrum, waveform = picture[1], picture[0]  # read_rgb puts the top row (texture row 1) first
    # numpy's view of the same samples: WebAudio's Blackman window, |FFT| / N in dB, bytes
    samples = tone.ending_at(time_s, FFT_SIZE).astype(np.float64)
    n = np.arange(FFT_SIZE)
    window = 0.42 - 0.5 * np.cos(2 * np.pi * n / FFT_SIZE) + 0.08 * np.cos(4 * np.pi * n / FFT_SIZE)
    magnitude = np.abs(np.fft.rfft(samples * window))[:512] / FFT_SIZE
    expected = np.clip(np.floor(255 / 70 * (20 * np.log10(np.maximum(magnitude, 1e-12)) + 100)),
                       0, 255)
    assert np.argmax(spectrum) == peak_bin and 150 < spectrum[peak_bin] < 255
    assert np.mean(np.abs(spectrum - expected) <= 2) > 0.98, np.abs(spectrum - expected).max()
    expected_wave = np.clip(np.floor(128 * (1 + tone.ending_at(time_s, 512))), 0, 255)
    assert np.abs(waveform - expected_wave).max() <= 1


def test_a_declared_parameter_follows_its_mapped_feature(scenes, gl_context, released):  # noqa: F811
    write_scene(scenes, "level", """
void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    fragColor = vec4(vec3(brightness), 1.0);
}
""", """
name = "Level"
[[parameter]]
name = "brightness"
avg = 0.5
min = 0.0
max = 1.0
description = "Grey level."
""")
    brightness = []
    for mapping, value in ((Mapping((3, *range(3), *range(4, 10))), 0.1),
                           (Mapping((3, *range(3), *range(4, 10))), 0.9),
                           (Mapping((5, *range(5), *range(6, 10))), 0.9)):
        renderer = released(Renderer(gl_context, SIZE, "level", mapping))
        renderer.set_features(constant_features({3: value}, base=0.5))
        renderer.render(0.0)
        brightness.append(renderer.read_rgb().mean())
    assert brightness[0] == pytest.approx(0.1 * 255, abs=2)  # feature 3 drives it
    assert brightness[1] == pytest.approx(0.9 * 255, abs=2)
    assert brightness[2] == pytest.approx(0.5 * 255, abs=2)  # mapped elsewhere: feature 5 is 0.5


def test_a_scene_can_include_davis_shared_colour_helper(scenes, gl_context, released):  # noqa: F811
    # an include in a comment stays a comment, whatever it names
    write_scene(scenes, "red", '// see #include "common/blit.glsl" in davis\n'
                '/*\n#include "common/nothing.glsl"\n*/\n#include "common/color.glsl"\n'
                'void mainImage(out vec4 c, in vec2 p) { c = vec4(hsv(0.0, 1.0, 0.8), 1.0); }\n')
    renderer = released(Renderer(gl_context, SIZE, "red", IDENTITY))
    renderer.render(0.0)
    pixels = renderer.read_rgb().reshape(-1, 3).mean(axis=0)
    assert pixels == pytest.approx([0.8 * 255, 0, 0], abs=2)


@pytest.mark.parametrize("glsl, line, words", [
    ("void mainImage(out vec4 c, in vec2 p) {\n    c = vec4(1.0);\n    c.x = nope;\n}\n", 3,
     "nope"),
    ("uniform float wobble;\nvoid mainImage(out vec4 c, in vec2 p) { c = vec4(wobble); }\n", 1,
     "not an input davis gives"),
    ("void mainImage(out vec4 c, in vec2 p) {\n    c = texture(iChannel1, p);\n}\n", 2,
     "only iChannel0"),
    # lines after an #include still count in the scene's own file
    ('#include "common/color.glsl"\nvoid mainImage(out vec4 c, in vec2 p) {\n'
     '    c = vec4(hsv(0.0, 1.0, 1.0), 1.0);\n    c.x = nope;\n}\n', 4, "nope"),
    ('// a whole program is not a library\n#include "common/blit.glsl"\n' + SHADERTOY, 2,
     "may include davis's shared GLSL (common/color.glsl)"),
])
def test_a_broken_scene_names_its_file_and_line(scenes, gl_context, glsl, line, words):  # noqa: F811
    scene = write_scene(scenes, "broken", glsl)
    with pytest.raises(SceneError) as caught:
        Renderer(gl_context, SIZE, "broken", IDENTITY)
    park_framebuffer(gl_context)
    assert f"{scene / 'scene.glsl'}:{line}" in str(caught.value)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_scene_toml_is_one_clear_error(scenes):
    write_scene(scenes, "badcard", SHADERTOY, '[[parameter]]\nname = "iTime"\navg = 1\nmin = 0\nmax = 2\n')
    with pytest.raises(SceneError, match="reserved"):
        animation_class("badcard")


class Messages:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []
        self.printed: list[str] = []

    def notify(self, text: str, kind: str = "info", seconds: float = 0.0) -> str:
        self.shown.append((kind, text))
        return text

    def clear(self) -> None:
        self.shown = [(kind, text) for kind, text in self.shown if kind != "error"]


def test_an_edit_reloads_within_a_second_and_a_broken_one_keeps_the_last_good(
        scenes, gl_context, released):  # noqa: F811
    red = "void mainImage(out vec4 c, in vec2 p) { c = vec4(1.0, 0.0, 0.0, 1.0); }\n"
    green = "void mainImage(out vec4 c, in vec2 p) { c = vec4(0.0, 1.0, 0.0, 1.0); }\n"
    broken = "void mainImage(out vec4 c, in vec2 p) {\n    c = vec4(0.0, 0.0, 1.0, 1.0)\n}\n"
    shader = write_scene(scenes, "live-edit", red) / "scene.glsl"
    messages = Messages()
    watch = SceneWatch(messages.notify, messages.clear, messages.printed.append)
    renderer = released(Renderer(gl_context, SIZE, "live-edit", IDENTITY))

    def play_until(colour: int, limit_s: float) -> float:
        """Frames every 10 ms until the picture is mostly `colour` (0 red, 1 green)."""
        started = time.monotonic()
        while time.monotonic() - started < limit_s:
            watch.check(renderer)
            renderer.render(time.monotonic() - started)
            if renderer.read_rgb()[..., colour].mean() > 200:
                return time.monotonic() - started
            time.sleep(0.01)
        return float("inf")

    assert play_until(0, 0.5) < 0.1
    save(shader, broken)
    assert play_until(1, 0.6) == float("inf")  # still red: the last good version runs
    errors = [text for kind, text in messages.shown if kind == "error"]
    assert len(errors) == 1 and f"{shader}:3" in errors[0], errors  # the missing ; shows on 3
    assert messages.printed == errors  # printed once, not every poll
    save(shader, green)
    assert play_until(1, 2.0) < 1.0  # the fix is picked up within a second
    assert not [text for kind, text in messages.shown if kind == "error"]  # and the error goes


def test_200_reloads_leak_no_gl_objects(scenes, gl_context, released):  # noqa: F811
    from tests.test_animations import resident_bytes

    glsl = SHADERTOY.replace("iTime", "iTime * speed").replace(
        "vec4(col, 1.0)", "vec4(col + texture(iChannel0, uv).x, 1.0)")  # the audio texture too
    shader = write_scene(scenes, "again", glsl, """
[[parameter]]
name = "speed"
avg = 1.0
min = 0.5
max = 2.0
""") / "scene.glsl"
    renderer = released(Renderer(gl_context, SIZE, "again", IDENTITY))
    renderer.set_features(constant_features(), samples=Tone(440.0))
    renderer.render(0.0)
    owned = renderer.animation.live_objects
    programs, textures, memory = [], [], []

    def reload(index: int) -> None:
        old = renderer.animation
        programs.append(old.program.glo)
        textures.append(old._audio.glo)
        renderer.reload_animation()
        renderer.render(index / 60)
        assert old.live_objects == 0
        if index % 10 == 9:  # as a shown frame would (llvmpipe frees retired work at a flush)
            gl_context.finish()

    for index in range(60):  # the driver's caches fill up over the first reloads
        reload(index)
    gl_context.finish()
    memory.append(resident_bytes())
    for index in range(200):
        reload(index)
    gl_context.finish()
    memory.append(resident_bytes())
    assert renderer.animation.live_objects == owned
    # the driver itself says every replaced program and audio texture is gone
    gl = ctypes.CDLL("libOpenGL.so.0")
    gl.glIsProgram.restype = gl.glIsTexture.restype = ctypes.c_ubyte
    assert [name for name in programs if gl.glIsProgram(name)] == []
    assert [name for name in textures if gl.glIsTexture(name)] == []
    assert gl.glIsProgram(renderer.animation.program.glo)  # the check can see a live one
    assert memory[1] - memory[0] < 4 * 2**20
    assert shader.read_text().startswith("//")


def test_shipped_scenes_are_animations_driven_by_the_features():
    from visualizer.scenes.catalogue import scene_paths

    shipped = [name for name, (_, is_shipped) in scene_paths().items() if is_shipped]
    assert len(shipped) >= 3, shipped
    for name in shipped:
        cls = animation_class(name)
        assert cls.description() and 8 <= len(cls.parameters()) <= N_FEATURES
        assert sum(p.pulse > 0 for p in cls.parameters()) >= 3, name  # they answer events
        assert name in animation_names()


# --- the commands ------------------------------------------------------------------------------

def test_scenes_new_writes_a_scene_that_checks_plays_and_renders_the_same_twice(
        cli, songs, scenes, tmp_path):
    result = cli("scenes", "new", "first-light")
    assert result.exit_code == 0, result.output
    folder = scenes / "first-light"
    assert {p.name for p in folder.iterdir()} == {"scene.glsl", "scene.toml"}
    assert "mainImage" in (folder / "scene.glsl").read_text()
    again = cli("scenes", "new", "first-light")  # never overwrites what a user wrote
    assert again.exit_code == 2 and "already exists" in again.output

    result = cli("scenes", "check", folder)
    assert result.exit_code == 0, result.output
    assert "first-light" in result.output and "reads the audio texture" in result.output
    listing = cli("animations")
    assert "first-light" in listing.output and "your scene" in listing.output

    song = songs.sweep("sweep.wav", seconds=1.5)
    videos = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    for video in videos:
        result = cli("render", song, "-o", video, "--animation", "first-light", "--size", "64x36",
                     "--fps", "20", "--seed", "4")
        assert result.exit_code == 0, result.output
    # the audio texture follows song time, not the wall clock: frame-exact, the same bytes
    assert videos[0].read_bytes() == videos[1].read_bytes()


def test_a_scene_made_elsewhere_says_where_it_must_go_to_play(cli, scenes, tmp_path):
    result = cli("scenes", "new", "glow", "--folder", tmp_path / "drafts")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "drafts" / "glow" / "scene.glsl").is_file()
    text = " ".join(result.output.split())
    assert f"move it into {scenes}" in text and "davis play --animation glow" in text
    here = cli("scenes", "new", "dusk")  # in the user scenes folder: it plays as it is
    assert "move it" not in here.output and "davis play --animation dusk" in here.output


def test_scenes_check_reports_the_line_of_a_mistake(cli, scenes):
    scene = write_scene(scenes, "typo", "void mainImage(out vec4 c, in vec2 p) {\n"
                                        "    c = vec4(1.0) * undefined_gain;\n}\n")
    result = cli("scenes", "check", "typo")
    assert result.exit_code == 2
    assert f"{scene / 'scene.glsl'}:2" in result.output and "undefined_gain" in result.output
    missing = cli("scenes", "check", scenes / "nothing-here")
    assert missing.exit_code == 2 and "no such scene" in missing.output
    bad_name = cli("scenes", "new", "Bad Name")
    assert bad_name.exit_code == 2 and "lowercase" in bad_name.output


def test_playing_a_broken_scene_is_one_clear_error(cli, songs, scenes, tmp_path):
    write_scene(scenes, "typo", "void mainImage(out vec4 c, in vec2 p) { c = nope; }\n")
    song = songs.sweep("sweep.wav", seconds=1.0)
    result = cli("render", song, "-o", tmp_path / "x.mp4", "--animation", "typo",
                 "--size", "64x36", "--fps", "10")
    assert result.exit_code == 2
    assert "scene typo failed to compile" in result.output and "scene.glsl:1" in result.output
    assert not (tmp_path / "x.mp4").exists()


# --- in the player -----------------------------------------------------------------------------

def test_in_the_player_a_broken_scene_is_skipped_with_its_error_and_the_next_one_plays(
        scenes, gl_context, monkeypatch):  # noqa: F811
    from tests.test_autopilot import CountingFrontEnd
    from visualizer.looks import Look
    from visualizer.session import PlayOptions, Session

    class PressOnce(CountingFrontEnd):
        def poll(self, timeout_s):
            if len(self.snapshots) >= self.frames:
                return ["quit"]
            if len(self.snapshots) >= 1 and self.keys:
                return [self.keys.pop()]
            return []

    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    write_scene(scenes, "a-typo", "void mainImage(out vec4 c, in vec2 p) { c = nope; }\n")
    write_scene(scenes, "b-good", SHADERTOY)
    printed: list[str] = []
    frontend = PressOnce(gl_context, frames=10, keys=["next animation"])
    songs = {Path("song.wav"): constant_features(frames=600)}
    options = PlayOptions(seed=1, report=printed.append)
    names = animation_names()
    broken = names.index("a-typo")
    with Session(frontend, songs, Look(names[broken - 1]), options) as session:
        session.run()  # N: to a-typo, which cannot be shown, so on to the one after it
    shown = [(s.animation, [m.text for m in s.messages]) for s in frontend.snapshots]
    assert frontend.snapshots[-1].animation == names[broken + 1], (names, shown)
    errors = {m.text for s in frontend.snapshots for m in s.messages if m.kind == "error"}
    assert len(errors) == 1 and "scene a-typo failed to compile" in errors.pop()
    scene_lines = [line for line in printed if "scene" in line]
    assert len(scene_lines) == 1 and "scene.glsl:1" in scene_lines[0]
    assert len(printed) == 2 and "silent" in printed[0]  # constant features: a still song


def test_a_scene_far_slower_than_the_frame_budget_is_reported_on_screen(
        scenes, gl_context, released):  # noqa: F811
    write_scene(scenes, "heavy", SHADERTOY)
    clock = iter(np.arange(0.0, 100.0, 0.1))  # every frame takes 100 ms: six 60 fps budgets
    messages = Messages()
    watch = SceneWatch(messages.notify, messages.clear, timer=lambda: float(next(clock)))
    renderer = released(Renderer(gl_context, SIZE, "heavy", IDENTITY))
    for _ in range(40):
        watch.check(renderer)
    warnings = [text for kind, text in messages.shown if "slow" in text]
    assert warnings == ["Scene heavy is slow: 100 ms a frame (budget 17 ms); try a smaller window"]
