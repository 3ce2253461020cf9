"""Presets: a saved look (animation + mapping + parameter overrides) as a small JSON file.

User presets live in the user data folder and are searched before the shipped ones in
`presets/`; a user preset with a shipped preset's name (a shipped look marked as a
favourite) takes its place. Saving a new look never overwrites: each save gets a new name.
Marking a favourite or a rating rewrites only that file, atomically, keeping any keys this
version does not know; files without those keys (older ones) read as not favourite.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from encoder.errors import DavisError
from encoder.files import atomic_write_text
from visualizer.resources import shipped_presets_folder, user_data_folder


class PresetError(DavisError):
    """A preset that cannot be found or used."""


DEFAULT_RATING = 3  # what a look marked as a favourite starts with
KNOWN_KEYS = {"name", "animation", "mapping", "overrides", "created", "davis_version",
              "favourite", "rating"}


@dataclass(frozen=True)
class Preset:
    name: str
    animation: str
    mapping: dict[str, int]
    overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    created: str = ""
    davis_version: str = ""
    favourite: bool = False
    rating: int | None = None  # 1–5 stars, or None (unrated)
    extra: dict = field(default_factory=dict)  # keys of newer versions, written back as read
    path: Path | None = None
    shipped: bool = False

    def to_json(self) -> str:
        data = {**self.extra, "name": self.name, "animation": self.animation,
                "mapping": self.mapping, "overrides": self.overrides, "created": self.created,
                "davis_version": self.davis_version}
        if self.favourite or self.rating is not None:
            data.update(favourite=self.favourite, rating=self.rating)
        return json.dumps(data, indent=2) + "\n"

    @property
    def weight(self) -> int:
        """How likely a random choice among favourites picks this one: its stars (3 unrated)."""
        return self.rating or DEFAULT_RATING

    def resolve(self):
        """(animation name, Mapping, parameters with overrides), checked against the animation."""
        from visualizer.animations import animation_class
        from visualizer.mapping import Mapping

        where = str(self.path or self.name)
        try:
            parameters = animation_class(self.animation).parameters()
        except DavisError as error:
            raise PresetError(f"{where}: {error.message}") from None
        by_name = {p.name: p for p in parameters}
        unknown = set(self.overrides) - set(by_name)
        if unknown:
            raise PresetError(f"{where}: overrides name unknown parameter(s) "
                              f"{', '.join(sorted(unknown))} of {self.animation}")
        if not all(isinstance(o, dict) for o in self.overrides.values()):
            raise PresetError(f"{where}: each override must be a table like {{\"min\": 1}}")
        adjusted = tuple(p.overridden(self.overrides[p.name], where) if p.name in self.overrides
                         else p for p in parameters)
        try:
            mapping = Mapping.from_assignment(parameters, self.mapping, where)
        except DavisError as error:
            raise PresetError(error.message) from None
        return self.animation, mapping, adjusted


def user_presets_folder() -> Path:
    return user_data_folder() / "presets"


def parse_preset(text: str, path: Path | None, shipped: bool = False) -> Preset:
    """A preset from JSON text; the structure is checked here, the content by `resolve`."""
    where = str(path) if path else "preset"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PresetError(f"{where}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(data, dict):
        raise PresetError(f"{where}: a preset is a JSON object")
    missing = [key for key in ("animation", "mapping") if key not in data]
    if missing:
        raise PresetError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(data["animation"], str) or not isinstance(data["mapping"], dict):
        raise PresetError(f"{where}: 'animation' must be a name and 'mapping' an object")
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise PresetError(f"{where}: 'overrides' must be an object")
    rating = data.get("rating")
    if rating is not None and not valid_rating(rating):
        raise PresetError(f"{where}: 'rating' must be a whole number from 1 to 5")
    name = str(data.get("name") or (path.stem if path else "preset"))
    return Preset(name=name, animation=data["animation"], mapping=data["mapping"],
                  overrides=overrides, created=str(data.get("created", "")),
                  davis_version=str(data.get("davis_version", "")),
                  favourite=data.get("favourite") is True, rating=rating,
                  extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
                  path=path, shipped=shipped)


def read_preset(path: Path, shipped: bool = False) -> Preset:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"{path}: cannot read ({getattr(error, 'strerror', None) or error})") from None
    return parse_preset(text, Path(path), shipped)


def list_presets() -> list[Preset]:
    """Shipped presets (by name) then user presets (oldest first): the numbering of keys 1–9.

    Files that fail to parse are left out here; `find_preset` reports them by name.
    """
    found: list[Preset] = []
    for folder, shipped in ((shipped_presets_folder(), True), (user_presets_folder(), False)):
        presets = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                presets.append(read_preset(path, shipped))
            except PresetError:
                continue
        if shipped:
            found += presets
            continue
        position = {preset.path.stem: index for index, preset in enumerate(found)}
        for preset in sorted(presets, key=lambda p: (p.created, p.name)):
            if preset.path.stem in position:  # a user copy of a shipped preset: in its place
                found[position[preset.path.stem]] = preset
            else:
                found.append(preset)
    return found


def valid_rating(rating) -> bool:
    """1 to 5 stars, a whole number (not a bool, not 4.0)."""
    return type(rating) is int and 1 <= rating <= 5


def favourite_presets() -> list[Preset]:
    """The presets marked as favourites, in `list_presets` order."""
    return [preset for preset in list_presets() if preset.favourite]


def update_preset(preset: Preset, *, favourite: bool | None = None,
                  rating: int | None = None) -> Preset:
    """The preset marked (or unmarked) as a favourite and/or rated, written back atomically.

    A user preset's own file is re-read first (so nothing written meanwhile is lost) and
    replaced in one rename; a shipped preset gets a user copy under its name.
    """
    if rating is not None and not valid_rating(rating):
        raise PresetError(f"a rating is 1 to 5 stars, not {rating}")
    if preset.shipped or preset.path is None:
        folder = user_presets_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{preset.name}.json"
        current = read_preset(path) if path.is_file() else preset
    else:
        path = preset.path
        current = read_preset(path)
    changed = replace(current, path=path, shipped=False,
                      favourite=current.favourite if favourite is None else favourite,
                      rating=current.rating if rating is None else rating)
    atomic_write_text(path, changed.to_json())
    return changed


def find_preset(name_or_path: str) -> Preset:
    """A preset by file path, list number (1, 2…) or name (user presets win over shipped)."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".json" or os.sep in name_or_path or candidate.is_file():
        if not candidate.is_file():
            raise PresetError(f"{candidate}: no such preset file")
        return read_preset(candidate)
    if name_or_path.isdigit():
        presets = list_presets()
        number = int(name_or_path)
        if not 1 <= number <= len(presets):
            raise PresetError(f"no preset number {number} ({len(presets)} presets; "
                              "see davis presets list)")
        return presets[number - 1]
    for folder, shipped in ((user_presets_folder(), False), (shipped_presets_folder(), True)):
        path = folder / f"{name_or_path}.json"
        if path.is_file():
            return read_preset(path, shipped)
    raise PresetError(f"no preset named {name_or_path!r} (davis presets list shows them)")


