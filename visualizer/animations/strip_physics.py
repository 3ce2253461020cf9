"""A strip of particles held together by distance constraints: the physics of `lights`.

The 2017 page used Particulate.js: N particles, particle i linked to i - 1 and i - 2 by
distance constraints that keep each link between 0.5 and 1.0 times `distance`, one
attractor–repulsor point force at the origin, Verlet integration with friction, and
`system.tick(0.5)` once per 60 fps frame. Here the same system is a few vectorised numpy
passes (no Python loop over particles or constraints):

* the point force (Particulate's ATTRACTOR_REPULSOR `PointForce`): F = -k d (|d|² - r²) / |d|²
  for a particle at offset d from the point, i.e. a pull towards the point outside the radius
  r and a push away from it inside, so the strip settles on a shell of radius r. A particle
  of mass m is accelerated by F / m;
* Verlet integration: x' = x + (1 - friction)(x - x_prev) + a h²;
* constraint relaxation: the strip's links fall into four sets in which no particle appears
  twice — (i, i-1) for even i, for odd i, and (i, i-2) for i // 2 even, for i // 2 odd — so
  each set is projected in one numpy pass without write conflicts (Gauss–Seidel between
  the sets, Jacobi within one), a fixed number of times per tick.

Explicit integration of a stiff force overshoots when the step is large against the mass,
so two guards keep every parameter value stable: the force's step factor k h² / m is capped
at `MAX_FORCE_FACTOR` (masses below k h² / MAX_FORCE_FACTOR = 0.025 act like 0.025), and no
particle is kicked by more than `MAX_KICK` per tick (the 1/|d| repulsion near the point).
"""

from __future__ import annotations

import numpy as np

TICK = 0.5                 # Particulate time step per tick (the original's tick(0.5))
TICKS_PER_SECOND = 60.0    # one tick per 60 fps frame, as in the original
FRICTION = 0.05
FORCE_INTENSITY = 0.05
FORCE_RADIUS = 15.0
RANGE = (0.5, 1.0)         # link length limits, in multiples of `distance`
ITERATIONS = 2             # constraint relaxation passes per tick
MAX_FORCE_FACTOR = 0.5     # cap on k h² / m (the near-shell stiffness is then at most 1)
MAX_KICK = 2.0             # world units a force may move a particle in one tick
INITIAL_RADIUS = 20.0      # particles start uniformly in a ball of this radius
_EPS = 1e-12


def random_ball(count: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """`count` points uniformly distributed in a ball (float64, (count, 3))."""
    direction = rng.normal(size=(count, 3))
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), _EPS)
    return direction * (radius * np.cbrt(rng.uniform(0.0, 1.0, (count, 1))))


def link_pairs(count: int) -> np.ndarray:
    """(links, 2) particle indices of every constraint: (i, i-1) and (i, i-2)."""
    i1 = np.arange(1, count)
    i2 = np.arange(2, count)
    return np.concatenate([np.stack([i1, i1 - 1], axis=1), np.stack([i2, i2 - 2], axis=1)])


def point_force_step(positions: np.ndarray, h: float, mass: float,
                     intensity: float = FORCE_INTENSITY,
                     radius: float = FORCE_RADIUS) -> np.ndarray:
    """The displacement a h² that the point force at the origin gives each particle this tick."""
    factor = min(intensity * h * h / max(mass, _EPS), MAX_FORCE_FACTOR)
    dist2 = np.einsum("ij,ij->i", positions, positions)[:, None]
    dist = np.sqrt(dist2)
    # F / m h² = -d * factor * (|d|² - r²) / |d|²; |kick| = |coef| * |d| <= MAX_KICK
    coef = factor * (1.0 - radius * radius / np.maximum(dist2, _EPS))
    limit = MAX_KICK / np.maximum(dist, _EPS)
    np.clip(coef, -limit, limit, out=coef)
    return positions * -coef


