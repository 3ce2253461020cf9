"""Kaleidoscope (after Felix Turner): lit cubes turning in a holder, folded into mirrored wedges.

The 2017 page drew 100 Lambert cubes (size 100, scale 0.05–3.05, random position in a
2000-wide box, random rotation) lit by one point light, in a holder turning by rotationX /
rotationY per 60 fps frame, seen from z = 1000 with a 50° vertical field of view; then a
kaleidoscope pass and an RGB-shift pass. What differs: the fold mirrors one thin wedge of
the scene into every ring of the picture, so one cube face filling that wedge made the frame
one flat colour (the camera inside a cube) or a ring of one colour over half of it. So the
cubes stay inside a ball the turning holder can never bring the camera into, none spans more
than MAX_NEAR_SPAN of the view at its nearest (twice as many, smaller cubes keep the cloud
full), and the cubes are lit per vertex with a soft Blinn-Phong highlight, so a broad face's
shade runs across it instead of reading as one colour (at no cost per pixel). Three
pulse-driven parameters make the picture answer the music: a zoom of the lens, a flash of
exposure and a twist of the holder. Here the cubes are one instanced draw whose per-cube
matrices and colours are fixed at creation; the holder's rotation is a uniform, so a frame
costs a few uniform writes and two draws.

Cost on a software rasteriser (llvmpipe) drives three choices that do not change the
picture: the kaleidoscope is a fan of triangles carrying exact source coordinates (the fold
is piecewise affine) rather than atan/cos/sin per pixel; the RGB shift is done in the same
draw, its taps turned into the scene by each triangle's rotation or reflection and mirrored
back into the half-wedge, instead of a second full-screen pass over the folded picture
(each costs a third of a 1080p frame); and the cubes are drawn only inside the scissor box
of the one half-wedge of the scene that the fold ever reads.
"""

from __future__ import annotations

import colorsys
import math

import moderngl
import numpy as np

from visualizer.animations.base import Animation, Frame
from visualizer.animations.scene import uniform_bytes, view_projection
from visualizer.passes import RenderTarget
from visualizer.shaders import load_program

N_CUBES = 200  # twice the original's 100, as the near ones are smaller (MAX_NEAR_SPAN)
CUBE_SIZE = 100.0
SCALE_RANGE = (0.05, 3.05)
BOX_WIDTH = 2000.0
CAMERA_Z = 1000.0
# every point of every cube stays within this distance of the origin, so however the holder
# turns, no cube comes nearer the camera (at CAMERA_Z) than 0.45 CAMERA_Z and fills the view
HOLDER_RADIUS = 0.55 * CAMERA_Z
FOV_Y_DEG = 50.0
# nor does any cube, at its nearest, span more than this fraction of the view's height (with
# the lens at rest): one face filling the folded wedge made a frame one flat colour
MAX_NEAR_SPAN = 0.25
NEAR, FAR = 1.0, 10000.0
LIGHT_POSITION = (600.0, 900.0, 1400.0)  # world space, above right of the camera
AMBIENT = 0.18
SPECULAR, SHININESS = 0.35, 12.0  # a soft white highlight
BACKGROUND = (0.02, 0.02, 0.05, 1.0)
RGB_SHIFT_SCALE = 0.03  # amount 1 (the most) shifts red and blue by 3% of the screen height
MAX_ZOOM = 0.6  # the lens narrows by at most this fraction of its field of view
TAU = 2.0 * math.pi
MAX_PIECE = math.pi / 4  # widest triangle of the kaleidoscope fan, radians
MAX_SIDES = 256.0  # a preset may raise `sides`; past this the wedges are thinner than a pixel
# Nearest sampling, for the 1:1 rotations and reflections of the fold, costs half of bilinear
# on llvmpipe for a difference only along cube edges.
FOLD_FILTER = moderngl.NEAREST


