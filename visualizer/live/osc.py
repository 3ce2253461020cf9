"""`davis live --osc HOST:PORT`: the features of every frame as OSC messages for other VJ tools.

One UDP datagram per displayed frame, an OSC bundle (time tag "immediately") holding:

| address | arguments |
|---|---|
| `/davis/features` | 10 floats: the `blur1` features, normalised to [0, 1] |
| `/davis/pulses` | 10 floats: their pulses in [0, 1] (jump on a sudden change, 0.15 s decay) |
| `/davis/feature/N`, N = 1…10 | 1 float: feature N alone (for tools that map one value per address) |
| `/davis/pulse/N`, N = 1…10 | 1 float: pulse N alone |
| `/davis/level` | 1 float: the input level, dBFS (−90 for silence) |
"""

from __future__ import annotations

import socket

import numpy as np

from encoder.errors import DavisError

PULSE_DECAY_S = 0.15
PREFIX = "/davis"


def parse_target(text: str) -> tuple[str, int]:
    """'HOST:PORT' (IPv6 as '[::1]:9000') -> (host, port); a clear error otherwise."""
    host, colon, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DavisError(f"--osc wants HOST:PORT, like 127.0.0.1:9000 (got {text!r})")
    return host, int(port)


class OscSender:
    """Sends one bundle of features per `send()` to `host:port` over UDP."""

    def __init__(self, host: str, port: int) -> None:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
        except (socket.gaierror, UnicodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise DavisError(f"--osc: cannot resolve host {host!r} ({reason})") from None
        self.target = f"{host}:{port}"
        self._socket = socket.socket(family, kind, proto)
        self._socket.setblocking(False)
        self._address = address
        self.sent = 0
        self.problem: str | None = None  # why the last send failed, if it did

    def send(self, features: np.ndarray, pulses: np.ndarray, level_db: float) -> None:
        """Send one frame; a failed send (nobody listening, network down) is remembered in
        `problem`, never raised: the visuals go on."""
        try:
            self._socket.sendto(bundle(features, pulses, level_db), self._address)
        except OSError as error:
            self.problem = f"OSC to {self.target}: {error.strerror or error}"
        else:
            self.problem = None
            self.sent += 1

    def close(self) -> None:
        self._socket.close()


def bundle(features: np.ndarray, pulses: np.ndarray, level_db: float) -> bytes:
    """The OSC bundle of one frame (the addresses of the module's docstring)."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    def message(address: str, values) -> object:
        builder = OscMessageBuilder(address=f"{PREFIX}/{address}")
        for value in values:
            builder.add_arg(float(value), OscMessageBuilder.ARG_TYPE_FLOAT)
        return builder.build()

    builder = OscBundleBuilder(IMMEDIATELY)
    builder.add_content(message("features", features))
    builder.add_content(message("pulses", pulses))
    for number, (value, pulse) in enumerate(zip(features, pulses), start=1):
        builder.add_content(message(f"feature/{number}", [value]))
        builder.add_content(message(f"pulse/{number}", [pulse]))
    builder.add_content(message("level", [level_db]))
    return builder.build().dgram
