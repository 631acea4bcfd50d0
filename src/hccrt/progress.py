"""Progress of long work, reported through a small callback object (no output of its own).

The pipeline (``hccrt run``, ``hccrt plan``), the planner, the phantom and the evaluation call
a :class:`Progress`: a *stage* starts (number ``n`` of ``total``), *steps* inside it finish
(beams of the dose-influence matrix, IMRT iterations, CT slices, cases), and a *note* says what
is being done. The library only calls it; how it is shown is the caller's choice (the CLI draws
a Rich bar in ``hccrt.cli``, the web app could fill a job row). :data:`NO_PROGRESS` does nothing
and is the default everywhere, so library calls stay silent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "NO_PROGRESS",
    "NoProgress",
    "NotesOnly",
    "Progress",
    "ProgressLike",
    "RecordedProgress",
    "StepCounter",
    "as_progress",
]


@runtime_checkable
class Progress(Protocol):
    """What long work reports while it runs.

    Stages are numbered from 1; ``step`` calls belong to the stage started last and count up to
    their ``total`` (``done`` is the number finished, from 1 to ``total``).
    """

    def stage(self, name: str, number: int, total: int) -> None:
        """Stage ``number`` of ``total`` (1-based) starts; ``name`` says what it does."""

    def step(self, what: str, done: int, total: int) -> None:
        """``done`` of ``total`` units of ``what`` (e.g. ``"beams"``) are finished."""

    def note(self, message: str) -> None:
        """A one-line message about the work in progress (e.g. ``"IMRT: leaf sequencing"``)."""


class NoProgress:
    """The silent :class:`Progress`: every call does nothing."""

    def stage(self, name: str, number: int, total: int) -> None:
        """Ignore a stage start."""

    def step(self, what: str, done: int, total: int) -> None:
        """Ignore a finished step."""

    def note(self, message: str) -> None:
        """Ignore a message."""


NO_PROGRESS: Final[Progress] = NoProgress()
"""The default: no progress is shown."""


@dataclass(frozen=True)
class NotesOnly:
    """A :class:`Progress` made of a message callback (the older ``progress(message)`` form).

    Stages and steps become messages too (``"stage 2/4: planning"``, ``"beams 3/7"``).
    """

    say: Callable[[str], None]

    def stage(self, name: str, number: int, total: int) -> None:
        """Say the stage as a message."""
        self.say(f"stage {number}/{total}: {name}")

    def step(self, what: str, done: int, total: int) -> None:
        """Say the step count as a message."""
        self.say(f"{what} {done}/{total}")

    def note(self, message: str) -> None:
        """Pass the message on."""
        self.say(message)


ProgressLike = Progress | Callable[[str], None] | None
"""What the library's ``progress`` parameters accept: a :class:`Progress`, a message callback
(wrapped in :class:`NotesOnly`) or ``None`` (silent)."""


def as_progress(progress: ProgressLike) -> Progress:
    """The :class:`Progress` for a ``progress`` argument (see :data:`ProgressLike`)."""
    if progress is None:
        return NO_PROGRESS
    if isinstance(progress, Progress):
        return progress
    return NotesOnly(progress)


@dataclass
class RecordedProgress:
    """A :class:`Progress` that keeps every call, in order (for tests and job tables).

    ``events`` holds ``("stage", name, number, total)``, ``("step", what, done, total)`` and
    ``("note", message)`` tuples.
    """

    events: list[tuple[object, ...]] = field(default_factory=list)

    def stage(self, name: str, number: int, total: int) -> None:
        """Record a stage start."""
        self.events.append(("stage", name, number, total))

    def step(self, what: str, done: int, total: int) -> None:
        """Record a finished step."""
        self.events.append(("step", what, done, total))

    def note(self, message: str) -> None:
        """Record a message."""
        self.events.append(("note", message))


@dataclass
class StepCounter:
    """An ``advance(steps)`` callable that turns increments into :meth:`Progress.step` calls.

    Parameters
    ----------
    progress
        Where the steps go.
    what, total
        The unit and how many there are (``done`` is capped at ``total``).
    """

    progress: Progress
    what: str
    total: int
    done: int = 0

    def __call__(self, steps: int = 1) -> None:
        """``steps`` more units are finished."""
        self.done = min(self.total, self.done + steps)
        self.progress.step(self.what, self.done, self.total)
