"""On-screen text (HUD, help, messages, song titles) drawn in GL from pygame.font surfaces.

Panels are rendered with pygame.font only when their text changes and uploaded as textures;
drawing them is one textured quad each. Sizes follow the window height, so text reads the
same at 720p and at 4K.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from visualizer.shaders import load_program
from visualizer.snapshot import Snapshot

_serials = itertools.count()

WHITE = (235, 235, 235)
DIM = (160, 160, 170)
ACCENT = (120, 200, 255)
ERROR = (255, 110, 110)
PANEL = (10, 10, 16, 190)


@dataclass
class Panel:
    key: str
    surface: object  # pygame.Surface with per-pixel alpha
    x: int
    y: int
    serial: int = field(default_factory=lambda: next(_serials))  # new content, new texture


class Fonts:
    """pygame fonts scaled to the window height (the default font ships with pygame)."""

    def __init__(self, height: int) -> None:
        import pygame.font

        pygame.font.init()
        self.height = height
        base = max(16, round(height / 36))
        self.body = pygame.font.Font(None, base)
        self.large = pygame.font.Font(None, round(base * 1.8))
        self.padding = max(6, base // 2)


def _panel_surface(rows: list[list[tuple[str, tuple]]], fonts: Fonts, font=None, bars=None):
    """A rounded dark panel holding rows of (text, colour) cells, columns aligned."""
    import pygame

    font = font or fonts.body
    rendered = [[font.render(text, True, colour) for text, colour in row] for row in rows]
    columns = max((len(row) for row in rendered), default=0)
    widths = [max((row[c].get_width() for row in rendered if len(row) > c), default=0)
              for c in range(columns)]
    gap = fonts.padding * 2
    line = font.get_linesize()
    bar_height = (fonts.padding * 6) if bars is not None else 0
    width = sum(widths) + gap * max(columns - 1, 0) + 2 * fonts.padding
    if bars is not None:
        width = max(width, len(bars) * fonts.padding * 3 + 2 * fonts.padding)
    height = line * len(rendered) + 2 * fonts.padding + bar_height
    surface = pygame.Surface((max(width, 1), max(height, 1)), pygame.SRCALPHA)
    pygame.draw.rect(surface, PANEL, surface.get_rect(), border_radius=fonts.padding)
    y = fonts.padding
    for row in rendered:
        x = fonts.padding
        for column, cell in enumerate(row):
            surface.blit(cell, (x, y))
            x += widths[column] + gap
        y += line
    if bars is not None:
        slot = (width - 2 * fonts.padding) / len(bars)
        for index, value in enumerate(bars):
            full = bar_height - fonts.padding
            filled = max(1, round(full * float(value)))
            rect = pygame.Rect(round(fonts.padding + index * slot + slot * 0.15),
                               y + full - filled, max(1, round(slot * 0.7)), filled)
            pygame.draw.rect(surface, ACCENT, rect)
    return surface


def help_panel(rows: list[tuple[str, str]], fonts: Fonts, screen: tuple[int, int]) -> Panel:
    """The keys and what they do (`visualizer.keys.help_rows`), centred."""
    lines = [[("davis — keys", ACCENT)]] + [[(key, ACCENT), (what, WHITE)] for key, what in rows]
    surface = _panel_surface(lines, fonts)
    return Panel("help", surface, (screen[0] - surface.get_width()) // 2,
                 (screen[1] - surface.get_height()) // 2)


def message_panel(text: str, kind: str, fonts: Fonts, screen: tuple[int, int], index: int) -> Panel:
    colour = ERROR if kind == "error" else WHITE
    surface = _panel_surface([[(text, colour)]], fonts)
    y = screen[1] - (surface.get_height() + fonts.padding) * (index + 1) - fonts.padding
    return Panel(f"message{index}", surface, fonts.padding * 2, y)


def title_panel(text: str, fonts: Fonts, screen: tuple[int, int]) -> Panel:
    surface = _panel_surface([[(text, WHITE)]], fonts, font=fonts.large)
    return Panel("title", surface, (screen[0] - surface.get_width()) // 2, fonts.padding * 4)


def hud_panel(snapshot: Snapshot, fonts: Fonts) -> Panel:
    """fps, frame time, song time, animation, the feature→parameter table and feature bars."""
    frame_ms = 1000 / snapshot.fps if snapshot.fps > 0 else 0.0
    locked = "  (locked)" if snapshot.locked else ""
    rows = [
        [(f"{snapshot.fps:.0f} fps", ACCENT), (f"{frame_ms:.1f} ms/frame", DIM)],
        [(snapshot.clock(" / "), WHITE), (snapshot.animation + locked, WHITE)],
        [("feature", DIM), ("parameter", DIM), ("source", DIM), ("value", DIM)],
    ]
    for row in snapshot.rows:
        rows.append([(f"f{row.feature}", ACCENT), (row.parameter, WHITE), (row.source, DIM),
                     (f"{row.value:.4g}", WHITE)])
    if snapshot.preset:
        rows.append([("preset", DIM), (snapshot.preset, WHITE)])
    surface = _panel_surface(rows, fonts, bars=snapshot.features)
    return Panel("hud", surface, fonts.padding * 2, fonts.padding * 2)


class OverlayRenderer:
    """Uploads panels as textures (only when they change) and draws them with alpha blending."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.program = load_program(ctx, "common/overlay.glsl")
        self.vao = ctx.vertex_array(self.program, [])
        self._textures: dict[str, tuple[int, object]] = {}

    def draw(self, panels: list[Panel], screen: tuple[int, int]) -> None:
        import moderngl
        import pygame

        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self.program["screen"].value = screen
        for panel in panels:
            texture = self._texture_for(panel, pygame)
            texture.use(0)
            self.program["rect"].value = (panel.x, panel.y, *panel.surface.get_size())
            self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4)
        self.ctx.disable(moderngl.BLEND)

    def _texture_for(self, panel: Panel, pygame):
        identity = panel.serial
        cached = self._textures.get(panel.key)
        if cached is not None and cached[0] == identity:
            return cached[1]
        if cached is not None:
            cached[1].release()
        data = pygame.image.tobytes(panel.surface, "RGBA")
        texture = self.ctx.texture(panel.surface.get_size(), 4, data)
        self._textures[panel.key] = (identity, texture)
        return texture

    def release(self) -> None:
        for _, texture in self._textures.values():
            texture.release()
        self._textures.clear()
        self.vao.release()
        self.program.release()