def save_new_preset(animation: str, mapping: dict[str, int],
                    overrides: dict[str, dict[str, float]] | None = None,
                    stem: str | None = None, *, favourite: bool = False,
                    rating: int | None = None) -> Preset:
    """Write a new user preset under a fresh name `<stem>-<n>`; never replaces a file."""
    from visualizer import version

    folder = user_presets_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem or animation
    number = 1
    while True:
        name = f"{stem}-{number}"
        path = folder / f"{name}.json"
        preset = Preset(name=name, animation=animation, mapping=dict(mapping),
                        overrides=dict(overrides or {}),
                        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        davis_version=version(), favourite=favourite, rating=rating,
                        path=path)
        if not path.exists():
            staging = folder / f".{name}.json.new"
            atomic_write_text(staging, preset.to_json())
            try:
                os.link(staging, path)  # fails if another process took the name meanwhile
                return preset
            except FileExistsError:
                pass
            finally:
                staging.unlink(missing_ok=True)
        number += 1


def remove_user_preset(name: str) -> Path:
    path = user_presets_folder() / f"{name}.json"
    if not path.is_file():
        if (shipped_presets_folder() / f"{name}.json").is_file():
            raise PresetError(f"{name!r} is a shipped preset; only user presets can be removed")
        raise PresetError(f"no user preset named {name!r} (davis presets list shows them)")
    path.unlink()
    return path
