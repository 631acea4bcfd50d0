"""Options that let ``hccrt assess`` and ``hccrt board`` show the last signed board decision.

Kept apart from :mod:`hccrt.cli.decision` so that these commands load the store (SQLAlchemy)
only when ``--store-patient`` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.errors import InputError

StorePatientOption = Annotated[
    str | None,
    typer.Option(
        "--store-patient",
        help="Case label of this patient in the hccrt store: also show its last signed "
        "tumour-board decision (needs --store-user; see `hccrt decision`).",
    ),
]
StoreUserOption = Annotated[
    str | None,
    typer.Option("--store-user", help="Store account that reads the decision (audited)."),
]
StoreDataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--store-data-dir",
        help="Data folder of the store (default: the database URL of the environment, else "
        "the user data folder).",
    ),
]


def last_decision_payload(
    label: str | None, user: str | None, data_dir: Path | None
) -> dict[str, Any] | None:
    """The last signed decision of the stored patient ``label`` as JSON, or None.

    Raises
    ------
    InputError
        ``--store-user`` without ``--store-patient`` or the reverse, or an unknown patient or
        account.
    """
    if label is None and user is None:
        return None
    if label is None or user is None:
        missing = "--store-user" if user is None else "--store-patient"
        raise InputError(missing, "missing", None, "give --store-patient and --store-user")
    from hccrt.cli.decision import read_last_decision

    return read_last_decision(label, user, None, data_dir)


def decision_text(payload: dict[str, Any] | None) -> str:
    """The text block after the assessment or the board summary."""
    from hccrt.cli.decision import render_decision

    return "\nLast tumour-board decision:\n" + render_decision(payload) + "\n"
