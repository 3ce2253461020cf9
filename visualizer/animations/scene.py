"""Small helpers the 3D animations share: camera matrices and the original's HSL colours."""

from __future__ import annotations

import colorsys
import math

import numpy as np


def perspective(fov_y_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    """OpenGL perspective projection (vertical field of view in degrees)."""
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    return np.array([
        [f / aspect, 0.0, 0.0, 0.0],
        [0.0, f, 0.0, 0.0],
        [0.0, 0.0, (far + near) / (near - far), 2.0 * far * near / (near - far)],
        [0.0, 0.0, -1.0, 0.0],
    ])


def look_at(eye, target, up=(0.0, 1.0, 0.0)) -> np.ndarray:
    """View matrix of a camera at `eye` looking at `target`."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    forward = target - eye
    forward /= np.linalg.norm(forward)
    side = np.cross(forward, up)
    side /= np.linalg.norm(side)
    upward = np.cross(side, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = side, upward, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def view_projection(size: tuple[int, int], fov_y_deg: float, eye, target=(0.0, 0.0, 0.0),
                    near: float = 1.0, far: float = 1000.0) -> np.ndarray:
    """Projection times view for a framebuffer of `size` (width, height)."""
    width, height = size
    return perspective(fov_y_deg, width / max(height, 1), near, far) @ look_at(eye, target)


def uniform_bytes(matrix: np.ndarray) -> bytes:
    """A matrix as a GLSL mat4 uniform expects it (column-major float32)."""
    return np.ascontiguousarray(matrix.T, dtype="f4").tobytes()


def hsl(hue_deg: float, saturation_pct: float, lightness_pct: float) -> tuple[float, float, float]:
    """Three.js's Color.setHSL(h / 360, s / 100, l / 100) as an RGB triple in [0, 1]."""
    return colorsys.hls_to_rgb((hue_deg / 360.0) % 1.0, min(max(lightness_pct / 100.0, 0.0), 1.0),
                               min(max(saturation_pct / 100.0, 0.0), 1.0))
