"""`davis live`: the streaming model, causal features, and the real command on a real
PulseAudio server (a null sink's monitor), in a window on Xvfb and in tmux."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from encoder.audio import load_song
from encoder.features import FPS
from encoder.inference import FeatureEncoder
from encoder.live_features import LiveFeatures
from encoder.streaming import StreamingEncoder
from tests.servers import NULL_SINK_DESCRIPTION, PulseServer, xvfb

RATE = 22050
BURSTS_S = (3.0, 5.0, 7.0, 9.0)


def burst_song(seconds: float = 11.0, rate: int = RATE, bursts=BURSTS_S) -> np.ndarray:
    """A soft low chord with loud bright tone bursts (150 ms) at `bursts` seconds."""
    t = np.arange(int(seconds * rate)) / rate
    song = 0.05 * sum(np.sin(2 * np.pi * f * t) for f in (110.0, 165.0, 220.0))
    for start in bursts:
        inside = (t >= start) & (t < start + 0.15)
        song[inside] += 0.6 * np.sin(2 * np.pi * 1760.0 * t[inside]) * np.exp(-(t[inside] - start) * 8)
    return song.astype(np.float32)


def live_features_of(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """blur1 values and 0.15 s pulses, frame by frame, as `davis live` computes them."""
    live = LiveFeatures()
    live.pulse(0.15)
    values, pulses = [], []
    for code in codes:
        live.update(code[None])
        values.append(live.blur(1).copy())
        pulses.append(live.pulse(0.15).copy())
    return np.array(values), np.array(pulses)


def aligned_correlation(live: np.ndarray, samples: np.ndarray, encoder: FeatureEncoder,
                        window: int = 240) -> tuple[list[float], int]:
    """The mean per-feature correlation of live codes with the offline codes of `samples`,
    in windows of `window` live frames from where the song starts, each at its best
    alignment (a start offset within a frame, and the frame lag of the whole run +-1); and
    that lag: live frame i is offline frame i + lag.

    Windows, because a real capture may drop a block under load: that shifts what follows
    by a fraction of a frame, which a single alignment of the whole run would count against
    the model."""
    def score(codes: np.ndarray, first: int, last: int, lag: int) -> float:
        first, last = max(first, -lag), min(last, len(codes) - lag)
        if last - first < 120:
            return -1.0
        a, b = live[first:last], codes[first + lag:last + lag]
        return float(np.mean([np.corrcoef(a[:, k], b[:, k])[0, 1] for k in range(a.shape[1])]))

    base = encoder.codes(samples)
    lag = max(range(-len(live) + 120, len(base) - 120),
              key=lambda lag: score(base, 0, len(live), lag))
    hop = RATE // FPS
    shifted = [base]
    for shift in range(-hop // 2, hop // 2 + 1, 16):
        padded = samples[shift:] if shift >= 0 else np.concatenate([np.zeros(-shift, np.float32),
                                                                    samples])
        shifted.append(encoder.codes(padded))
    scores = []
    for first in range(max(0, -lag), len(live) - window // 2, window):
        last = min(first + window, len(live))
        scores.append(max(score(codes, first, last, lag + d) for codes in shifted for d in (-1, 0, 1)))
    return [s for s in scores if s > -1.0], lag


# --- the streaming model and live features, without a sound server ------------------------------

def test_streamed_codes_equal_the_offline_codes(rng):
    samples = burst_song()
    offline = FeatureEncoder(device="cpu").codes(samples)
    stream = StreamingEncoder()
    parts, at = [], 0
    while at < len(samples):
        size = int(rng.integers(1, 1500))  # capture blocks of any size
        parts.append(stream.feed(samples[at:at + size]))
        at += size
    live = np.concatenate(parts)
    # every frame but the last few, which offline sees padded with silence after the end
    assert len(offline) - 4 <= len(live) <= len(offline)
    np.testing.assert_allclose(live, offline[:len(live)], atol=1e-4)


def test_a_frame_is_ready_once_its_window_has_been_heard():
    stream = StreamingEncoder()
    lookahead = stream.config.window - stream.config.window // 2
    assert len(stream.feed(np.zeros(lookahead - 1, np.float32))) == 0
    assert len(stream.feed(np.zeros(1, np.float32))) == 1  # frame 0, centred at sample 0


def test_live_features_cover_the_range_and_pulse_at_tone_bursts():
    codes = FeatureEncoder(device="cpu").codes(burst_song())
    values, pulses = live_features_of(codes)
    assert values.min() >= 0.0 and values.max() <= 1.0
    settled = values[3 * FPS:]
    assert np.median(np.percentile(settled, 95, axis=0) - np.percentile(settled, 5, axis=0)) > 0.5
    for burst in BURSTS_S[1:]:  # the first burst comes before the jump scale has settled
        onset = int(burst * FPS)
        assert pulses[onset - 3:onset + 7].max() > 0.9, burst   # within 100 ms of the burst
        assert pulses[onset - 12:onset - 3].max(axis=0).min() < 0.3, burst  # quiet before


def test_silence_gives_steady_mid_values_and_no_pulses():
    codes = FeatureEncoder(device="cpu").codes(np.zeros(5 * RATE, np.float32))
    values, pulses = live_features_of(codes)
    np.testing.assert_array_equal(values, 0.5)
    np.testing.assert_array_equal(pulses, 0.0)


def test_normalisation_adapts_within_seconds_after_the_music_changes():
    """Ten seconds of a quiet chord, then loud bursts: the loud part is soon spread over the
    range again instead of sitting at the top."""
    quiet = 0.02 * burst_song(10.0, bursts=())
    loud = burst_song(10.0, bursts=np.arange(0.25, 10.0, 0.5))
    codes = FeatureEncoder(device="cpu").codes(np.concatenate([quiet, loud]))
    values, _ = live_features_of(codes)
    later = values[(10 + 5) * FPS:]
    spread = np.percentile(later, 90, axis=0) - np.percentile(later, 10, axis=0)
    assert np.median(spread) > 0.3, spread


def osc_frames(datagrams: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """features, pulses (frames, 10) and levels (frames,) of `davis live --osc` bundles, read
    with python-osc's own parser; asserts the per-feature addresses agree with the lists."""
    from pythonosc.osc_bundle import OscBundle

    features, pulses, levels = [], [], []
    for datagram in datagrams:
        messages = {m.address: m.params for m in OscBundle(datagram)}
        features.append(messages["/davis/features"])
        pulses.append(messages["/davis/pulses"])
        levels.append(messages["/davis/level"][0])
        assert [messages[f"/davis/feature/{n}"][0] for n in range(1, 11)] == features[-1]
        assert [messages[f"/davis/pulse/{n}"][0] for n in range(1, 11)] == pulses[-1]
    return np.array(features), np.array(pulses), np.array(levels)


