"""The player window, driven like a user would: a real window on Xvfb, real key presses.

Each test plays through a `Session` on the pygame window (what `davis play` does) with
generated audio and synthetic features, presses keys with xdotool (XTEST events, as from a
keyboard) and checks what a user would see: pixels, the snapshot the HUD is drawn from,
saved presets, the song clock.

The module runs in a pytest process of its own (`tests/own_process.py`): with Mesa, a
process that has used EGL (every other GL test) cannot make a GLX context current.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import ExitStack

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS, Features
from tests.servers import xvfb

pytestmark = [
    pytest.mark.own_process,
    pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
                       reason="needs Xvfb and xdotool (apt-get install xvfb xdotool)"),
]

SIZE = (480, 270)


@pytest.fixture(scope="module")
def display():
    """A private X server for this module's windows."""
    with xvfb() as name, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPLAY", name)
        patch.setenv("SDL_AUDIODRIVER", "dummy")
        yield name


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("DAVIS_DATA_DIR", str(tmp_path / "user-data"))
    return tmp_path / "user-data"


@pytest.fixture(scope="module")
def song(tmp_path_factory, helpers):
    """A 30 s song on disk (the mixer plays it) and lively synthetic features for it."""
    path = tmp_path_factory.mktemp("window-songs") / "song.wav"
    helpers.write_audio(path, helpers.chord(30.0, 22050), 22050)
    frames = 30 * 60
    t = np.arange(frames)[:, None] / 60.0
    phases = np.arange(10)[None, :]
    values = (0.5 + 0.5 * np.sin(2 * np.pi * t * (0.3 + 0.1 * phases) + phases)).astype(np.float32)
    return {path: Features({level: values for level in BLUR_LEVELS}, title="Test Song")}


@pytest.fixture
def play(display):
    """`play(songs, seed=1)`: a started `Session` in a 480x270 window at 60 fps showing the
    kaleidoscope; closed (window, audio, renderer) after the test."""
    from visualizer.session import Look, PlayOptions, Session
    from visualizer.window import WindowOptions, open_window

    with ExitStack() as sessions:
        def start(songs: dict, seed: int = 1) -> Session:
            window = open_window(WindowOptions(windowed=True, size=SIZE), fps_limit=60)
            return sessions.enter_context(
                Session(window, songs, Look("kaleidoscope"), PlayOptions(seed=seed)))

        yield start


@pytest.fixture
def session(play, song):
    """A session playing `song`."""
    return play(song)


def press(display: str, *keys: str) -> None:
    subprocess.run(["xdotool", "key", "--delay", "30", *keys], check=True,
                   env={**os.environ, "DISPLAY": display})


