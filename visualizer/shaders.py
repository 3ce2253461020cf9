"""GLSL programs from `shaders/`: one file per program, with a tiny #include step.

A program file holds its stages behind `#if defined VERTEX_SHADER` / `FRAGMENT_SHADER`
(and optionally `GEOMETRY_SHADER`); `#include "common/noise.glsl"` pastes a file from the
shaders folder. Compile errors name the file and line, inside included files too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from encoder.errors import DavisError
from visualizer.resources import shaders_folder

GLSL_VERSION = "#version 330 core"
COMPUTE_GLSL_VERSION = "#version 430 core"  # compute shaders and storage buffers
INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)
STAGES = {"vertex_shader": "VERTEX_SHADER", "fragment_shader": "FRAGMENT_SHADER",
          "geometry_shader": "GEOMETRY_SHADER"}


def expand_include(name: str, seen: set[str], lines: list[str],
                   origins: list[tuple[str, int]]) -> None:
    """Append `shaders/<name>` to `lines` with its own #includes resolved, skipping files in
    `seen` (each file is pasted at most once), and each line's (file, line) to `origins`."""
    seen.add(name)
    path = shaders_folder() / name
    if not path.is_file():
        raise DavisError(f"shader file not found: {path}")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = INCLUDE.match(line)
        if match is None:
            lines.append(line)
            origins.append((name, number))
        elif match.group(1) not in seen:
            expand_include(match.group(1), seen, lines, origins)


@lru_cache(maxsize=None)
def expanded_source(relative: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """A shader file's text with its #includes resolved (each file at most once), and for
    each of its lines the (file, line number) it came from."""
    lines: list[str] = []
    origins: list[tuple[str, int]] = []
    expand_include(relative, set(), lines, origins)
    return "\n".join(lines) + "\n", tuple(origins)


def shader_source(relative: str) -> str:
    """A shader file's text with its #includes resolved."""
    return expanded_source(relative)[0]


# where GL compilers put the line in their logs: Mesa "0:12(5): error", NVIDIA "0(12) : error",
# others "ERROR: 0:12: ..."
_LOG_LINE = re.compile(r"\b0(?::(\d+)\((\d+)\)|\((\d+)\)|:(\d+):)")


def name_lines(log: str, origins: tuple[tuple[str, int], ...]) -> str:
    """A compiler log with each "0:line" position replaced by the file and line it names."""
    def replace(match: re.Match) -> str:
        line = int(match.group(1) or match.group(3) or match.group(4))
        if not 1 <= line <= len(origins):
            return match.group(0)
        name, number = origins[line - 1]
        column = f"({match.group(2)})" if match.group(2) else ""
        return f"{name}:{number}{column}" + (":" if match.group(4) else "")
    return _LOG_LINE.sub(replace, log)


def load_program(ctx, relative: str, defines: dict[str, object] | None = None, *,
                 version: str = GLSL_VERSION):
    """Compile `shaders/<relative>` into a moderngl Program (`version`: its #version line,
    for the few programs that need more than GLSL 3.30)."""
    source, origins = expanded_source(relative)
    stages = {argument: _stage_source(source, define, defines, version)
              for argument, define in STAGES.items() if f"defined {define}" in source}
    return _compiled(relative, origins, lambda: ctx.program(**stages))


def load_compute(ctx, relative: str, defines: dict[str, object] | None = None):
    """Compile `shaders/<relative>` (its COMPUTE_SHADER part, GLSL 4.30) into a moderngl
    ComputeShader."""
    source, origins = expanded_source(relative)
    text = _stage_source(source, "COMPUTE_SHADER", defines, COMPUTE_GLSL_VERSION)
    return _compiled(relative, origins, lambda: ctx.compute_shader(text))


def _stage_source(source: str, define: str, defines: dict[str, object] | None,
                  version: str) -> str:
    header = "\n".join(f"#define {key} {value}" for key, value in (defines or {}).items())
    return f"{version}\n#define {define}\n{header}\n#line 1\n{source}"


def _compiled(relative: str, origins, compile):
    try:
        return compile()
    except Exception as error:  # moderngl raises its generic Error with the GL log
        raise DavisError(f"shader {relative} failed to compile: "
                         f"{name_lines(str(error), origins)}") from None


def shader_path(relative: str) -> Path:
    return shaders_folder() / relative