def test_osc_sends_one_bundle_of_features_pulses_and_level():
    import socket

    from visualizer.live.osc import OscSender

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        sender = OscSender("127.0.0.1", receiver.getsockname()[1])
        values = np.linspace(0.0, 1.0, 10)
        sender.send(values, values[::-1], -23.5)
        features, pulses, levels = osc_frames([receiver.recv(65536)])
        sender.close()
    np.testing.assert_allclose(features[0], values, atol=1e-6)
    np.testing.assert_allclose(pulses[0], values[::-1], atol=1e-6)
    assert levels[0] == -23.5 and sender.sent == 1 and sender.problem is None


@pytest.mark.parametrize("target, message", [
    ("9000", "--osc wants HOST:PORT, like 127.0.0.1:9000"),
    ("localhost:99999", "--osc wants HOST:PORT"),
    ("no-such-host.invalid:9000", "--osc: cannot resolve host 'no-such-host.invalid'"),
])
def test_a_bad_osc_target_is_one_clear_error(target, message):
    result = davis("live", "--osc", target, env=dict(os.environ))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(f"error: {message}"), result.stderr


# --- the real command on a real PulseAudio server ----------------------------------------------

pytestmark_x = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")


@pytest.fixture
def pulse(tmp_path):
    server = PulseServer(tmp_path / "pulse").start()
    yield server
    server.stop()


@pytest.fixture
def burst_wav(tmp_path, helpers):
    return helpers.write_audio(tmp_path / "bursts.wav", burst_song(14.0, bursts=np.arange(2.0, 14.0, 1.5)),
                               RATE, channels=2)


def davis(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "visualizer", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_lists_the_sinks_monitor_as_the_default_loopback(pulse):
    result = davis("live", "--list-devices", env=pulse.env)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if NULL_SINK_DESCRIPTION in line)
    assert "loopback" in row and "yes" in row and "22,050 Hz" in result.stdout


