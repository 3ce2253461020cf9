"""What a front end shows of the player, taken once per frame: `Player.now()`.

The HUD, the help, the messages and the status lines are all drawn from a `Snapshot`, so a
front end never reaches into the player, its renderer or its mapping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    text: str
    until: float              # time.monotonic() when it disappears
    kind: str = "info"        # "info", "error" or "title"


@dataclass(frozen=True)
class MappingRow:
    """One parameter of the animation: the feature driving it, what it reads of that
    feature ("blur 50", "pulse 0.25 s") and its value now."""

    feature: int
    parameter: str
    source: str
    value: float


@dataclass(frozen=True)
class Snapshot:
    title: str
    time_s: float
    duration_s: float
    paused: bool
    animation: str
    rows: tuple[MappingRow, ...]
    features: tuple[float, ...]   # the 10 blur1 features now (the HUD's bars)
    messages: tuple[Message, ...]
    locked: bool
    preset: str | None
    hud: bool
    help: bool
    fps: float = 0.0              # frames shown per second, measured by the session
    input_level_db: float | None = None  # live input: its level (dBFS); None for songs

    def clock(self, separator: str = "/") -> str:
        """"1:05/3:20": song time and duration; "live -23 dB" for a live input."""
        if self.input_level_db is not None:
            return f"live {self.input_level_db:.0f} dB"
        return f"{format_time(self.time_s)}{separator}{format_time(self.duration_s)}"

    def titles(self) -> list[Message]:
        return [m for m in self.messages if m.kind == "title"]

    def notices(self, count: int = 3) -> list[Message]:
        """The newest `count` messages other than the song title, oldest first."""
        return [m for m in self.messages if m.kind != "title"][-count:]


def format_time(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"
