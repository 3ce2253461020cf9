"""Terminal output shared by every command: results on stdout, progress and errors on stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

EXIT_BAD_INPUT = 2

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def error_line(message: str) -> None:
    """One red line on stderr, the way every davis error looks."""
    err.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def warning_line(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def note_line(message: str) -> None:
    """A dim line on stderr for what is worth knowing but needs nothing from the user."""
    err.print(f"[dim]{escape(message)}[/]", soft_wrap=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print `message` as an error and leave with `code` (2: bad input)."""
    error_line(message)
    raise typer.Exit(code)


def progress_bar() -> Progress:
    """The progress bar used for long work: what, how far, how long, how long still, and a
    free-form `status` field (e.g. the current loss)."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
                    MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"),
                    TimeRemainingColumn(), TextColumn("{task.fields[status]}"),
                    console=err, transient=False)