def pump_until(session, condition, timeout_s: float = 5.0) -> bool:
    """Run frames until `condition()` holds (True) or the time runs out (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        session.step()
        if condition():
            return True
    return False


def frame_pixels(session) -> np.ndarray:
    """What the window shows (picture and overlays), as int16 for differences."""
    return session.frontend.screenshot().astype(np.int16)


def shown(session):
    """What the player shows now (`Player.now()`: what the HUD and the help are drawn from)."""
    return session.player.now()


def mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def test_window_shows_the_animation(session):
    for _ in range(10):
        session.step()
    pixels = frame_pixels(session)
    assert pixels.shape == (SIZE[1], SIZE[0], 3)
    assert pixels.mean() > 10, "the window stayed black"
    assert pixels.std() > 10, "the window shows a flat colour, not an animation"


def test_pictures_follow_the_music(session):
    session.step()
    first = frame_pixels(session)
    pump_until(session, lambda: shown(session).time_s > 1.5)
    assert mean_difference(first, frame_pixels(session)) > 2


def test_r_reshuffles_the_mapping(display, session):
    session.step()
    before = shown(session).rows
    press(display, "r")
    assert pump_until(session, lambda: [r.feature for r in shown(session).rows]
                      != [r.feature for r in before])
    assert any("reshuffled" in m.text for m in shown(session).messages)


def test_n_changes_the_animation(display, session):
    from visualizer.animations import animation_names

    session.step()
    press(display, "n")
    assert pump_until(session, lambda: any(m.text.startswith("Animation:")
                                           for m in shown(session).messages))
    if len(animation_names()) > 1:
        assert shown(session).animation != "kaleidoscope"


def test_l_locks_the_mapping_across_animation_changes(display, session):
    session.step()
    press(display, "l")
    assert pump_until(session, lambda: shown(session).locked)
    locked = session.renderer.mapping
    press(display, "n")
    assert pump_until(session, lambda: shown(session).animation != "kaleidoscope")
    assert session.renderer.mapping == locked


def test_s_saves_a_preset_that_loads_back_identical(display, session, user_data):
    from visualizer.presets import list_presets

    def assignment():
        return {row.parameter: row.feature for row in shown(session).rows}

    session.step()
    saved = assignment()
    press(display, "s")
    presets_folder = user_data / "presets"
    assert pump_until(session, lambda: presets_folder.is_dir() and any(presets_folder.glob("*.json")))
    number = next(i for i, p in enumerate(list_presets(), 1) if not p.shipped)
    press(display, "r")
    assert pump_until(session, lambda: assignment() != saved)
    press(display, str(number))
    assert pump_until(session, lambda: assignment() == saved)
    assert shown(session).locked and shown(session).animation == "kaleidoscope"
    assert len(list(presets_folder.glob("*.json"))) == 1


def test_seek_moves_the_clock(display, session):
    session.step()
    before = shown(session).time_s
    press(display, "Right")
    assert pump_until(session, lambda: shown(session).time_s > before + 4.0)
    press(display, "Left")
    assert pump_until(session, lambda: shown(session).time_s < before + 3.0)


def test_space_pauses_the_clock_and_the_picture(display, session):
    pump_until(session, lambda: shown(session).time_s > 0.3)
    press(display, "space")
    assert pump_until(session, lambda: shown(session).paused)
    pump_until(session, lambda: False, timeout_s=0.2)
    held = shown(session).time_s
    first = frame_pixels(session)
    pump_until(session, lambda: False, timeout_s=0.6)
    assert shown(session).time_s == pytest.approx(held, abs=0.03)
    assert mean_difference(frame_pixels(session), first) < 0.5
    press(display, "space")
    assert pump_until(session, lambda: shown(session).time_s > held + 0.3)


def test_bad_preset_shows_a_message_instead_of_crashing(display, session, user_data):
    folder = user_data / "presets"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"animation": "kaleidoscope", "mapping": {"colour": 3}}')
    from visualizer.presets import list_presets

    number = next(i for i, p in enumerate(list_presets(), 1) if p.name == "broken")
    pump_until(session, lambda: False, timeout_s=0.3)
    clean = frame_pixels(session)
    press(display, str(number))

    def errors():
        return [m for m in shown(session).messages if m.kind == "error"]

    assert pump_until(session, errors)
    assert "unknown parameter" in errors()[0].text and "colour" in errors()[0].text
    assert session.step(), "the session goes on"
    bottom = slice(SIZE[1] * 2 // 3, SIZE[1])
    assert mean_difference(frame_pixels(session)[bottom], clean[bottom]) > 1


def test_hud_and_help_are_drawn(display, session):
    press(display, "space")  # a still picture: what changes is the text over it
    assert pump_until(session, lambda: shown(session).paused)
    pump_until(session, lambda: False, timeout_s=0.2)
    clean = frame_pixels(session)
    press(display, "d")
    assert pump_until(session, lambda: shown(session).hud)
    with_hud = frame_pixels(session)
    snapshot = shown(session)
    assert snapshot.animation == "kaleidoscope" and len(snapshot.features) == 10
    parameters = session.renderer.parameters
    assert [(row.parameter, row.source) for row in snapshot.rows] == [
        (p.name, p.source) for p in parameters]
    corner = (slice(0, SIZE[1] // 3), slice(0, SIZE[0] // 4))
    assert mean_difference(with_hud[corner], clean[corner]) > 5, "no HUD in the corner"
    press(display, "h")
    assert pump_until(session, lambda: shown(session).help)
    middle = (slice(SIZE[1] * 2 // 5, SIZE[1] * 3 // 5), slice(SIZE[0] * 2 // 5, SIZE[0] * 3 // 5))
    assert mean_difference(frame_pixels(session)[middle], with_hud[middle]) > 5, "no help"


def test_q_quits(display, session):
    assert session.step()
    press(display, "q")
    assert pump_until(session, lambda: not session.running)
    assert not session.step()


def test_songs_advance_and_the_playlist_ends(play, tmp_path, helpers):
    songs = {}
    for index in range(2):
        path = helpers.write_audio(tmp_path / f"s{index}.wav", helpers.chord(1.0, 22050), 22050)
        songs[path] = Features({level: np.full((60, 10), 0.5, np.float32) for level in BLUR_LEVELS},
                               title=f"song {index}")
    session = play(songs, seed=0)
    titles = set()
    while session.step():
        titles.add(shown(session).title)
    assert titles == {"song 0", "song 1"}


def test_switching_animations_1000_times_does_not_leak(session):
    """GL objects are released on each switch: the process memory stays flat.

    (Mesa never reuses GL names, so counting names would not show leaks; each kaleidoscope
    holds several MiB of textures, so 1000 leaked ones would show in memory at once.)
    """
    renderer, ctx = session.renderer, session.frontend.ctx

    def switch(times: int) -> None:
        for _ in range(times):
            old = renderer.animation
            renderer.set_animation("kaleidoscope")
            renderer.render(1.0)
            assert old.live_objects == 0
        ctx.finish()

    switch(100)
    rss_before = _rss_bytes()
    switch(1000)
    growth = _rss_bytes() - rss_before
    assert ctx.error == "GL_NO_ERROR"
    print(f"RSS growth over 1000 switches: {growth / 2**20:.1f} MiB")
    assert growth < 30 * 2**20, f"process memory grew by {growth / 2**20:.1f} MiB over 1000 switches"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_f_toggles_fullscreen_and_keeps_playing(display, session):
    pump_until(session, lambda: shown(session).time_s > 0.2)
    mapping, time_before = session.renderer.mapping, shown(session).time_s
    press(display, "f")
    assert pump_until(session, lambda: any(m.text == "Fullscreen" for m in shown(session).messages))
    assert session.frontend.fullscreen
    pump_until(session, lambda: False, timeout_s=0.3)
    assert session.renderer.mapping == mapping
    assert shown(session).time_s > time_before
    pixels = frame_pixels(session)
    assert pixels.shape == (720, 1280, 3), "the picture fills the screen"
    assert pixels.mean() > 2 and pixels.std() > 5, "the fullscreen picture is blank"


# --- the command itself, in a subprocess -------------------------------------------------------

def run_play(display, *args, env=None, timeout=120):
    import sys

    command = [sys.executable, "-m", "visualizer", "play", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "DISPLAY": display, **(env or {})})


def test_play_command_renders_and_saves_a_screenshot(display, tmp_path, tiny_model, helpers):
    song_path = helpers.write_audio(tmp_path / "tune.wav", helpers.sine_sweep(4.0, 22050), 22050)
    shot = tmp_path / "shot.png"
    result = run_play(display, song_path, "--model", tiny_model, "--windowed", "--size", "320x180",
                      "--duration", "1", "--screenshot", shot, "--seed", "3")
    assert result.returncode == 0, result.stderr
    import pygame

    pixels = pygame.surfarray.array3d(pygame.image.load(str(shot)))
    assert pixels.shape[:2] == (320, 180) and pixels.mean() > 5
    assert "Traceback" not in result.stderr


def test_play_a_new_folder_starts_after_one_song_and_prepares_the_rest_while_playing(
        display, tmp_path, tiny_model, helpers, fresh_cache):
    folder = tmp_path / "album"
    folder.mkdir()
    helpers.write_audio(folder / "1 first.wav", helpers.chord(1.0, 22050), 22050)
    (folder / "2 broken.mp3").write_bytes(b"ID3 this is not audio at all" * 20)
    helpers.write_audio(folder / "3 last.wav", helpers.sine_sweep(1.0, 22050), 22050)
    result = run_play(display, folder, "--model", tiny_model, "--windowed", "--size", "160x90",
                      "--duration", "4", env={"SDL_AUDIODRIVER": "no-such-driver"})
    assert result.returncode == 0, result.stderr
    assert "2 more songs will be prepared while playing" in result.stderr
    assert "2 broken.mp3: cannot decode" in result.stderr and "skipped it" in result.stderr
    assert len(list((fresh_cache / "features").glob("*.npz"))) == 2  # both good songs cached
    assert "Traceback" not in result.stderr


def test_play_without_audio_device_plays_silently_with_a_warning(display, tmp_path, tiny_model, helpers):
    song_path = helpers.write_audio(tmp_path / "tune.wav", helpers.chord(3.0, 22050), 22050)
    result = run_play(display, song_path, "--model", tiny_model, "--windowed", "--size", "160x90",
                      "--duration", "0.5", env={"SDL_AUDIODRIVER": "no-such-driver"})
    assert result.returncode == 0, result.stderr
    assert "no audio device" in result.stderr and "silently" in result.stderr


def test_play_without_display_exits_2_with_advice(cli, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = cli("play", "--windowed")
    assert result.exit_code == 2
    assert "no display" in result.stderr and "davis render" in result.stderr


@pytest.mark.parametrize("text, message", [
    ("{oops", "not valid JSON"),
    ('{"animation": "fireworks", "mapping": {}}', "unknown animation"),
    ('{"animation": "kaleidoscope", "mapping": {"sides": 42}}', "feature numbers"),
])
def test_play_with_a_bad_preset_exits_2_before_opening_a_window(display, tmp_path, cli, text, message):
    preset = tmp_path / "bad.json"
    preset.write_text(text)
    result = cli("play", "--windowed", "--preset", preset)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_presets_commands_list_show_and_remove(cli, user_data):
    from visualizer.presets import save_new_preset

    saved = save_new_preset("kaleidoscope", {"sides": 3, "amount": 4})
    listing = cli("presets", "list")
    assert listing.exit_code == 0
    assert "kaleidoscope-calm" in listing.stdout and saved.name in listing.stdout and "user" in listing.stdout
    shown = cli("presets", "show", saved.name)
    assert shown.exit_code == 0 and "sides" in shown.stdout and "f3" in shown.stdout
    refused = cli("presets", "rm", "kaleidoscope-calm")
    assert refused.exit_code == 2 and "shipped" in refused.stderr
    removed = cli("presets", "rm", saved.name)
    assert removed.exit_code == 0 and not saved.path.exists()
    missing = cli("presets", "show", "nothing-here")
    assert missing.exit_code == 2 and "no preset named" in missing.stderr


def test_v_and_g_mark_a_favourite_that_a_new_process_plays(display, session, user_data, cli,
                                                           tmp_path, tiny_model, helpers):
    from visualizer.presets import favourite_presets

    session.step()
    press(display, "v")
    assert pump_until(session, lambda: len(favourite_presets()) == 1)
    (favourite,) = favourite_presets()
    assert favourite.rating == 3 and shown(session).preset == favourite.name
    assert any(m.text.startswith("Favourite ★★★☆☆") for m in shown(session).messages)
    press(display, "g", "g")
    assert pump_until(session, lambda: favourite_presets()[0].rating == 5)
    press(display, "c")
    assert pump_until(session, lambda: session.player.autopilot.enabled)
    assert any(m.text.startswith("Autopilot on") for m in shown(session).messages)
    session.close()

    # a new process: the list shows it, and --favourites starts with exactly that look
    listing = cli("presets", "list")
    assert "★★★★★" in next(r for r in listing.stdout.splitlines() if favourite.name in r)
    song_path = helpers.write_audio(tmp_path / "tune.wav", helpers.sine_sweep(2.0, 22050), 22050)
    videos = {}
    for name, args in {"favourites": ["--favourites"], "preset": ["--preset", favourite.name]}.items():
        videos[name] = tmp_path / f"{name}.mp4"
        result = cli("render", song_path, "-o", videos[name], "--model", tiny_model,
                     "--size", "64x36", "--fps", "10", "--seed", "2", *args)
        assert result.exit_code == 0, result.output
    assert videos["favourites"].read_bytes() == videos["preset"].read_bytes()
