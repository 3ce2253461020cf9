"""GLSL programs from `shaders/`: one file per program, with a tiny #include step.

A program file holds its stages behind `#if defined VERTEX_SHADER` / `FRAGMENT_SHADER`
(and optionally `GEOMETRY_SHADER`); `#include "common/noise.glsl"` pastes a file from the
shaders folder. Compile errors name the file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from encoder.errors import DavisError
from visualizer.resources import shaders_folder

GLSL_VERSION = "#version 330 core"
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)
STAGES = {"vertex_shader": "VERTEX_SHADER", "fragment_shader": "FRAGMENT_SHADER",
          "geometry_shader": "GEOMETRY_SHADER"}


@lru_cache(maxsize=None)
def shader_source(relative: str) -> str:
    """A shader file's text with its #includes resolved (each file at most once)."""
    root = shaders_folder()
    seen: set[str] = set()

    def expand(name: str) -> str:
        if name in seen:
            return ""
        seen.add(name)
        path = root / name
        if not path.is_file():
            raise DavisError(f"shader file not found: {path}")
        text = path.read_text(encoding="utf-8")
        return _INCLUDE.sub(lambda match: expand(match.group(1)), text)

    return expand(relative)


def load_program(ctx, relative: str, defines: dict[str, object] | None = None):
    """Compile `shaders/<relative>` into a moderngl Program."""
    source = shader_source(relative)
    header = "\n".join(f"#define {key} {value}" for key, value in (defines or {}).items())
    stages = {}
    for argument, define in STAGES.items():
        if f"defined {define}" in source:
            stages[argument] = f"{GLSL_VERSION}\n#define {define}\n{header}\n#line 1\n{source}"
    try:
        return ctx.program(**stages)
    except Exception as error:  # moderngl raises its generic Error with the GL log
        raise DavisError(f"shader {relative} failed to compile: {error}") from None


def shader_path(relative: str) -> Path:
    return shaders_folder() / relative
