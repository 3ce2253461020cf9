"""The kaleidoscope animation, rendered offscreen through the Renderer (standalone EGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from encoder.features import N_FEATURES, Features
from tests.conftest_gl import (open_renderer, constant_features, difference, gl_context,  # noqa: F401
                               park_framebuffer, render_frames)
from visualizer.animations import animation_class, animation_names
from visualizer.animations.kaleidoscope import Kaleidoscope, fold_mesh
from visualizer.mapping import Mapping
from visualizer.renderer import Renderer

SIZE = (320, 180)
IDENTITY = Mapping(tuple(range(N_FEATURES)))  # parameter slot i reads feature i
SLOT = {name: slot for slot, name in enumerate(("rotationX", "rotationY", "amount", "sides",
                                                 "angleRGB", "zoom", "flash", "twist"))}
FRAMES = 21  # song time 0 .. 2 s in steps of 0.1 s (the renderer's largest step)

# Mean absolute difference (0–255, over every channel of every pixel) that counts as "the
# picture changed". Identical inputs give exactly 0 (test_deterministic), so any threshold
# above rounding noise separates; 2.0 demands a change over a large part of the frame — an
# edge-only or single-wedge artefact stays far below it, while the weakest parameter changes
# tested here (RGB-shift amount and direction, which move only the red and blue edges)
# measure about 4.4 and 5.2 at 320x180, and the others 35–56.
CHANGED = 2.0


def features(values: dict[int, float], frames: int = 200) -> Features:
    """Constant features: 0.5 everywhere except the given {feature: value}."""
    return constant_features(values, frames)


def render(ctx, feature_values: dict[int, float] | None = None, *, size=SIZE, seed: int = 0,
           frames: int = FRAMES) -> np.ndarray:
    """A fresh renderer's frame after `frames` steps of 0.1 s with constant features."""
    return render_frames(ctx, "kaleidoscope", features(feature_values or {}), size=size,
                         seed=seed, steps=frames)


