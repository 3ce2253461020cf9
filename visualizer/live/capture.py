"""Captured audio at the model's rate, from a worker process that is restarted when it fails.

`Capture.drain()` returns what arrived since the last call. When the device is lost, stops
delivering for `STALL_S`, or the sound server goes away, `problem` says so in one line and
the worker is started again every `RETRY_S` until capture resumes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque

import numpy as np

from visualizer.live.devices import InputDevice

BLOCK = 512          # samples per read at the model's rate (23 ms at 22,050 Hz)
RETRY_S = 3.0
STALL_S = 2.0        # no samples for this long while running: the device stopped delivering
START_S = 5.0        # how long a worker may take to open its device


class Capture:
    """Samples of one input device, resampled to `rate`, mono float32."""

    def __init__(self, device: InputDevice, rate: int, block: int = BLOCK) -> None:
        self.device = device
        self.rate = rate
        self.block = block
        self.problem: str | None = None      # why nothing is captured now, if so
        self.restarts = 0
        self._chunks: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._last_data = time.monotonic()
        self._process: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._run, name="davis-capture", daemon=True)

    def start(self) -> "Capture":
        self._thread.start()
        return self

    def drain(self) -> np.ndarray:
        """Every sample captured since the last call (possibly none)."""
        with self._lock:
            chunks, self._chunks = list(self._chunks), deque()
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def close(self) -> None:
        self._stop.set()
        self._kill()
        self._thread.join(timeout=2.0)

    # --- the worker ---

    def _run(self) -> None:
        while not self._stop.is_set():
            problem = self._capture_once()
            if self._stop.is_set():
                break
            self.problem = problem
            self.restarts += 1
            self._stop.wait(RETRY_S)

    def _capture_once(self) -> str:
        """Run one worker until it fails; returns why (one line)."""
        command = [sys.executable, "-m", "visualizer.live.capture_worker", self.device.id,
                   str(self.rate), str(self.block)]
        try:
            self._process = process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        except OSError as error:
            return f"cannot start capture ({error.strerror})"
        status: dict[str, str] = {}
        reader = threading.Thread(target=self._read_status, args=(process, status), daemon=True)
        reader.start()
        started = time.monotonic()
        while "rate" not in status and "error" not in status:
            if process.poll() is not None or time.monotonic() - started > START_S:
                reader.join(timeout=0.5)
                self._kill()
                return status.get("error", f"{self.device.name} did not open")
            time.sleep(0.01)
        if "error" in status:
            self._kill()
            return status["error"]
        resample = _resampler(int(status["rate"]), self.rate)
        self.problem = None
        self._last_data = time.monotonic()
        watchdog = threading.Thread(target=self._watch, args=(process, status), daemon=True)
        watchdog.start()
        frame_bytes = 4 * self.block
        while not self._stop.is_set():
            data = process.stdout.read(frame_bytes)
            if not data:
                break
            samples = resample(np.frombuffer(data[:len(data) // 4 * 4], dtype=np.float32))
            self._last_data = time.monotonic()
            if samples.size:
                with self._lock:
                    self._chunks.append(samples)
        self._kill()
        reader.join(timeout=0.5)
        if "stalled" in status:
            return f"{self.device.name} stopped delivering audio"
        return status.get("error", f"{self.device.name} was lost")

    def _read_status(self, process: subprocess.Popen, status: dict) -> None:
        for raw in process.stderr:
            line = raw.decode(errors="replace").strip()
            if line.startswith("rate "):
                status["rate"] = line.split()[1]
            elif line.startswith("error: "):
                status["error"] = line.removeprefix("error: ")

    def _watch(self, process: subprocess.Popen, status: dict) -> None:
        while process.poll() is None and not self._stop.is_set():
            if time.monotonic() - self._last_data > STALL_S:
                status["stalled"] = "yes"
                process.kill()
                return
            time.sleep(0.1)

    def _kill(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            try:
                process.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                pass


def _resampler(source_rate: int, target_rate: int):
    """A streaming resampler (soxr keeps its state between blocks), or nothing to do."""
    if source_rate == target_rate:
        return lambda samples: samples.astype(np.float32, copy=False)
    import soxr

    stream = soxr.ResampleStream(source_rate, target_rate, 1, dtype="float32", quality="HQ")
    return lambda samples: stream.resample_chunk(samples)