def cube_mesh(size: float) -> np.ndarray:
    """36 vertices of (position, normal) for a cube of edge `size`, counter-clockwise outside."""
    half = size / 2.0
    vertices = []
    for axis in range(3):
        for sign in (1.0, -1.0):
            normal = np.zeros(3)
            normal[axis] = sign
            u = np.zeros(3)
            u[(axis + 1) % 3] = 1.0
            v = np.cross(normal, u)  # u x v = normal, so (u, v) is counter-clockwise from outside
            corners = [normal + s * u + t * v for s, t in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
            for index in (0, 1, 2, 0, 2, 3):
                vertices.append(np.concatenate([corners[index] * half, normal]))
    return np.array(vertices, dtype="f4")


def euler_xyz(angles: np.ndarray) -> np.ndarray:
    """(n, 3) Euler angles -> (n, 3, 3) matrices Rx @ Ry @ Rz (Three.js's default order)."""
    cx, cy, cz = np.cos(angles).T
    sx, sy, sz = np.sin(angles).T
    one, zero = np.ones_like(cx), np.zeros_like(cx)
    rx = np.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], axis=-1).reshape(-1, 3, 3)
    ry = np.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], axis=-1).reshape(-1, 3, 3)
    rz = np.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], axis=-1).reshape(-1, 3, 3)
    return rx @ ry @ rz


def largest_scale(distance: np.ndarray) -> np.ndarray:
    """The largest cube scale at this distance from the centre that keeps MAX_NEAR_SPAN.

    The holder brings a cube's nearest corner to CAMERA_Z - distance - half its diagonal from
    the camera, where its edge must span at most MAX_NEAR_SPAN of the view's height.
    """
    span = MAX_NEAR_SPAN * 2.0 * math.tan(math.radians(FOV_Y_DEG) / 2.0)  # edge / nearest
    edge = span * (CAMERA_Z - distance) / (1.0 + span * math.sqrt(3) / 2)
    return edge / CUBE_SIZE


def cube_instances(seed: int) -> np.ndarray:
    """(N_CUBES, 19) float32: column-major model matrix (16) and colour (3) per cube."""
    rng = np.random.default_rng(seed)
    scale = rng.uniform(*SCALE_RANGE, N_CUBES)
    position = rng.uniform(-BOX_WIDTH / 2, BOX_WIDTH / 2, (N_CUBES, 3))
    # pull cubes reaching past HOLDER_RADIUS towards the centre, keeping their direction
    half_diagonal = scale * CUBE_SIZE * math.sqrt(3) / 2
    allowed = np.maximum(HOLDER_RADIUS - half_diagonal, 0.0)
    distance = np.maximum(np.linalg.norm(position, axis=1), 1e-9)
    position *= np.minimum(1.0, allowed / distance)[:, None]
    scale = np.minimum(scale, largest_scale(np.linalg.norm(position, axis=1)))
    rotation = rng.uniform(0.0, TAU, (N_CUBES, 3))
    hue = rng.uniform(0.0, 1.0, N_CUBES)
    saturation = rng.uniform(0.55, 0.9, N_CUBES)
    value = rng.uniform(0.75, 1.0, N_CUBES)

    model = np.zeros((N_CUBES, 4, 4))
    model[:, :3, :3] = euler_xyz(rotation) * scale[:, None, None]
    model[:, :3, 3] = position
    model[:, 3, 3] = 1.0
    colour = np.array([colorsys.hsv_to_rgb(h, s, v) for h, s, v in zip(hue, saturation, value)])
    # GLSL reads a mat4 attribute column by column: store the transpose row-major.
    return np.concatenate([model.transpose(0, 2, 1).reshape(N_CUBES, 16), colour],
                          axis=1).astype("f4")