def assert_lively(image: np.ndarray) -> None:
    """Not black, not one flat colour: a lit, coloured picture.

    (A large cube near the centre can still fill much of the sampled wedge for a moment,
    so the frames tested are chosen where seed 0 shows many cubes.)
    """
    assert image.mean() > 10, image.mean()
    assert image.max() > 150, image.max()
    colours = np.unique(image.reshape(-1, 3) // 16, axis=0)
    assert len(colours) >= 10, len(colours)


def test_registered_with_its_parameter_table():
    assert animation_class("kaleidoscope") is Kaleidoscope
    assert "kaleidoscope" in animation_names()
    parameters = {p.name: p for p in Kaleidoscope.parameters()}
    assert list(parameters) == list(SLOT)
    assert (parameters["sides"].avg, parameters["sides"].min, parameters["sides"].max) == (12, 0, 24)
    assert parameters["sides"].blur == 100 and parameters["rotationX"].blur == 50
    assert {name for name, p in parameters.items() if p.pulse > 0} == {"amount", "zoom", "flash",
                                                                        "twist"}
    assert all(p.description for p in parameters.values()) and Kaleidoscope.description()


def test_renders_a_lit_coloured_frame(gl_context):
    image = render(gl_context)
    assert image.shape == (SIZE[1], SIZE[0], 3)
    assert_lively(image)


def render_values(ctx, values: dict[str, float], *, seed: int = 0, steps: int = 5) -> np.ndarray:
    """The frame after `steps` updates of 0.1 s with these parameter values (pulses included)."""
    with open_renderer(ctx, SIZE, "kaleidoscope", IDENTITY, seed=seed) as renderer:
        merged = dict(renderer.values, **values)
        for _ in range(steps):
            renderer.draw(0.1, merged)
        return renderer.read_rgb().copy()


def test_rgb_shift_direction_changes_the_picture(gl_context):
    # angleRGB's min and max (0 and 2 pi) are the same direction: compare 0 with pi/2, with
    # a strong shift (the amount pulse at its peak) so that the direction shows
    a = render_values(gl_context, {"amount": 1.0, "angleRGB": 0.0})
    b = render_values(gl_context, {"amount": 1.0, "angleRGB": 0.5})
    assert difference(a, b) > CHANGED, difference(a, b)


def largest_colour_share(image: np.ndarray) -> float:
    """The share of the frame in its most common lit colour (16 levels per channel)."""
    quantised = (image // 16).reshape(-1, 3).astype(np.int32)
    keys = quantised[:, 0] * 256 + quantised[:, 1] * 16 + quantised[:, 2]
    lit = image.reshape(-1, 3).max(axis=1) > 40
    return np.bincount(keys[lit]).max() / len(keys) if lit.any() else 0.0


@pytest.mark.parametrize("seed", range(6))
def test_no_cube_face_floods_the_folded_picture(gl_context, seed):
    """Through a whole turn of the holder, no colour covers more than 38% of the frame.

    The fold mirrors one thin wedge of the scene into every ring of the picture, so a cube
    face that filled that wedge became a ring or disc of one colour over half the frame
    (0.48-0.61 of it at the worst angle of these seeds, before near cubes were kept small
    and faces got a highlight; 0.25-0.33 now).
    """
    with open_renderer(gl_context, SIZE, "kaleidoscope", IDENTITY, seed=seed) as renderer:
        values = dict(renderer.values, rotationX=0.008, rotationY=0.008, sides=12.0)
        shares = []
        for step in range(130):  # 6.2 rad about each axis
            renderer.draw(0.1, values)
            if step % 5 == 0:
                shares.append(largest_colour_share(renderer.read_rgb()))
    assert max(shares) <= 0.38, (seed, np.argmax(shares) * 5, max(shares))


@pytest.mark.parametrize("seed", range(6))
def test_never_one_flat_colour_however_the_cubes_turn(gl_context, seed):
    """The camera is never inside a cube: every holder angle shows a lit, varied picture."""
    for steps in (1, 40, 80, 120):
        image = render_values(gl_context, {"rotationX": 0.008, "rotationY": 0.008, "sides": 0.0},
                              seed=seed, steps=steps)
        colours = np.unique(image.reshape(-1, 3) // 16, axis=0)
        assert len(colours) >= 10, (seed, steps, len(colours))


def test_another_seed_gives_another_picture(gl_context):
    first = render(gl_context, {0: 0.8, 3: 0.3}, seed=7)
    other_seed = render(gl_context, {0: 0.8, 3: 0.3}, seed=8)
    assert difference(first, other_seed) > CHANGED


@pytest.mark.parametrize("sides", [0.0, 0.5, 1.0, 1.5, 2.7, 5.0, 12.0, 13.37, 24.0, 40.0])
@pytest.mark.parametrize("size", [(320, 180), (180, 320), (97, 61)])
def test_fold_covers_every_pixel(gl_context, sides, size):
    """No pixel is left unwritten by the kaleidoscope fan (at any sides, any aspect).

    Every written pixel has all channels above 0 (the background is (5, 5, 13) and the
    darkest lit cube channel is about 3), so a 0 would be a hole in the fan.
    """
    with open_renderer(gl_context, size, "kaleidoscope", IDENTITY, seed=1) as renderer:
        renderer.draw(0.5, dict(renderer.values, sides=sides))
        image = renderer.read_rgb()
        assert image.min() > 0, np.argwhere(image.min(axis=2) == 0)[:5]


# The 2017 page's passes per pixel: the kaleidoscope (KaleidoShader), then the RGB shift
# (RGBShiftShader) with davis's gain and highlight shoulder; each tap of the shift is folded
# on its own, as if the folded picture between the passes were continuous.
REFERENCE = """
#include "common/fullscreen.glsl"
#if defined FRAGMENT_SHADER
uniform sampler2D source;
uniform float sides;
uniform float aspect;
uniform vec2 offset;
uniform float gain;
out vec4 color;
vec2 fold(vec2 at) {
    vec2 p = (at - 0.5) * vec2(aspect, 1.0);
    if (sides >= 1.0) {
        float r = length(p);
        float wedge = 6.28318530718 / sides;
        float a = mod(atan(p.y, p.x), wedge);
        a = abs(a - 0.5 * wedge);
        p = r * vec2(cos(a), sin(a));
    }
    return p / vec2(aspect, 1.0) + 0.5;
}
void main() {
    vec3 lit = vec3(texture(source, fold(uv + offset)).r, texture(source, fold(uv)).g,
                    texture(source, fold(uv - offset)).b) * gain;
    vec3 t = max(lit - 0.8, 0.0) / 0.2;
    color = vec4(min(lit, 0.8) + 0.2 - 0.2 / (1.0 + t * (1.0 + 0.5 * t)), 1.0);
}
#endif
"""


def reference_program(ctx):
    from visualizer.shaders import GLSL_VERSION, shader_source

    source = REFERENCE.replace('#include "common/fullscreen.glsl"',
                               shader_source("common/fullscreen.glsl"))
    return ctx.program(
        vertex_shader=f"{GLSL_VERSION}\n#define VERTEX_SHADER\n{source}",
        fragment_shader=f"{GLSL_VERSION}\n#define FRAGMENT_SHADER\n{source}")


def compared_pixels(sides: float, size: tuple[int, int], reach_px: float) -> np.ndarray:
    """Pixels whose shift taps stay inside the frame and off atan's seam (the negative x
    axis, where the wedges start again when `sides` is not whole): beyond either, the two
    pictures may differ by design."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width] + 0.5
    x, y = x - width / 2, y - height / 2
    inside = ((x > reach_px - width / 2) & (x < width / 2 - reach_px)
              & (y > reach_px - height / 2) & (y < height / 2 - reach_px))
    off_seam = (x >= 0) | (np.abs(y) > reach_px) | (sides < 1.0) | (sides == round(sides))
    return inside & off_seam


@pytest.mark.parametrize("sides", [0.0, 1.0, 2.5, 7.0, 12.0, 24.0])
@pytest.mark.parametrize("amount, angle_rgb, flash", [(0.0, 0.0, 0.0), (0.6, 0.3, 0.4)])
def test_fold_and_shift_match_the_per_pixel_kaleidoscope_then_the_shift(
        gl_context, sides, amount, angle_rgb, flash):
    """The one draw (a triangle fan with its shift taps turned into the scene, and mirrored
    back where they cross a mirror line) gives the picture of the original two passes: the
    per-pixel fold (KaleidoShader), then the RGB shift of the folded picture.

    Both sample the same scene texture with nearest filtering; they may pick a neighbouring
    texel where a sample lands on a texel boundary, and near the centre a tap may cross two
    mirror lines (the draw reflects once), so a few pixels in a thousand may differ.
    """
    import moderngl

    from visualizer.animations.kaleidoscope import RGB_SHIFT_SCALE

    ctx = gl_context
    renderer = Renderer(ctx, SIZE, "kaleidoscope", IDENTITY, seed=2)
    resources = []
    try:
        animation = renderer.animation
        renderer.values = dict(renderer.values, sides=sides, amount=amount,
                               angleRGB=angle_rgb, flash=flash)  # no features: values stay
        renderer.render(0.0)
        renderer.render(0.1)
        shown = np.frombuffer(renderer.texture.read(), np.uint8).reshape(-1, 4)[:, :3]

        target = ctx.texture(SIZE, 4)
        program = reference_program(ctx)
        framebuffer = ctx.framebuffer(color_attachments=[target])
        vao = ctx.vertex_array(program, [])
        resources += [target, program, framebuffer, vao]
        shift = RGB_SHIFT_SCALE * amount
        program["sides"].value = sides
        program["aspect"].value = SIZE[0] / SIZE[1]
        program["gain"].value = 1 + flash
        program["offset"].value = (shift * math.cos(math.pi * angle_rgb) * SIZE[1] / SIZE[0],
                                   shift * math.sin(math.pi * angle_rgb))
        animation.scene_texture.use(location=0)
        framebuffer.use()
        vao.render(moderngl.TRIANGLES, vertices=3)
        reference = np.frombuffer(target.read(), np.uint8).reshape(-1, 4)[:, :3]
        compared = compared_pixels(sides, SIZE, RGB_SHIFT_SCALE * amount * SIZE[1] + 2)
        compared = compared[::-1].ravel()  # GL rows run bottom up
        differing = (shown[compared] != reference[compared]).any(axis=1).mean()
        assert differing < 0.005, differing
        assert np.abs(shown[compared].astype(int) - reference[compared]).mean() < 0.5
    finally:
        while resources:
            resources.pop().release()
        renderer.release()
        park_framebuffer(ctx)


def test_fold_mesh_shapes():
    assert fold_mesh(0.0, 16 / 9).shape == (6, 8)
    assert fold_mesh(float("nan"), 1.0).shape == (6, 8)
    for sides in (1.0, 3.5, 12.0, 24.0):
        mesh = fold_mesh(sides, 16 / 9)
        assert mesh.shape[0] % 3 == 0 and mesh.dtype == np.float32
        assert np.all(np.isfinite(mesh))
    # a preset raising `sides` absurdly cannot make the mesh (or its rebuild) explode
    assert len(fold_mesh(1e9, 1.0)) <= 3 * (2 * 256 + 4)
    # one triangle per half wedge (plus the pieces cut at the atan seam)
    assert len(fold_mesh(12.0, 1.0)) // 3 == 24
    assert math.isclose(np.abs(fold_mesh(12.0, 1.0)[:, :2]).max(), 1.01 * math.sqrt(2)
                        / math.cos(math.pi / 8), rel_tol=1e-5)


def test_survives_a_resize(gl_context):
    with open_renderer(gl_context, SIZE, "kaleidoscope", IDENTITY, seed=0) as renderer:
        renderer.set_features(features({}))
        for frame in range(20):
            renderer.render(frame * 0.1)
        assert_lively(renderer.read_rgb())
        # Renderer.resize releases its bound target before creating the new one; park first
        # so that moderngl's rebind after creation finds a live framebuffer.
        park_framebuffer(gl_context)
        renderer.resize((256, 400))
        assert renderer.animation.size == (256, 400)
        for frame in range(20, 30):
            renderer.render(frame * 0.1)
        image = renderer.read_rgb()
        assert image.shape == (400, 256, 3)
        assert_lively(image)
        assert image.min() > 0  # the fold covers the new (portrait) frame
