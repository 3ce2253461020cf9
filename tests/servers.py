"""Real servers for tests that drive davis as a user's machine would: an X server (Xvfb) and
a PulseAudio server with a null sink, each private to the test that starts it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

NULL_SINK = "davis_test"
NULL_SINK_DESCRIPTION = "DavisTestSink"


@contextmanager
def xvfb(size: str = "1280x720x24"):
    """A private X server; yields its DISPLAY (":N")."""
    for number in range(90, 130):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", size, "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("Xvfb did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


class PulseServer:
    """A PulseAudio server with one null sink (the default output), in its own runtime folder.

    `env` is what a client needs to reach it. Where it cannot start, tests skip with the
    reason, except under CI=true, where they must run and so fail instead.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        self.env = {key: value for key, value in os.environ.items()
                    if key not in ("PULSE_SERVER", "PULSE_RUNTIME_PATH")}
        self.env.update(XDG_RUNTIME_DIR=str(folder), HOME=str(folder))

    def start(self) -> "PulseServer":
        if shutil.which("pulseaudio") is None or shutil.which("paplay") is None:
            _unavailable("needs PulseAudio (apt-get install pulseaudio pulseaudio-utils)")
        result = subprocess.run(
            ["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit=no",
             "--use-pid-file=yes", "-n",
             f"--load=module-null-sink sink_name={NULL_SINK} "
             f"sink_properties=device.description={NULL_SINK_DESCRIPTION}",
             "--load=module-native-protocol-unix"],
            env=self.env, capture_output=True, text=True, timeout=30)
        if not self.wait_until_up():
            _unavailable(f"PulseAudio did not start: {result.stderr.strip()[-300:]}")
        return self

    def wait_until_up(self, timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True,
                              timeout=10).returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(
                ["pactl", "info"], env=self.env, capture_output=True, timeout=10).returncode == 0:
            time.sleep(0.1)

    def play(self, song: Path) -> subprocess.Popen:
        """Play `song` into the null sink (what the computer plays)."""
        return subprocess.Popen(["paplay", str(song)], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the live-input tests")
    pytest.skip(reason)
