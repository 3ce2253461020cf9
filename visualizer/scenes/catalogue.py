"""Where scenes are and what each declares: shipped ones in `shaders/scenes/`, the user's in
`<user data>/scenes/` (`~/.local/share/davis/scenes`, or `$DAVIS_DATA_DIR/scenes`).

A scene is a folder holding one fragment shader (`scene.glsl`, or its only `.glsl` file) and
an optional `scene.toml`, or a single `.glsl` file; its name is the folder's or file's name.
Nothing here runs code from those folders: a scene is GLSL and TOML only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from encoder.errors import DavisError
from visualizer.parameters import Parameter, parameter_table, read_toml
from visualizer.resources import shaders_folder, user_data_folder

SCENE_FILE = "scene.glsl"
SCENE_TOML = "scene.toml"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# names a parameter may not take: Shadertoy's inputs (iTime...), davis's, GLSL's own
RESERVED = re.compile(r"^(i[A-Z]|davis_|gl_)|_integral$")
GLSL_WORDS = frozenset("""attribute const uniform varying layout centroid flat smooth break continue
do for while switch case default if else in out inout float int void bool true false invariant
discard return mat2 mat3 mat4 vec2 vec3 vec4 ivec2 ivec3 ivec4 bvec2 bvec3 bvec4 uint uvec2
uvec3 uvec4 lowp mediump highp precision sampler2D struct main mainImage""".split())
TOML_KEYS = {"name", "description", "author", "licence", "license", "parameter"}


class SceneError(DavisError):
    """A scene that cannot be used: a bad scene.toml, a missing shader, a compile error."""


@dataclass(frozen=True)
class SceneSpec:
    """What a scene folder (or file) declares. `key` is its name in `--animation`, presets
    and `davis animations`; `signature` changes whenever one of its files is saved."""

    key: str
    source: Path        # the scene folder, or its single .glsl file
    shader: Path
    toml: Path | None
    title: str
    description: str
    author: str
    licence: str
    parameters: tuple[Parameter, ...]
    shipped: bool
    signature: tuple

    @property
    def folder(self) -> Path:
        return self.shader.parent


def user_scenes_folder() -> Path:
    return user_data_folder() / "scenes"


def shipped_scenes_folder() -> Path:
    return shaders_folder() / "scenes"


def scene_paths() -> dict[str, tuple[Path, bool]]:
    """Every scene's name -> (its folder or file, shipped?); a user's scene of the same name
    as a shipped one takes its place."""
    found: dict[str, tuple[Path, bool]] = {}
    for folder, shipped in ((shipped_scenes_folder(), True), (user_scenes_folder(), False)):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            name = entry.stem if entry.suffix == ".glsl" else entry.name
            if entry.name.startswith(".") or not NAME_PATTERN.match(name):
                continue
            if entry.is_dir() or (entry.is_file() and entry.suffix == ".glsl"):
                found[name] = (entry, shipped)
    return found


def file_signature(*paths: Path | None) -> tuple:
    """(mtime_ns, size) of each file, None where it is missing: changes on every save."""
    signature = []
    for path in paths:
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None
        signature.append(None if stat is None else (stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def scene_files(path: Path) -> tuple[Path, Path | None]:
    """(the fragment shader, the scene.toml or None) of a scene folder or .glsl file."""
    path = Path(path)
    if path.is_file():
        if path.suffix != ".glsl":
            raise SceneError("a scene is a folder or a .glsl file", path)
        toml = path.parent / SCENE_TOML if path.name == SCENE_FILE else None
        return path, toml if toml is not None and toml.is_file() else None
    if not path.is_dir():
        raise SceneError("no such scene folder or file", path)
    shader = path / SCENE_FILE
    if not shader.is_file():
        shaders = sorted(path.glob("*.glsl"))
        if len(shaders) != 1:
            raise SceneError(f"a scene folder holds {SCENE_FILE} (or exactly one .glsl file); "
                             f"found {len(shaders)} .glsl files", path)
        shader = shaders[0]
    toml = path / SCENE_TOML
    return shader, toml if toml.is_file() else None


def load_scene_spec(path: Path, *, key: str | None = None, shipped: bool = False) -> SceneSpec:
    """Read a scene folder or file (SceneError, one line naming the file, when it is bad)."""
    shader, toml = scene_files(path)
    path = Path(path)
    key = key or (path.stem if path.is_file() and path.name != SCENE_FILE else
                  (shader.parent.name if path.is_file() else path.name))
    signature = file_signature(shader, toml)
    data: dict = {}
    if toml is not None:
        try:
            data = read_toml(toml)
        except DavisError as error:
            raise SceneError(error.message.replace("parameter file", "scene.toml"), toml) from None
        unknown = set(data) - TOML_KEYS
        if unknown:
            raise SceneError(f"unknown key(s) {', '.join(sorted(unknown))} (allowed: "
                             f"{', '.join(sorted(TOML_KEYS - {'license'}))})", toml)
        for field in ("name", "description", "author", "licence", "license"):
            if field in data and not isinstance(data[field], str):
                raise SceneError(f"{field} must be a string", toml)
    parameters = parameter_table(data, toml) if toml is not None else ()
    for parameter in parameters:
        check_parameter_name(parameter.name, toml)
    return SceneSpec(key=key, source=path, shader=shader, toml=toml, title=data.get("name", key),
                     description=data.get("description", f"User scene {key}"),
                     author=data.get("author", ""),
                     licence=data.get("licence", data.get("license", "")),
                     parameters=parameters, shipped=shipped, signature=signature)


def check_parameter_name(name: object, where: Path | None) -> None:
    if not isinstance(name, str) or not IDENTIFIER.match(name):
        raise SceneError(f"parameter name {name!r} is not a GLSL identifier", where)
    if RESERVED.search(name) or name in GLSL_WORDS:
        raise SceneError(f"parameter name {name!r} is reserved (a GLSL word, or a name like "
                         "iTime, davis_*, gl_* or *_integral)", where)
