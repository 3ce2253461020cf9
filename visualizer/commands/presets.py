"""`davis presets`: list, show and remove saved looks."""

from __future__ import annotations

from typing import Annotated

import typer

from visualizer.console import fail, out

app = typer.Typer(help="Saved looks (animation + mapping): list, show, remove. "
                       "In the player, S saves one and keys 1–9 load them.",
                  no_args_is_help=True)


@app.command("list")
def list_command() -> None:
    """List shipped and user presets; the number is the player's key 1–9, the stars a
    favourite's rating (V and G in the player)."""
    from rich.table import Table

    from visualizer.player import stars
    from visualizer.presets import list_presets, user_presets_folder

    table = Table(title="davis presets")
    for column in ("#", "name", "animation", "favourite", "kind", "created"):
        table.add_column(column, no_wrap=column == "name")
    for number, preset in enumerate(list_presets(), start=1):
        table.add_row(str(number), preset.name, preset.animation,
                      stars(preset.rating) if preset.favourite else "",
                      "shipped" if preset.shipped else "user", preset.created[:10])
    out.print(table)
    out.print(f"[dim]User presets: {user_presets_folder()}[/]")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Name, number or .json path.")]) -> None:
    """Show a preset: its animation and which feature drives each parameter."""
    from rich.table import Table

    from encoder.errors import DavisError
    from visualizer.presets import find_preset

    try:
        preset = find_preset(name)
        animation, mapping, parameters = preset.resolve()
    except DavisError as error:
        fail(str(error))
    table = Table(title=f"{preset.name} ({'shipped' if preset.shipped else 'user'}) — {animation}")
    for column in ("parameter", "feature", "blur", "range"):
        table.add_column(column)
    assignment = mapping.assignment(parameters)
    for parameter in parameters:
        table.add_row(parameter.name, f"f{assignment[parameter.name]}", str(parameter.blur),
                      f"{parameter.min:g} … {parameter.avg:g} … {parameter.max:g}")
    out.print(table)
    out.print(f"[dim]{preset.path}  created {preset.created or '?'}  davis {preset.davis_version or '?'}[/]")


@app.command("rm")
def remove(name: Annotated[str, typer.Argument(help="A user preset's name.")]) -> None:
    """Delete a user preset (shipped presets cannot be removed)."""
    from encoder.errors import DavisError
    from visualizer.presets import remove_user_preset

    try:
        path = remove_user_preset(name)
    except DavisError as error:
        fail(str(error))
    out.print(f"Removed {path}")
