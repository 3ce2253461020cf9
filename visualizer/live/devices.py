"""The audio inputs davis can capture: loopbacks (what the computer plays) and microphones.

`soundcard` is used because it captures the loopback of the output on all three platforms
(PulseAudio and PipeWire monitor sources on Linux, WASAPI loopback on Windows, Core Audio
on macOS with a loopback driver such as BlackHole) with one API and no compiled extension;
sounddevice/PortAudio has no loopback on Linux or macOS.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from dataclasses import dataclass

from encoder.errors import DavisError


CONNECT_ATTEMPTS = 3


class CaptureError(DavisError):
    """No audio input can be opened; the message says why, in one line."""


@dataclass(frozen=True)
class InputDevice:
    number: int          # as `davis live --list-devices` prints it
    name: str
    kind: str            # "loopback" or "microphone"
    channels: int
    id: str              # soundcard's id, stable while the device exists
    default: bool = False

    def describe(self) -> str:
        return f"{self.name} ({self.kind})"


def soundcard_module():
    """`soundcard`, imported with a clear error where there is no sound server.

    soundcard connects to the sound server when imported; its PulseAudio backend also reads
    sys.argv[0] for a client name, which is empty under `python -c`.
    """
    if not sys.argv or sys.argv[0] in ("", "-c"):
        sys.argv = ["davis"]
    reason = ""
    for attempt in range(CONNECT_ATTEMPTS):
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                import soundcard
            return soundcard
        except ImportError as error:
            raise CaptureError(f"audio capture is not installed ({error})") from None
        except Exception as error:  # soundcard asserts, or raises RuntimeError, without a server
            reason = "the connection failed" if isinstance(error, AssertionError) else _reason(error)
            time.sleep(0.3)  # a server that is starting, or busy, often answers the next time
    raise CaptureError(f"cannot reach the sound server ({reason}); is PulseAudio or PipeWire "
                       f"running?")


def list_devices() -> list[InputDevice]:
    """Every input, loopbacks first; `default` marks the loopback of the default output and
    the default microphone."""
    sc = soundcard_module()
    try:
        microphones = sc.all_microphones(include_loopback=True)
        speaker = _safe(sc.default_speaker)
        microphone = _safe(sc.default_microphone)
    except Exception as error:
        raise CaptureError(f"cannot list the audio inputs ({_reason(error)})") from None
    loopback_id = _loopback_of(microphones, speaker)
    ordered = sorted(microphones, key=lambda m: not m.isloopback)
    devices = []
    for number, device in enumerate(ordered):
        kind = "loopback" if device.isloopback else "microphone"
        default = (device.id == loopback_id if device.isloopback
                   else microphone is not None and device.id == microphone.id)
        devices.append(InputDevice(number, device.name, kind, int(device.channels),
                                   str(device.id), default))
    return devices


def pick_device(devices: list[InputDevice], wanted: str | None, microphone: bool) -> InputDevice:
    """The device `--device` names (a number or part of a name), else the default loopback
    (or, with --mic, the default microphone)."""
    if not devices:
        raise CaptureError("no audio input found (no loopback and no microphone)")
    kind = "microphone" if microphone else "loopback"
    if wanted is not None:
        if wanted.strip().isdigit():
            number = int(wanted)
            if number < len(devices):
                return devices[number]
            raise CaptureError(f"no input number {number}: davis live --list-devices lists "
                               f"0–{len(devices) - 1}")
        matches = [d for d in devices if wanted.lower() in d.name.lower() or wanted == d.id]
        if not matches:
            raise CaptureError(f"no input named like {wanted!r} (davis live --list-devices "
                               f"lists them)")
        return next((d for d in matches if d.kind == kind), matches[0])
    of_kind = [d for d in devices if d.kind == kind]
    if not of_kind:
        other = "--mic for a microphone" if kind == "loopback" else "no --mic for the loopback"
        raise CaptureError(f"no {kind} input found (try {other}, or --device)")
    return next((d for d in of_kind if d.default), of_kind[0])


def _loopback_of(microphones, speaker) -> str | None:
    if speaker is None:
        return None
    for device in microphones:
        if device.isloopback and (str(speaker.id) in str(device.id)
                                  or speaker.name in device.name):
            return str(device.id)
    return None


def _safe(function):
    try:
        return function()
    except Exception:
        return None


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
