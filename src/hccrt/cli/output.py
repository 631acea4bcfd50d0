"""Shared CLI conventions: ``--format text|json``, JSON to stdout, progress bars to stderr.

The JSON conventions themselves live in :mod:`hccrt.serialize`, below the library.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from hccrt.serialize import dumps


class OutputFormat(enum.StrEnum):
    """How a command prints its result."""

    text = "text"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="Output: 'text' for people, 'json' for programs (JSON on stdout, logs on stderr).",
        case_sensitive=False,
    ),
]


def emit(payload: Any, output_format: OutputFormat, render_text: Callable[[Any], str]) -> None:
    """Print a result: JSON on stdout, or the text rendering for people."""
    if output_format is OutputFormat.json:
        sys.stdout.write(dumps(payload) + "\n")
    else:
        sys.stdout.write(render_text(payload).rstrip("\n") + "\n")


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Show a progress bar on stderr; yields ``advance(steps)``.

    The bar is transient on a terminal and silent when stderr is not a terminal.
    """
    # rich is imported here, by the two commands that show a bar, not by every command.
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    stderr_console = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr_console,
        transient=True,
        disable=not stderr_console.is_terminal,
    )
    with progress:
        task = progress.add_task(description, total=total)

        def advance(steps: int = 1) -> None:
            progress.advance(task, steps)

        yield advance