def fold_mesh(sides: float, aspect: float) -> np.ndarray:
    """Triangles (n * 3, 8) of (x, y in NDC, u, v in the scene, m00, m01, m10, m11) that fold
    the scene; m is the triangle's linear map of a step on the screen to the step in the
    scene that it shows (both aspect-corrected), which turns the RGB shift's taps into the
    scene.

    The GLSL equivalent: p = (uv - 0.5) * (aspect, 1); a = atan(p.y, p.x) in (-pi, pi];
    w = 2 pi / sides; a' = |mod(a, w) - w / 2|; sample at |p| (cos a', sin a'). Within the
    half-wedge [k w, k w + w/2] that is a reflection (a' = k w + w/2 - a), within
    [k w + w/2, (k + 1) w] a rotation (a' = a - k w - w/2): affine, so exact per vertex.
    Fewer than one side: no folding (one full-screen quad); more than MAX_SIDES: MAX_SIDES.
    """
    sides = min(sides, MAX_SIDES)
    if not sides >= 1.0:  # also catches NaN
        corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        return np.array([(x, y, (x + 1) / 2, (y + 1) / 2, 1.0, 0.0, 0.0, 1.0)
                         for index in (0, 1, 2, 0, 2, 3) for x, y in [corners[index]]], dtype="f4")
    wedge = TAU / sides
    # every screen point lies within the half diagonal; triangles no wider than MAX_PIECE
    # reach that far if their far corners are at this distance
    rho = 1.01 * math.hypot(aspect, 1.0) / 2.0 / math.cos(MAX_PIECE / 2.0)

    def vertex(angle: float, source_angle: float) -> tuple[float, float, float, float]:
        if abs(angle) == math.pi:  # the two sides of the atan seam must meet exactly
            x, y = -rho, 0.0
        else:
            x, y = rho * math.cos(angle), rho * math.sin(angle)
        return (2.0 * x / aspect, 2.0 * y,
                rho * math.cos(source_angle) / aspect + 0.5, rho * math.sin(source_angle) + 0.5)

    def step_map(middle: float, mirror: bool) -> tuple[float, float, float, float]:
        # the half-wedge is reflected about the angle middle / 2, or turned by -middle
        c, s = math.cos(middle), math.sin(middle)
        return (c, s, s, -c) if mirror else (c, s, -s, c)

    centre = (0.0, 0.0, 0.5, 0.5)
    rows = []
    for k in range(math.floor(-math.pi / wedge), math.ceil(math.pi / wedge)):
        middle = k * wedge + wedge / 2.0
        for low, high, mirror in ((k * wedge, middle, True), (middle, (k + 1) * wedge, False)):
            low, high = max(low, -math.pi), min(high, math.pi)
            if high - low <= 1e-9:
                continue
            pieces = math.ceil((high - low) / MAX_PIECE - 1e-9)
            edges = [low + (high - low) * i / pieces for i in range(pieces)] + [high]
            steps = step_map(middle, mirror)
            for a0, a1 in zip(edges, edges[1:]):
                s0, s1 = (middle - a0, middle - a1) if mirror else (a0 - middle, a1 - middle)
                rows += [(*corner, *steps) for corner in (centre, vertex(a0, s0), vertex(a1, s1))]
    return np.array(rows, dtype="f4")


def shift_margin(size: tuple[int, int]) -> int:
    """Pixels around the fold's source box that the RGB shift's taps may reach."""
    return 2 + math.ceil(RGB_SHIFT_SCALE * size[1])


def fold_source_box(sides: float, size: tuple[int, int], margin: int = 2) -> tuple[int, int, int, int]:
    """The pixel box (x, y, w, h) of the scene that `fold_mesh` reads (all of it if no fold)."""
    width, height = size
    sides = min(sides, MAX_SIDES)
    if not sides >= 1.0:
        return (0, 0, width, height)
    aspect = width / max(height, 1)
    reach = math.hypot(aspect, 1.0) / 2.0
    half = min(math.pi / sides, math.pi)
    angles = [0.0, half] + [a for a in (math.pi / 2, math.pi) if a < half]
    xs = [0.0] + [reach * math.cos(a) for a in angles]
    ys = [0.0] + [reach * math.sin(a) for a in angles]
    x0 = max(0, math.floor((min(xs) / aspect + 0.5) * width) - margin)
    x1 = min(width, math.ceil((max(xs) / aspect + 0.5) * width) + margin)
    y0 = max(0, math.floor((min(ys) + 0.5) * height) - margin)
    y1 = min(height, math.ceil((max(ys) + 0.5) * height) + margin)
    return (x0, y0, max(x1 - x0, 0), max(y1 - y0, 0))


