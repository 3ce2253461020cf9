"""`davis animations`: what can be played, and what each animation's parameters do."""

from __future__ import annotations

from visualizer.console import out


def animations() -> None:
    """List the animations with their description and parameters."""
    from rich.table import Table

    from visualizer.animations import animation_class, animation_names

    table = Table(title="davis animations", show_lines=True)
    for column in ("name", "description", "parameters"):
        table.add_column(column)
    for name in animation_names():
        cls = animation_class(name)
        parameters = "\n".join(f"{p.name} ({p.min:g}–{p.max:g}, blur {p.blur})"
                               + (f": {p.description}" if p.description else "")
                               for p in cls.parameters())
        table.add_row(name, cls.description(), parameters)
    out.print(table)
