"""Shared CLI conventions: ``--format text|json``, JSON to stdout (progress: ``cli._progress``).

The JSON conventions themselves live in :mod:`hccrt.serialize`, below the library.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
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
