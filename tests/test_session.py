"""The session loop, whatever the front end: driven here through a front end written for the
test (what a new front end needs), drawing into the process's offscreen context and playing
silently on the wall clock.

What the window and the terminal add on top (real keys, real pixels) is checked in
test_window.py and test_terminal.py; here the loop's own duties are: --duration, quit,
--screenshot, the status line, a front end's own actions, resizing and cleanup.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from encoder.features import BLUR_LEVELS, Features
from tests.conftest_gl import gl_context  # noqa: F401
from visualizer.frontend import ActionFailed, FrontEnd
from visualizer.session import Look, PlayOptions, Session

SIZE = (64, 36)


class ScriptedFrontEnd(FrontEnd):
    """Hands out `script[n]` (a list of actions) before frame n and keeps what it is shown.
    Its own action, "fullscreen", works or fails as `fullscreen_works` says."""

    own_actions = frozenset({"fullscreen"})

    def __init__(self, ctx, script: dict[int, list[str]] | None = None, *,
                 fullscreen_works: bool = True) -> None:
        self.ctx = ctx
        self.fps_limit = 0
        self.script = dict(script or {})
        self.fullscreen_works = fullscreen_works
        self.picture_size = SIZE
        self.snapshots = []
        self.pictures: list[np.ndarray] = []
        self.closed = 0

    def size(self) -> tuple[int, int]:
        return self.picture_size

    def poll(self, timeout_s: float) -> list[str]:
        return self.script.pop(len(self.snapshots), [])

    def present(self, renderer, snapshot) -> None:
        self.snapshots.append(snapshot)
        self.pictures.append(renderer.read_rgb().copy())

    def perform(self, action: str) -> str:
        if not self.fullscreen_works:
            raise ActionFailed("Fullscreen unavailable: no screen")
        return "Fullscreen"

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def silent(monkeypatch):
    """No audio device: the session plays on the wall clock."""
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")


@pytest.fixture
def songs() -> dict[Path, Features]:
    """Two 2 s songs with moving features (never read from disk: the audio is silent)."""
    t = np.arange(120)[:, None] / 60.0
    values = (0.5 + 0.5 * np.sin(2 * np.pi * t * (1 + np.arange(10)[None, :]))).astype(np.float32)
    return {Path(f"song {index}.wav"): Features({level: values for level in BLUR_LEVELS},
                                                 title=f"Song {index}")
            for index in range(2)}


def play(frontend, songs, look=Look("tunnel"), **options) -> Session:
    """Run a session to its end; returns it (closed)."""
    with Session(frontend, songs, look, PlayOptions(seed=1, **options)) as session:
        session.run()
    return session


def test_duration_ends_the_session_and_everything_is_closed(gl_context, silent, songs):
    frontend = ScriptedFrontEnd(gl_context)
    session = play(frontend, songs, duration_s=0.3)
    assert session.audio_problem, "no device: silent, on the wall clock"
    shown = frontend.snapshots
    assert len(shown) > 2 and shown[-1].time_s < 0.6
    assert shown[0].title == "Song 0" and shown[0].animation == "tunnel"
    assert shown[0].duration_s == pytest.approx(2.0)
    assert frontend.closed == 1
    assert not np.array_equal(frontend.pictures[0], frontend.pictures[-1]), "a still picture"


def test_quit_stops_before_the_next_frame_and_the_screenshot_is_the_last_picture(
        gl_context, silent, songs, tmp_path):
    import pygame

    frontend = ScriptedFrontEnd(gl_context, {3: ["quit"]})
    shot = tmp_path / "shot.png"
    play(frontend, songs, screenshot=shot)
    assert len(frontend.snapshots) == 3
    saved = np.transpose(pygame.surfarray.array3d(pygame.image.load(str(shot))), (1, 0, 2))
    np.testing.assert_array_equal(saved, frontend.pictures[-1])


def test_actions_reach_the_player_and_the_snapshot_shows_them(gl_context, silent, songs):
    frontend = ScriptedFrontEnd(gl_context, {1: ["next animation"], 2: ["hud", "lock"],
                                             3: ["next song"], 5: ["quit"]})
    play(frontend, songs)
    first, animated, locked, next_song = frontend.snapshots[:4]
    assert first.animation == "tunnel" and animated.animation != "tunnel"
    assert any(m.text.startswith("Animation:") for m in animated.messages)
    assert locked.hud and locked.locked and not first.hud
    assert next_song.title == "Song 1" and next_song.time_s < 0.2
    assert [row.parameter for row in locked.rows] == [row.parameter for row in next_song.rows]
    assert all(row.source for row in first.rows), "each row says what it reads of its feature"


def test_the_last_song_ending_ends_the_session(gl_context, silent, songs):
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"], 2: ["next song"]})
    play(frontend, songs)
    assert [s.title for s in frontend.snapshots] == ["Song 0", "Song 1"]
    assert frontend.closed == 1


@pytest.mark.parametrize("works, message, kind", [(True, "Fullscreen", "info"),
                                                  (False, "Fullscreen unavailable", "error")])
def test_a_front_ends_own_action_shows_its_message(gl_context, silent, songs, works, message,
                                                   kind):
    frontend = ScriptedFrontEnd(gl_context, {1: ["fullscreen"], 3: ["quit"]},
                                fullscreen_works=works)
    play(frontend, songs)
    shown = frontend.snapshots[1].notices()
    assert [(m.text.startswith(message), m.kind) for m in shown] == [(True, kind)]


def test_the_renderer_follows_the_front_ends_size(gl_context, silent, songs):
    frontend = ScriptedFrontEnd(gl_context, {4: ["quit"]})
    with Session(frontend, songs, Look("tunnel"), PlayOptions(seed=1)) as session:
        assert session.step()
        frontend.picture_size = (40, 30)
        assert session.step()
    assert [p.shape for p in frontend.pictures] == [(36, 64, 3), (30, 40, 3)]


def test_the_status_line_is_kept_on_one_line_and_cleared(gl_context, silent, songs, capsys):
    frontend = ScriptedFrontEnd(gl_context, {3: ["quit"]})
    play(frontend, songs, status_line=True)
    err = capsys.readouterr().err
    assert err.startswith("\r\x1b[2K▶ Song 0  0:00/0:02  tunnel") and "fps" in err
    assert err.endswith("\r\x1b[2K") and "\n" not in err


def test_a_failed_start_closes_the_front_end(gl_context, silent, songs):
    from encoder.errors import DavisError

    frontend = ScriptedFrontEnd(gl_context)
    with pytest.raises(DavisError, match="unknown animation"):
        play(frontend, songs, look=Look("no-such-animation"))
    assert frontend.closed == 1 and frontend.snapshots == []


class WithUnplayable(dict):
    """Songs where one turns out unplayable when the player asks for it (as a song that
    failed while the rest of a folder was prepared in the background)."""

    def __init__(self, songs: dict, bad: Path) -> None:
        super().__init__(songs)
        self.bad = bad

    def __getitem__(self, song: Path) -> Features:
        if song == self.bad:
            from encoder.errors import AudioError

            raise AudioError("cannot decode audio (corrupt)", song)
        return super().__getitem__(song)


def test_an_unplayable_song_is_skipped_with_a_message(gl_context, silent, songs):
    paths = list(songs)
    mixed = WithUnplayable({paths[0]: songs[paths[0]], Path("broken.mp3"): songs[paths[0]],
                            paths[1]: songs[paths[1]]}, Path("broken.mp3"))
    reported = []
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"], 3: ["next song"]})
    play(frontend, mixed, report=reported.append)
    titles = [snapshot.title for snapshot in frontend.snapshots]
    assert titles[0] == "Song 0" and titles[1:] == ["Song 1"] * (len(titles) - 1)
    assert any(m.text.startswith("Skipped broken.mp3") for m in frontend.snapshots[1].messages)
    assert reported == ["broken.mp3: cannot decode audio (corrupt); skipped it"]


def test_a_silent_song_is_said_on_screen_and_in_the_terminal_when_it_starts(gl_context, silent,
                                                                          songs):
    """Also a song prepared in the background, after the first frame: the player says it."""
    paths = list(songs)
    quiet = Features({level: np.full((120, 10), 0.5, np.float32) for level in BLUR_LEVELS},
                     title="Quiet")
    reported = []
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"], 3: ["quit"]})
    play(frontend, {paths[0]: songs[paths[0]], Path("quiet.wav"): quiet},
         report=reported.append)
    first, later = frontend.snapshots[0], frontend.snapshots[1]
    assert not any("silent" in m.text for m in first.messages)
    assert later.title == "Quiet"
    assert any(m.text == "quiet.wav is silent: the picture rests" for m in later.messages)
    assert len(reported) == 1 and reported[0].startswith("quiet.wav: silent")


def test_a_playlist_of_only_unplayable_songs_after_the_first_ends(gl_context, silent, songs):
    first = next(iter(songs))
    mixed = WithUnplayable({first: songs[first], Path("broken.mp3"): songs[first]},
                           Path("broken.mp3"))
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"]})
    play(frontend, mixed)
    assert [s.title for s in frontend.snapshots] == ["Song 0"]
    assert frontend.closed == 1


class BeingPrepared(dict):
    """Songs of which some are not prepared yet: a lookup of one takes a while."""

    def __init__(self, songs: dict, not_ready: set) -> None:
        super().__init__(songs)
        self.not_ready = set(not_ready)

    def is_ready(self, song: Path) -> bool:
        return song not in self.not_ready

    def __getitem__(self, song: Path) -> Features:
        self.not_ready.discard(song)
        return super().__getitem__(song)


def test_a_song_not_prepared_yet_is_announced_in_a_frame_before_the_wait(gl_context, silent,
                                                                          songs):
    paths = list(songs)
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"], 4: ["quit"]})
    play(frontend, BeingPrepared(songs, {paths[1]}))
    announced = frontend.snapshots[1]
    assert announced.title == "Song 0"  # still the old song while the next one is prepared
    assert any(m.text == "Preparing song 1.wav…" for m in announced.messages)
    assert [s.title for s in frontend.snapshots[2:]] == ["Song 1", "Song 1"]


def test_a_ready_song_starts_in_the_same_frame(gl_context, silent, songs):
    frontend = ScriptedFrontEnd(gl_context, {1: ["next song"], 3: ["quit"]})
    play(frontend, BeingPrepared(songs, set()))
    assert [s.title for s in frontend.snapshots] == ["Song 0", "Song 1", "Song 1"]