class Kaleidoscope(Animation):
    name = "kaleidoscope"
    order = 3

    def __init__(self, ctx, size: tuple[int, int], seed: int = 0) -> None:
        super().__init__(ctx, size, seed)
        self._angle_x = 0.0
        self._angle_y = 0.0
        with self.building():
            self._build()

    @property
    def scene_texture(self):
        """The unfolded scene the fold samples (RGBA, the frame's size)."""
        return self._scene.texture

    def _build(self) -> None:
        ctx = self.ctx
        self._cubes = self.own(load_program(ctx, "kaleidoscope/cubes.glsl"))
        self._mesh = self.own(ctx.buffer(cube_mesh(CUBE_SIZE).tobytes()))
        self._instances = self.own(ctx.buffer(cube_instances(self.seed).tobytes()))
        self._cube_vao = self.own(ctx.vertex_array(self._cubes, [
            (self._mesh, "3f 3f", "in_position", "in_normal"),
            (self._instances, "16f 3f/i", "in_model", "in_color"),
        ]))
        self._cubes["light_position"].value = LIGHT_POSITION
        self._cubes["ambient"].value = AMBIENT
        self._cubes["camera_position"].value = (0.0, 0.0, CAMERA_Z)
        self._cubes["shininess"].value = SHININESS
        self._cubes["specular"].value = SPECULAR
        self._holder_angle = self._cubes["holder_angle"]
        self._view_projection = self._cubes["view_projection"]

        self._scene = self.own(RenderTarget(ctx, self.size, depth=True, filter=FOLD_FILTER))
        self._fold = self.own(load_program(ctx, "kaleidoscope/kaleidoscope.glsl"))
        self._fold["source"].value = 0
        self._fold_mesh = self.own(ctx.buffer(reserve=64 * 3 * 32))
        self._fold_vao = self.own(ctx.vertex_array(self._fold, [
            (self._fold_mesh, "2f 2f 4f", "in_position", "in_source", "in_step_map")]))
        self._shift_offset = self._fold["offset"]
        self._gain = self._fold["gain"]
        self._fold_key = None
        self._fold_vertices = 0
        self._scissor = (0, 0, *self.size)
        self._apply_size()

    def _apply_size(self) -> None:
        width, height = self.size
        self._aspect = width / max(height, 1)
        self._fold["aspect"].value = self._aspect
        self._fold["uv_scale"].value = (1.0 / self._aspect, 1.0)
        self._lens = None
        self._fold_key = None

    def _set_lens(self, zoom: float) -> None:
        """Narrow the field of view by `zoom` (0: the original 50°)."""
        zoom = min(max(zoom, 0.0), MAX_ZOOM)  # frame values are finite
        if self._lens != (zoom, self.size):
            self._view_projection.write(uniform_bytes(view_projection(
                self.size, FOV_Y_DEG * (1.0 - zoom), (0.0, 0.0, CAMERA_Z), near=NEAR, far=FAR)))
            self._lens = (zoom, self.size)

    def _refold(self, sides: float) -> None:
        """Rebuild the fold mesh and the scene's scissor box (only when sides or size changed)."""
        mesh = fold_mesh(sides, self._aspect)
        data = mesh.tobytes()
        if len(data) > self._fold_mesh.size:
            self._fold_mesh.orphan(len(data))  # same buffer object, more room
        self._fold_mesh.write(data)
        self._fold_vertices = len(mesh)
        self._scissor = fold_source_box(sides, self.size, margin=shift_margin(self.size))
        folded = sides >= 1.0  # also False for NaN
        half = math.pi / min(sides, MAX_SIDES) if folded else None
        self._fold["edge_normal"].value = (-math.sin(half), math.cos(half)) if folded else (0, 0)
        self._fold["folded"].value = folded
        self._scene.framebuffer.scissor = self._scissor
        self._fold_key = (sides, self.size)

    def draw(self, frame: Frame, target) -> None:
        ctx, values = self.ctx, frame.values
        frames = 60.0 * frame.dt_s  # the original turned the holder by rotationX/Y per 60 fps frame
        twist = values["twist"] * frame.dt_s  # radians on a pulse
        self._angle_x = (self._angle_x + values["rotationX"] * frames + 0.6 * twist) % TAU
        self._angle_y = (self._angle_y + values["rotationY"] * frames + twist) % TAU

        sides = values["sides"]
        if self._fold_key is None or self._fold_key[0] != sides:
            self._refold(sides)

        self._set_lens(values["zoom"])
        scene = self._scene.framebuffer
        scene.use()
        scene.clear(*BACKGROUND, viewport=self._scissor)
        ctx.enable_only(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.cull_face = "back"
        self._holder_angle.value = (self._angle_x, self._angle_y)
        self._cube_vao.render(moderngl.TRIANGLES, instances=N_CUBES)
        ctx.enable_only(moderngl.NOTHING)

        amount = RGB_SHIFT_SCALE * min(max(values["amount"], 0.0), 1.0)  # within the margin
        angle = math.pi * values["angleRGB"]
        self._shift_offset.value = (amount * math.cos(angle), amount * math.sin(angle))
        self._gain.value = 1.0 + max(values["flash"], 0.0)
        self._scene.texture.use(location=0)
        target.use()
        self._fold_vao.render(moderngl.TRIANGLES, vertices=self._fold_vertices)

    def resize(self, size: tuple[int, int]) -> None:
        if size == self.size:
            return
        super().resize(size)
        self._scene.resize(size)
        self._apply_size()
