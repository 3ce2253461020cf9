"""A scene's GLSL made into a program: davis's header (Shadertoy's inputs, the learned
features, one uniform per declared parameter), the user's file verbatim, and a `main` that
calls its `mainImage`. Errors name the scene's file and line."""

from __future__ import annotations

import re
from pathlib import Path

import moderngl

from visualizer.scenes.catalogue import SceneError, SceneSpec
from visualizer.resources import shaders_folder
from visualizer.shaders import GLSL_VERSION, INCLUDE, expand_include, name_lines

HEADER_NAME = "<davis scene header>"
SHADERTOY_UNIFORMS = """\
uniform vec3 iResolution;
uniform float iTime;
uniform float iTimeDelta;
uniform int iFrame;
uniform float iFrameRate;
uniform vec4 iMouse;
uniform vec4 iDate;
uniform float iSampleRate;
uniform vec3 iChannelResolution[4];
uniform float iChannelTime[4];
uniform sampler2D iChannel0;
uniform float davis_features[10];
uniform float davis_pulses[10];"""
FOOTER = """\
void main() {
    vec4 davis_rgba = vec4(0.0, 0.0, 0.0, 1.0);
    mainImage(davis_rgba, gl_FragCoord.xy);
    davis_color = vec4(davis_rgba.rgb, 1.0);
}"""
VERTEX_SHADER = f"""{GLSL_VERSION}
void main() {{
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}}
"""
# the inputs davis gives, by the names the compiled program reports them
KNOWN_INPUTS = {"iResolution", "iTime", "iTimeDelta", "iFrame", "iFrameRate", "iMouse", "iDate",
                "iSampleRate", "iChannelResolution", "iChannelTime", "iChannel0",
                "davis_features", "davis_pulses"}

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_MAIN_IMAGE = re.compile(r"\bvoid\s+mainImage\s*\(")
_MAIN = re.compile(r"\bvoid\s+main\s*\(\s*(void\s*)?\)")
_VERSION = re.compile(r"^\s*#\s*version\b", re.MULTILINE)
_OTHER_CHANNEL = re.compile(r"\biChannel([1-9])\b")
_UNIFORM = re.compile(r"\buniform\s+\w+\s+(\w+)")


def _without_comments(text: str) -> str:
    """The source with comments blanked out, keeping every newline (so lines still count)."""
    return _COMMENTS.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)


# moderngl expands `#include "x"` anywhere in a source, comments included, and raises
# KeyError for a name it was not given
_MODERNGL_INCLUDE = re.compile(r"#include(?=\s)")


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def fragment_source(spec: SceneSpec, text: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """The fragment stage for a scene whose file holds `text`, and each line's (file, line)."""
    code = _without_comments(text)
    where = str(spec.shader)
    if _VERSION.search(code):
        line = _line_of(code, _VERSION.search(code).start())
        raise SceneError(f"{where}:{line}: remove the #version line (davis adds its own)")
    if _MAIN.search(code):
        line = _line_of(code, _MAIN.search(code).start())
        raise SceneError(f"{where}:{line}: a scene defines mainImage(out vec4, in vec2), "
                         "as on Shadertoy, not main()")
    if not _MAIN_IMAGE.search(code):
        raise SceneError(f"{where}: no mainImage(out vec4 fragColor, in vec2 fragCoord) "
                         "defined")
    other = _OTHER_CHANNEL.search(code)
    if other:
        raise SceneError(f"{where}:{_line_of(code, other.start())}: iChannel{other.group(1)} "
                         "is not available: davis binds only iChannel0 (the audio texture)")
    header = [GLSL_VERSION, *SHADERTOY_UNIFORMS.splitlines()]
    for parameter in spec.parameters:
        header.append(f"uniform float {parameter.name};")
        header.append(f"uniform float {parameter.name}_integral;")
    header.append("out vec4 davis_color;")
    user, user_origins = _with_includes(text, code, where)
    footer = FOOTER.splitlines()
    origins = ([(HEADER_NAME, n) for n in range(1, len(header) + 1)]
               + user_origins
               + [(HEADER_NAME, len(header) + n) for n in range(1, len(footer) + 1)])
    return "\n".join(header + user + footer) + "\n", tuple(origins)


def _with_includes(text: str, code: str,
                   where: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The scene's lines with each `#include "common/NAME.glsl"` replaced by davis's shared
    GLSL (hsv(), ...), and each line's (file, line). Only `common/` files can be included,
    each at most once. `code` is `text` without its comments: an include that is commented
    out stays a comment (and is defused, since moderngl would expand it even there)."""
    lines: list[str] = []
    origins: list[tuple[str, int]] = []
    seen: set[str] = set()
    libraries: list[str] | None = None  # listed at the first #include
    for number, (line, line_code) in enumerate(zip(text.split("\n"), code.split("\n")),
                                               start=1):
        match = INCLUDE.match(line_code)
        if match is None:
            lines.append(_MODERNGL_INCLUDE.sub("# include", line))
            origins.append((where, number))
            continue
        name, libraries = match.group(1), libraries or includable()
        if name not in libraries:
            raise SceneError(f"{where}:{number}: cannot include {name!r}: a scene may include "
                             f"davis's shared GLSL ({', '.join(libraries)})")
        if name not in seen:
            expand_include(name, seen, lines, origins)
    return lines, origins


def includable() -> list[str]:
    """davis's shared GLSL libraries a scene may #include: the `common/` files that hold
    functions only (no shader stages of their own)."""
    stage = re.compile(r"defined\s+(VERTEX|FRAGMENT|GEOMETRY)_SHADER")
    return sorted(f"common/{path.name}" for path in (shaders_folder() / "common").glob("*.glsl")
                  if not stage.search(path.read_text(encoding="utf-8")))


def compile_scene(ctx, spec: SceneSpec, text: str | None = None):
    """The scene's moderngl Program (SceneError with file:line when it does not compile,
    or when it declares a uniform davis does not give)."""
    if text is None:
        try:
            text = Path(spec.shader).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SceneError(f"cannot read the scene's shader ({error})", spec.shader) from None
    source, origins = fragment_source(spec, text)
    try:
        program = ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=source)
    except moderngl.Error as error:
        log = name_lines(str(error), origins)
        raise SceneError(f"scene {spec.key} failed to compile: {_first_error(log)}") from None
    declared = {p.name for p in spec.parameters} | {f"{p.name}_integral" for p in spec.parameters}
    for name in program:
        member = program[name]
        base = name.split("[")[0]
        if isinstance(member, moderngl.Uniform) and base not in KNOWN_INPUTS | declared:
            program.release()
            match = re.search(rf"\buniform\s+\w+\s+{re.escape(base)}\b", _without_comments(text))
            line = f":{_line_of(text, match.start())}" if match else ""
            raise SceneError(f"{spec.shader}{line}: uniform {base!r} is not an input davis gives "
                             "(declare it as a [[parameter]] in scene.toml, or make it a const)")
    return program


def _first_error(log: str) -> str:
    """The first line of a compiler log that names an error (the log's gist, on one line)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() and ":" in line and not line.lower().startswith("glsl compiler"):
            return line
    return " ".join(lines)[:300]
