"""The JSON schemas of hccrt's input records, shipped as package data.

``scripts/gen_docs.py`` writes them from the pydantic models (the same text as
``docs/<name>-schema.json``), so an installed hccrt has the schema an error message points to:
``hccrt.schemas.schema_text("patient")``.
"""

from __future__ import annotations

from importlib.resources import files

from hccrt.errors import InputError

__all__ = ["SCHEMAS", "schema_text"]

SCHEMAS: tuple[str, ...] = ("patient", "followup", "course")
"""The records that have a schema: file ``<name>-schema.json`` in this package."""


def schema_text(name: str) -> str:
    """The JSON schema of one record, as the packaged text.

    Parameters
    ----------
    name
        One of :data:`SCHEMAS` (``"patient"``, ``"followup"``, ``"course"``).

    Returns
    -------
    str
        The schema as indented JSON text.

    Raises
    ------
    InputError
        When ``name`` is not a packaged schema.
    """
    if name not in SCHEMAS:
        raise InputError("schema", "not a packaged schema", name, f"use one of {list(SCHEMAS)}")
    return files(__name__).joinpath(f"{name}-schema.json").read_text(encoding="utf-8")
