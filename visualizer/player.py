"""What the player does, independent of where pixels go or where keys come from.

The session (`visualizer.session`) calls `frame()` once per displayed frame, `now()` for what
to show, and `perform()` with the actions of the keys the user presses (`visualizer.keys`).
Every action returns the short message to show on screen. Everything about songs (the
playlist, seeking, the next song) lives here, not in the session's loop.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from encoder.errors import DavisError
from encoder.features import N_FEATURES, STILL_SONG, Features
from visualizer.animations import animation_names
from visualizer.audio_output import AudioOutput
from visualizer.autopilot import Autopilot
from visualizer.looks import Look, LookChooser
from visualizer.mapping import Mapping
from visualizer.playlist import Playlist
from visualizer.renderer import Renderer
from visualizer.scenes.inputs import SongSamples
from visualizer.scenes.watch import SceneWatch
from visualizer.snapshot import MappingRow, Message, Snapshot, format_time

SEEK_STEP_S = 5.0
VOLUME_STEP = 0.05
MESSAGE_S = 2.5
TITLE_S = 4.0


@dataclass
class PlayerState:
    locked: bool = False
    hud: bool = False
    help: bool = False
    preset_name: str | None = None
    overrides: dict = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    finished: bool = False


class Player:
    """Playback state and every key's action.

    Args:
        renderer: draws frames; its animation, mapping and features are changed here.
        audio: a `MixerAudio` or `SilentAudio` (the song clock and the sound).
        playlist: the songs, with `features_for(path)` giving their cached features.
        features_for: returns a song's Features (from the cache, already encoded).
        lookahead_s: features are read this far ahead of the heard audio (output latency).
        autopilot: changes the look by itself when on (`--cycle`; the C key toggles it).
        looks: where the autopilot's changes go (random looks unless given presets).
        report: prints a line in the terminal that started a window session (problems the
            user must see even when the message on screen is missed), or None.
    """

    def __init__(self, renderer: Renderer, audio: AudioOutput, playlist: Playlist, features_for,
                 rng: random.Random, lookahead_s: float, titles=None, *,
                 autopilot: Autopilot | None = None, looks: LookChooser | None = None,
                 report: Callable[[str], None] | None = None,
                 is_ready: Callable[[Path], bool] | None = None) -> None:
        self.renderer = renderer
        self.audio = audio
        self.playlist = playlist
        self.features_for = features_for
        self.rng = rng
        self.lookahead_s = lookahead_s
        self.titles = titles or (lambda path: path.stem)
        self.autopilot = autopilot or Autopilot(enabled=False)
        self.looks = looks or LookChooser(rng)
        self.state = PlayerState()
        self.features: Features | None = None
        self.title = ""
        self.report = report
        self.scene_watch = SceneWatch(self.notify, self.clear_errors, report)
        self.is_ready = is_ready  # whether a song's features are at hand (None: always)
        self._frames_before_load: int | None = None  # a song that must be prepared first

    # --- the frame loop ---

    def start(self) -> None:
        if not self._load_song():
            self.state.finished = True

    def song_time_s(self) -> float:
        return self.audio.time_s()

    def frame(self) -> None:
        """Advance to the current song time, render, and move on when the song ends."""
        if self._frames_before_load is not None:
            self._frames_before_load -= 1
            if self._frames_before_load < 0:
                self._frames_before_load = None
                if not self._load_song():
                    self.state.finished = True
                    return
        elif self.audio.finished():
            if not (self.playlist.step(+1) and self._start_or_prepare()):
                self.state.finished = True
                return
        time_s = self.song_time_s() + self.lookahead_s
        self.run_autopilot(self.features, time_s)
        self.scene_watch.check(self.renderer)
        self.renderer.render(time_s)

    def run_autopilot(self, features, time_s: float) -> None:
        """The autopilot's change of look, when one is due at this frame."""
        if not self.autopilot.enabled:
            return
        if self.autopilot.due(time_s, self.autopilot.cue_at(features, time_s)):
            look = self.looks.next_look(self.renderer.animation_name, self.state.preset_name)
            if self.show_look(look):
                self.notify(f"Autopilot: {look.preset.name if look.preset else look.animation}")

    @property
    def finished(self) -> bool:
        """The playlist has ended (or the user stepped past its last song)."""
        return self.state.finished

    def now(self, fps: float = 0.0) -> Snapshot:
        """What to show of the player at this moment (`fps`: as the session measures it)."""
        renderer = self.renderer
        time_s = self.song_time_s()
        assignment = renderer.mapping.assignment(renderer.parameters)
        rows = tuple(MappingRow(assignment[p.name], p.name, p.source,
                                renderer.values.get(p.name, 0.0)) for p in renderer.parameters)
        features = renderer.feature_values(time_s + self.lookahead_s)
        return Snapshot(
            title=self.title, time_s=time_s,
            duration_s=self.features.duration_s if self.features else 0.0,
            paused=self.audio.paused, animation=renderer.animation_name, rows=rows,
            features=(0.0,) * N_FEATURES if features is None else tuple(map(float, features)),
            messages=tuple(self.visible_messages()), locked=self.state.locked,
            preset=self.state.preset_name, hud=self.state.hud, help=self.state.help, fps=fps)

    def visible_messages(self, now: float | None = None) -> list[Message]:
        now = time.monotonic() if now is None else now
        self.state.messages = [m for m in self.state.messages if m.until > now]
        return self.state.messages

    def notify(self, text: str, kind: str = "info", seconds: float = MESSAGE_S) -> str:
        """Show a message: it replaces the one before (the title, and errors, stay for their
        own time: a new message must not hide why something failed)."""
        if kind != "title":
            self.state.messages = [m for m in self.state.messages
                                   if m.kind == "title" or (m.kind == "error" and kind != "error")]
        self.state.messages.append(Message(text, time.monotonic() + seconds, kind))
        return text

    def clear_errors(self) -> None:
        self.state.messages = [m for m in self.state.messages if m.kind != "error"]

    def _switch(self, animation: str, mapping: Mapping | None, parameters=None) -> bool:
        """Change the renderer's animation; a scene that cannot be shown (it does not
        compile, asks for inputs davis does not give) leaves the current look as it is and
        says why. Returns whether the change was made."""
        try:
            self.renderer.set_animation(animation, mapping, parameters, soft=self.soft_changes)
        except DavisError as error:
            self.scene_watch.failed(error)
            return False
        return True

    def perform(self, action: str) -> str | None:
        """Do an action of `visualizer.keys`; returns its message, or None for an action that
        is not the player's ("quit": the session's, "fullscreen": the window's)."""
        if action.startswith("preset "):
            return self.load_preset(action.removeprefix("preset "))
        actions = {
            "pause": self.toggle_pause,
            "seek back": lambda: self.seek(-SEEK_STEP_S),
            "seek forward": lambda: self.seek(+SEEK_STEP_S),
            "volume up": lambda: self.change_volume(+VOLUME_STEP),
            "volume down": lambda: self.change_volume(-VOLUME_STEP),
            "mute": self.toggle_mute,
            "reshuffle": self.reshuffle,
            "lock": self.toggle_lock,
            "next animation": lambda: self.change_animation(+1),
            "previous animation": lambda: self.change_animation(-1),
            "next song": lambda: self.change_song(+1),
            "previous song": lambda: self.change_song(-1),
            "save preset": self.save_preset,
            "autopilot": self.toggle_autopilot,
            "favourite": self.toggle_favourite,
            "rate": self.rate,
            "hud": self.toggle_hud,
            "help": self.toggle_help,
        }
        return actions[action]() if action in actions else None

    @property
    def soft_changes(self) -> bool:
        """Changes of look blend (with the renderer's transition) unless paused: a still song
        clock would hold the blend halfway, so a change while paused is a cut."""
        return not self.audio.paused

    # --- songs ---

    def _load_song(self) -> bool:
        """Start the playlist's current song. One whose features cannot be had (a file that
        turned out unplayable while the rest of a folder was prepared) is said on screen
        and skipped; False when no song is left to play."""
        while True:
            path = self.playlist.current
            try:
                features = self.features_for(path)
                break
            except DavisError as error:
                self.notify(f"Skipped {path.name}: {error.message}", kind="error")
                if self.report is not None:
                    self.report(f"{error}; skipped it")
                if not self.playlist.remove_current():
                    return False
        self.features = features
        self.title = self.features.title or self.titles(path)
        mapping = None if self.state.locked else Mapping.random(self.rng)
        if mapping is not None:
            self.state.preset_name, self.state.overrides = None, {}
        self.renderer.set_features(self.features, mapping, soft=self.soft_changes,
                                   samples=SongSamples(path))
        self.autopilot.restart()
        self.audio.load(path, self.features.duration_s)
        self.notify(self.title, kind="title", seconds=TITLE_S)
        if self.features.still:
            self.notify(f"{path.name} is silent: the picture rests", seconds=TITLE_S)
            if self.report is not None:
                self.report(f"{path}: {STILL_SONG}")
        return True

    def _start_or_prepare(self) -> bool:
        """Start the playlist's current song, or, when its features must be computed first
        (which blocks the frame loop for about a second), say so in one more frame and
        start it in the next. False when no song is left to play."""
        path = self.playlist.current
        if self.is_ready is not None and not self.is_ready(path):
            self._frames_before_load = 1
            self.notify(self._preparing(), seconds=TITLE_S)
            return True
        return self._load_song()

    def _preparing(self) -> str:
        return f"Preparing {self.playlist.current.name}…"

    def change_song(self, delta: int) -> str:
        if not (self.playlist.step(delta) and self._start_or_prepare()):
            self.state.finished = True
            return "End of playlist"
        return self.title if self._frames_before_load is None else self._preparing()

    # --- playback ---

    def toggle_pause(self) -> str:
        self.audio.pause(not self.audio.paused)
        return self.notify("Paused" if self.audio.paused else "Playing")

    def seek(self, delta_s: float) -> str:
        duration = self.features.duration_s if self.features else 0.0
        target = min(max(self.song_time_s() + delta_s, 0.0), max(duration - 0.5, 0.0))
        self.audio.seek(target)
        return self.notify(f"Seek {'+' if delta_s > 0 else '-'}{abs(delta_s):g} s: {format_time(target)}")

    def change_volume(self, delta: float) -> str:
        self.audio.set_volume(self.audio.volume + delta)
        if self.audio.muted:
            self.audio.set_muted(False)
        return self.notify(f"Volume {round(self.audio.volume * 100)}%")

    def toggle_mute(self) -> str:
        self.audio.set_muted(not self.audio.muted)
        return self.notify("Muted" if self.audio.muted else "Unmuted")

    # --- the look ---

    def reshuffle(self) -> str:
        self.renderer.set_mapping(Mapping.random(self.rng), soft=self.soft_changes)
        self.autopilot.restart()
        self.state.preset_name = None
        self.state.overrides = {}
        if self.state.locked:
            return self.notify("Mapping reshuffled (still locked)")
        return self.notify("Mapping reshuffled")

    def toggle_lock(self) -> str:
        self.state.locked = not self.state.locked
        return self.notify("Mapping locked" if self.state.locked else "Mapping unlocked")

    def change_animation(self, delta: int) -> str:
        names = animation_names()
        current = names.index(self.renderer.animation_name) if self.renderer.animation_name in names else 0
        mapping = None if self.state.locked else Mapping.random(self.rng)
        for step in range(1, len(names)):  # a scene that cannot be shown is skipped
            name = names[(current + step * delta) % len(names)]
            if self._switch(name, mapping):
                break
        else:
            return self.state.messages[-1].text
        self.state.preset_name, self.state.overrides = None, {}
        self.autopilot.restart()
        return self.notify(f"Animation: {name}")

    def show_look(self, look: Look) -> bool:
        """Change to `look`: a preset's (applied as if loaded by its key), or an animation with
        the look's mapping (kept when the mapping is locked). False: it could not be shown
        (a broken scene), the current look stays."""
        if look.preset is not None:
            return self.apply_preset(look.preset.name, look.animation, look.mapping,
                                     look.parameters, look.preset.overrides)
        mapping = None if self.state.locked else look.mapping
        if not self._switch(look.animation, mapping, look.parameters):
            return False
        self.state.preset_name, self.state.overrides = None, {}
        return True

    def save_preset(self) -> str:
        from visualizer.presets import save_new_preset

        try:
            preset = save_new_preset(self.renderer.animation_name,
                                     self.renderer.mapping.assignment(self.renderer.parameters),
                                     self.state.overrides)
        except (OSError, DavisError) as error:
            return self.notify(f"Could not save preset: {error}", kind="error")
        self.state.preset_name = preset.name
        return self.notify(f"Saved preset {preset.name}")

    def load_preset(self, name_or_number: str) -> str:
        from visualizer.presets import find_preset

        try:
            preset = find_preset(name_or_number)
            animation, mapping, parameters = preset.resolve()
        except DavisError as error:
            return self.notify(f"Preset {name_or_number}: {error.message}", kind="error")
        if not self.apply_preset(preset.name, animation, mapping, parameters, preset.overrides):
            return self.state.messages[-1].text
        self.autopilot.restart()
        return self.notify(f"Loaded preset {preset.name} (mapping locked)")

    def apply_preset(self, name: str, animation: str, mapping: Mapping, parameters,
                     overrides) -> bool:
        if not self._switch(animation, mapping, parameters):
            return False
        self.state.preset_name = name
        self.state.overrides = dict(overrides)
        self.state.locked = True
        return True

    # --- the autopilot and favourites ---

    def toggle_autopilot(self) -> str:
        autopilot = self.autopilot
        autopilot.enabled = not autopilot.enabled
        autopilot.restart()
        if not autopilot.enabled:
            return self.notify("Autopilot off")
        return self.notify(f"Autopilot on: a new look every {autopilot.period_s:g} s, "
                           "sooner on a strong beat")

    def toggle_favourite(self) -> str:
        """V: the look showing becomes a favourite (saved as a preset first if it is not one),
        or stops being one."""
        return self._mark_favourite(lambda preset: None if preset.favourite else preset.rating)

    def rate(self) -> str:
        """G: one more star for the look showing (5 goes round to 1); makes it a favourite."""
        return self._mark_favourite(lambda preset: (preset.rating or 0) % 5 + 1
                                    if preset.favourite else preset.rating)

    def _mark_favourite(self, new_rating) -> str:
        """The look showing saved as a favourite, or its preset re-marked: `new_rating(preset)`
        gives its rating (None on a favourite: unmark it)."""
        from visualizer.presets import DEFAULT_RATING, find_preset, update_preset

        if self.state.preset_name is None:
            return self._save_favourite()
        try:
            preset = find_preset(self.state.preset_name)
            rating = new_rating(preset)
            if preset.favourite and rating is None:
                changed = update_preset(preset, favourite=False)
            else:
                changed = update_preset(preset, favourite=True, rating=rating or DEFAULT_RATING)
        except (OSError, DavisError) as error:
            return self.notify(f"Could not mark preset {self.state.preset_name}: {error}",
                               kind="error")
        self.looks.update(changed)
        if not changed.favourite:
            return self.notify(f"{changed.name}: no longer a favourite")
        return self.notify(f"Favourite {stars(changed.rating)}: {changed.name}")

    def _save_favourite(self) -> str:
        from visualizer.presets import DEFAULT_RATING, save_new_preset

        try:
            preset = save_new_preset(self.renderer.animation_name,
                                     self.renderer.mapping.assignment(self.renderer.parameters),
                                     self.state.overrides, favourite=True, rating=DEFAULT_RATING)
        except (OSError, DavisError) as error:
            return self.notify(f"Could not save the favourite: {error}", kind="error")
        self.state.preset_name = preset.name
        return self.notify(f"Favourite {stars(preset.rating)}: saved as preset {preset.name}")

    def toggle_hud(self) -> str:
        self.state.hud = not self.state.hud
        return ""

    def toggle_help(self) -> str:
        self.state.help = not self.state.help
        return ""


def stars(rating: int | None) -> str:
    """A rating as five stars, filled up to it ("★★★☆☆")."""
    filled = rating or 0
    return "★" * filled + "☆" * (5 - filled)
