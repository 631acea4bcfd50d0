"""The command line's :class:`hccrt.progress.Progress`: a Rich display on stderr.

One line names the stage (``[2/4] clinical assessment``) with the latest note, a bar below it
counts the stage's steps (beams, IMRT iterations, slices, cases). It is shown only for
``--format text`` when stdout and stderr are terminals; otherwise the commands get
:data:`hccrt.progress.NO_PROGRESS` and print nothing but their result.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from hccrt.cli.output import OutputFormat
from hccrt.progress import NO_PROGRESS, Progress

if TYPE_CHECKING:
    from rich.progress import Progress as RichBars
    from rich.progress import TaskID


def progress_wanted(output_format: OutputFormat) -> bool:
    """Whether to draw progress: text output, and stdout and stderr are terminals."""
    return output_format is OutputFormat.text and sys.stdout.isatty() and sys.stderr.isatty()


class RichProgress:
    """A :class:`~hccrt.progress.Progress` drawn with Rich (see module docstring)."""

    def __init__(self, bars: RichBars) -> None:
        self._bars = bars
        self._stage: TaskID = bars.add_task("starting", total=None)
        self._steps: TaskID = bars.add_task("", total=None, visible=False)
        self._stage_name = ""

    def stage(self, name: str, number: int, total: int) -> None:
        """Show stage ``number`` of ``total``; hide the previous stage's step bar."""
        self._stage_name = f"[{number}/{total}] {name}"
        self._bars.update(
            self._stage, description=self._stage_name, completed=number - 1, total=total
        )
        self._bars.update(self._steps, visible=False, completed=0, total=None)

    def step(self, what: str, done: int, total: int) -> None:
        """Show ``done`` of ``total`` ``what`` on the step bar."""
        self._bars.update(
            self._steps, description=f"  {what}", completed=done, total=total, visible=True
        )

    def note(self, message: str) -> None:
        """Show ``message`` after the stage's name."""
        self._bars.update(self._stage, description=f"{self._stage_name}: {message}")


@contextmanager
def command_progress(output_format: OutputFormat) -> Iterator[Progress]:
    """The progress object for one command: Rich on a terminal in text mode, else silent."""
    if not progress_wanted(output_format):
        yield NO_PROGRESS
        return
    # rich is imported here, by the commands that show progress, not by every command.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichBars

    bars = RichBars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bars:
        yield RichProgress(bars)
