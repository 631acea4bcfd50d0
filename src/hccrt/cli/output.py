"""Shared CLI conventions: ``--format text|json``, JSON to stdout, progress bars to stderr."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


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

stderr_console = Console(stderr=True)


def to_jsonable(value: Any) -> Any:
    """Convert results (pydantic models, dataclasses, numpy values, paths) to JSON types.

    Non-finite floats become ``None`` (JSON has no NaN); the warning that explains them travels
    in the result's own ``warnings`` list.
    """
    if isinstance(value, BaseModel):
        return to_jsonable(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(payload: Any) -> str:
    """Serialise a result as indented JSON (UTF-8, no NaN)."""
    return json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False, allow_nan=False)


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
