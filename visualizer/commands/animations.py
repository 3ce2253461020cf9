"""`davis animations`: what can be played, and what each animation's parameters do."""

from __future__ import annotations

from visualizer.console import out


def animations() -> None:
    """List the animations and scenes with their description and parameters (scenes: the
    shipped ones and yours, in the user scenes folder; see `davis scenes`)."""
    from rich.markup import escape
    from rich.table import Table

    from encoder.errors import DavisError
    from visualizer.animations import animation_class, animation_names
    from visualizer.scenes.catalogue import scene_paths, user_scenes_folder

    scenes = scene_paths()
    table = Table(title="davis animations", show_lines=True)
    for column in ("name", "kind", "description", "parameters"):
        table.add_column(column)
    for name in animation_names():
        kind = "built in"
        if name in scenes:
            kind = "scene" if scenes[name][1] else f"your scene\n{escape(str(scenes[name][0]))}"
        try:
            cls = animation_class(name)
        except DavisError as error:
            table.add_row(name, kind, f"[red]cannot be used: {escape(str(error))}[/]", "")
            continue
        parameters = "\n".join(f"{p.name} ({p.min:g}–{p.max:g}, {p.source})"
                               + (f": {p.description}" if p.description else "")
                               for p in cls.parameters())
        table.add_row(name, kind, escape(cls.description()), escape(parameters))
    out.print(table)
    out.print(f"[dim]Your scenes: {user_scenes_folder()} (davis scenes new NAME starts one)[/]")
