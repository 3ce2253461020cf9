"""Shader files: shared GLSL through #include, and compile errors that point at the right line."""

from __future__ import annotations

import pytest

from encoder.errors import DavisError
from tests.conftest_gl import gl_context  # noqa: F401
from visualizer import shaders


@pytest.fixture
def shader_tree(tmp_path, monkeypatch):
    """A shaders folder of our own: a program that includes a helper file."""
    (tmp_path / "common").mkdir()
    (tmp_path / "scene").mkdir()
    monkeypatch.setattr(shaders, "shaders_folder", lambda: tmp_path)
    shaders.expanded_source.cache_clear()
    yield tmp_path
    shaders.expanded_source.cache_clear()


PROGRAM = """\
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
out vec4 colour;
#include "common/helper.glsl"
void main() {
    colour = vec4(helper(uv.x), 1.0);
}
#endif
"""


def write_program(tree, helper_body: str) -> None:
    from visualizer.resources import data_folder

    (tree / "common" / "fullscreen.glsl").write_text(
        (data_folder("shaders") / "common" / "fullscreen.glsl").read_text())
    (tree / "common" / "helper.glsl").write_text(
        "// a shared helper\n\nvec3 helper(float x) {\n" + helper_body + "\n}\n")
    (tree / "scene" / "scene.glsl").write_text(PROGRAM)


def test_a_helper_is_shared_by_include(gl_context, shader_tree):
    write_program(shader_tree, "    return vec3(x);")
    program = shaders.load_program(gl_context, "scene/scene.glsl")
    program.release()
    assert "vec3 helper(float x)" in shaders.shader_source("scene/scene.glsl")


def test_an_error_in_an_included_file_names_that_file_and_line(gl_context, shader_tree):
    write_program(shader_tree, "    return vec3(x) * undefined_name;")
    with pytest.raises(DavisError) as caught:
        shaders.load_program(gl_context, "scene/scene.glsl")
    message = str(caught.value)
    assert "scene/scene.glsl failed to compile" in message
    assert "common/helper.glsl:4" in message, message


def test_the_animations_share_one_hsv():
    """hsv() is written once, in shaders/common/color.glsl, and reaches both users."""
    from visualizer.resources import shaders_folder

    definitions = [path for path in shaders_folder().rglob("*.glsl")
                   if "vec3 hsv(" in path.read_text()]
    assert [path.name for path in definitions] == ["color.glsl"]
    for program in ("field/shade.glsl", "tunnel/tunnel.glsl"):
        assert "vec3 hsv(" in shaders.shader_source(program)
