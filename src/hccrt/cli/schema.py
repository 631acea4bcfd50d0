"""``hccrt schema NAME``: print the JSON schema of an input record (packaged with hccrt)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer


class SchemaName(StrEnum):
    """The records that have a schema."""

    patient = "patient"
    followup = "followup"
    course = "course"


def schema(
    name: Annotated[SchemaName, typer.Argument(help="patient, followup or course.")],
) -> None:
    """Print the JSON schema of a patient, follow-up or course record (docs/*-schema.json).

    The same text as docs/NAME-schema.json, read from the installed package.
    """
    from hccrt.schemas import schema_text

    sys.stdout.write(schema_text(name.value))


def register(app: typer.Typer) -> None:
    """Add ``schema`` to the CLI."""
    app.command("schema")(schema)
