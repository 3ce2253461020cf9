"""The `davis` command. Each command lives in visualizer/commands/; this file wires them up."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from visualizer.commands import animations, encode, live, play, presets, render, scenes, train

app = typer.Typer(
    name="davis",
    help="Deep audio visualizer: live visuals driven by features a neural network learned "
         "from the sound itself.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from visualizer import version

        typer.echo(f"davis {version()}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Deep audio visualizer: live visuals driven by features a neural network learned from
    the sound itself.

    Start with [bold]davis play[/] on a song (or none, for the bundled demo).
    """


app.command(name="play")(play.play)
app.command(name="live")(live.live)
app.command(name="render")(render.render)
app.command(name="encode")(encode.encode)
app.command(name="train")(train.train)
app.command(name="animations")(animations.animations)
app.add_typer(presets.app, name="presets")
app.add_typer(scenes.app, name="scenes")


def prose(text: str | None) -> str | None:
    """Help text with each paragraph on one line, for Rich to wrap to the terminal.

    Typer keeps a docstring's single line breaks (except in its first paragraph), so source
    lines wider than the terminal wrapped, then broke again: words left alone on a line.
    """
    if not text:
        return text
    return "\n\n".join(" ".join(paragraph.split("\n"))
                       for paragraph in inspect.cleandoc(text).split("\n\n"))


def _reflow_help(typer_app: typer.Typer) -> None:
    """Apply `prose` to every command's help, in this app and the ones added to it."""
    for command in typer_app.registered_commands:
        command.help = prose(command.help or command.callback.__doc__)
    callback = typer_app.registered_callback
    if callback is not None:
        callback.help = prose(callback.help or callback.callback.__doc__)
    typer_app.info.help = prose(typer_app.info.help)
    for group in typer_app.registered_groups:
        _reflow_help(group.typer_instance)


_reflow_help(app)
