"""The keys of the player: one table for handling them and for the help that lists them.

A front end names its keys ("r", "space", "page down", "f1"...) and looks the action up in
`KEY_ACTIONS`. The session does "quit", the front end its own actions (the window's
"fullscreen"), the player everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

# Actions that only some front ends have; their rows are left out of the others' help.
FRONT_END_ACTIONS = frozenset({"fullscreen"})


@dataclass(frozen=True)
class KeyRow:
    """One line of the help: how it names the keys, what they do, and key name -> action."""

    label: str
    description: str
    actions: tuple[tuple[str, str], ...]


KEYS: tuple[KeyRow, ...] = (
    KeyRow("Space", "pause / play", (("space", "pause"),)),
    KeyRow("Left / Right", "seek 5 s", (("left", "seek back"), ("right", "seek forward"))),
    KeyRow("Up / Down", "volume", (("up", "volume up"), ("down", "volume down"))),
    KeyRow("M", "mute", (("m", "mute"),)),
    KeyRow("R", "reshuffle the mapping", (("r", "reshuffle"),)),
    KeyRow("L", "lock the mapping", (("l", "lock"),)),
    KeyRow("N / P", "next / previous animation",
           (("n", "next animation"), ("p", "previous animation"))),
    KeyRow("PgDn / PgUp", "next / previous song",
           (("page down", "next song"), ("page up", "previous song"))),
    KeyRow("S", "save the mapping as a preset", (("s", "save preset"),)),
    KeyRow("C", "autopilot on / off: a new look by itself",
           (("c", "autopilot"),)),
    KeyRow("V", "favourite on / off (saved as a preset)", (("v", "favourite"),)),
    KeyRow("G", "rate the favourite: one more star", (("g", "rate"),)),
    KeyRow("1 – 9", "load preset 1 – 9",
           tuple((str(number), f"preset {number}") for number in range(1, 10))),
    KeyRow("F / F11", "fullscreen on / off", (("f", "fullscreen"), ("f11", "fullscreen"))),
    KeyRow("D", "HUD", (("d", "hud"),)),
    KeyRow("H / F1", "this help", (("h", "help"), ("f1", "help"))),
    KeyRow("Q / Esc", "quit", (("q", "quit"), ("escape", "quit"))),
)

KEY_ACTIONS: dict[str, str] = {key: action for row in KEYS for key, action in row.actions}


def help_rows(own_actions: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(keys, what they do) for a front end that does `own_actions` itself."""
    missing = FRONT_END_ACTIONS - own_actions
    return [(row.label, row.description) for row in KEYS
            if not any(action in missing for _, action in row.actions)]