def relax_links(a: np.ndarray, b: np.ndarray, low: float, high: float) -> None:
    """Project each pair (a[k], b[k]) to a distance within [low, high], moving both halfway.

    `a` and `b` are views into the positions array with no particle in both or twice, so
    the in-place updates cannot conflict.
    """
    delta = b - a
    dist = np.sqrt(np.einsum("...j,...j->...", delta, delta))[..., None]
    target = np.clip(dist, low, high)
    delta *= 0.5 * (dist - target) / np.maximum(dist, _EPS)
    a += delta
    b -= delta


class StripPhysics:
    """`count` particles (a multiple of 4) in a strip, stepped with a fixed tick.

    `advance(dt_s, ...)` runs as many ticks as `dt_s` seconds hold at TICKS_PER_SECOND
    (carrying the fraction to the next call, at most `max_ticks` per call), so the motion
    does not depend on the frame rate and the same dt sequence gives the same positions.
    """

    def __init__(self, count: int, seed: int = 0, *, max_ticks: int = 6,
                 initial_radius: float = INITIAL_RADIUS) -> None:
        if count < 8 or count % 4:
            raise ValueError(f"particle count must be a multiple of 4, at least 8 (got {count})")
        self.count = count
        self.max_ticks = max_ticks
        rng = np.random.default_rng(seed)
        self.positions = random_ball(count, initial_radius, rng)
        self.previous = self.positions.copy()
        self._owed = 0.0
        self.ticks = 0
        self._views()

    def _views(self) -> None:
        """The four conflict-free link sets, as (a, b) views of `positions` (`link_sets`)."""
        pairs = self.positions.reshape(-1, 2, 3)   # rows (2k, 2k+1)
        quads = self.positions.reshape(-1, 4, 3)   # rows (4k .. 4k+3)
        self.link_sets = (
            (pairs[:, 1], pairs[:, 0]),           # (i, i-1), i odd
            (pairs[1:, 0], pairs[:-1, 1]),        # (i, i-1), i even >= 2
            (quads[:, 2:4], quads[:, 0:2]),       # (i, i-2), i % 4 in {2, 3}
            (quads[1:, 0:2], quads[:-1, 2:4]),    # (i, i-2), i % 4 in {0, 1}, i >= 4
        )

    def tick(self, mass: float, distance: float, h: float = TICK,
             iterations: int = ITERATIONS, radius: float = FORCE_RADIUS) -> None:
        """One Particulate tick: point force, Verlet step with friction, relaxation."""
        p, prev = self.positions, self.previous
        step = point_force_step(p, h, mass, radius=radius)
        step += (1.0 - FRICTION) * (p - prev)
        prev[...] = p
        p += step
        self.relax(distance, iterations)
        self.ticks += 1

    def relax(self, distance: float, iterations: int = ITERATIONS) -> None:
        distance = max(distance, 0.0)
        low, high = RANGE[0] * distance, RANGE[1] * distance
        for _ in range(iterations):
            for a, b in self.link_sets:
                relax_links(a, b, low, high)

    def advance(self, dt_s: float, mass: float, distance: float,
                radius: float = FORCE_RADIUS) -> int:
        """Run the ticks that `dt_s` seconds hold (the shell at `radius`); returns how many ran."""
        if not dt_s > 0.0:
            return 0
        self._owed += dt_s * TICKS_PER_SECOND
        ticks = int(self._owed + 1e-9)
        self._owed -= ticks
        if ticks > self.max_ticks:  # a stall: slow down rather than spend a long frame
            ticks, self._owed = self.max_ticks, 0.0
        for _ in range(ticks):
            self.tick(mass, distance, radius=radius)
        return ticks

    def link_lengths(self) -> np.ndarray:
        pairs = link_pairs(self.count)
        return np.linalg.norm(self.positions[pairs[:, 0]] - self.positions[pairs[:, 1]], axis=1)