def test_no_sound_server_is_one_clear_error(tmp_path):
    env = PulseServer(tmp_path / "nothing-here").env  # never started
    result = davis("live", "--list-devices", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: cannot reach the sound server")


def test_unknown_device_is_one_clear_error(pulse):
    result = davis("live", "--device", "no such card", env=pulse.env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no input named like 'no such card'" in result.stderr


@pytestmark_x
def test_window_draws_and_the_live_codes_match_davis_encode(pulse, burst_wav, tmp_path):
    """`davis live` on the monitor while the song plays into the sink: the picture moves, and
    the codes it computed are those `davis encode` computes for the same audio."""
    import socket
    import threading

    codes_file, shot = tmp_path / "codes.npy", tmp_path / "shot.png"
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.5)
    datagrams: list[bytes] = []
    done = threading.Event()

    def receive() -> None:
        while not done.is_set():
            try:
                datagrams.append(receiver.recv(65536))
            except TimeoutError:
                pass

    listening = threading.Thread(target=receive, daemon=True)
    listening.start()
    with xvfb() as display:
        env = {**pulse.env, "DISPLAY": display, "SDL_AUDIODRIVER": "dummy"}
        live = subprocess.Popen(
            [sys.executable, "-m", "visualizer", "live", "--windowed", "--size", "320x180",
             "--animation", "tunnel", "--duration", "17", "--seed", "1",
             "--save-codes", str(codes_file), "--screenshot", str(shot),
             "--osc", f"127.0.0.1:{receiver.getsockname()[1]}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3.0)  # started and capturing
        player = pulse.play(burst_wav)
        output, errors = live.communicate(timeout=90)
        player.wait(timeout=30)
    done.set()
    listening.join()
    receiver.close()
    assert live.returncode == 0, errors
    assert "Traceback" not in errors
    import pygame

    pixels = pygame.surfarray.array3d(pygame.image.load(str(shot))).astype(np.int16)
    assert pixels.std() > 10  # a picture, not a blank window
    codes = np.load(codes_file)
    assert len(codes) > 12 * FPS
    samples = load_song(burst_wav, RATE).samples
    correlations, lag = aligned_correlation(codes, samples, FeatureEncoder(device="cpu"))
    assert len(correlations) >= 3 and np.median(correlations) >= 0.99, (correlations, lag)
    assert min(correlations) >= 0.95, (correlations, lag)
    # and the pulses, computed live, answer the bursts within 100 ms
    _, pulses = live_features_of(codes)
    answered = 0
    for burst in np.arange(5.0, 14.0, 1.5):
        onset = int(round(burst * FPS)) - lag  # that burst, in live frames
        if 0 <= onset - 3 and onset + 7 <= len(pulses):
            answered += pulses[onset - 3:onset + 7].max() > 0.9
    assert answered >= 4, answered
    # every displayed frame went out as OSC: features that move, pulses that fire, the level
    features, osc_pulses, levels = osc_frames(datagrams)
    assert len(features) > 10 * 20, len(features)  # >= 20 fps for the 10 s of song, on llvmpipe
    assert np.median(features.max(axis=0) - features.min(axis=0)) > 0.5
    assert (osc_pulses.max(axis=0) > 0.9).sum() >= 3
    assert levels.max() > -40 and levels.min() < levels.max() - 10


@pytestmark_x
def test_capture_recovers_when_the_sound_server_restarts(pulse, burst_wav, tmp_path):
    codes_file = tmp_path / "codes.npy"
    with xvfb() as display:
        env = {**pulse.env, "DISPLAY": display, "SDL_AUDIODRIVER": "dummy"}
        live = subprocess.Popen(
            [sys.executable, "-m", "visualizer", "live", "--windowed", "--size", "160x90",
             "--duration", "20", "--save-codes", str(codes_file)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(5.0)
        pulse.stop()
        time.sleep(3.0)   # lost: the window keeps drawing on the slow drift
        assert live.poll() is None, live.communicate()[1]
        pulse.start()
        _, errors = live.communicate(timeout=90)
    assert live.returncode == 0, errors
    assert "Traceback" not in errors
    # capture resumed: about 20 s minus the start, the outage and the retry of codes
    frames = len(np.load(codes_file))
    assert frames > (20 - 4 - 3 - 5) * FPS, frames


needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


@needs_tmux
def test_terminal_mode_shows_the_input_and_says_seeking_is_not_live(pulse, burst_wav, tmp_path):
    from tests.test_terminal import ROWS, Tmux

    env = {key: value for key, value in pulse.env.items()
           if key not in ("TMUX", "TMUX_PANE", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=os.pathsep.join(sys.path))
    tmux = Tmux(tmp_path, env)
    try:
        player = pulse.play(burst_wav)
        command = shlex.join([sys.executable, "-m", "visualizer", "live", "--terminal"])
        tmux.type(f"{command}; echo EXIT=$?")
        tmux.wait_for(lambda: "live" in tmux.lines()[-1] and "dB" in tmux.lines()[-1]
                      and "▀" in tmux.screen(), "the picture and the live status line")
        assert len(tmux.lines()) == ROWS
        tmux.keys("Right")
        tmux.wait_for(lambda: "not available live" in tmux.screen(False), "the notice")
        tmux.keys("q")
        tmux.wait_for(lambda: "EXIT=0" in tmux.screen(False), "a clean exit")
        assert not tmux.alternate_on() and tmux.cursor_visible()
        player.kill()
    finally:
        tmux.kill()
