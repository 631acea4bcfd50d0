"""``hccrt decision sign|last``: tumour-board decisions in the patient store, from the shell.

``sign`` records a decision (JSON: ``board_date``, ``decision``, ``rationale``, ``decided_by``,
``dissent[].{member,reason}``, ``course_version``) for a stored patient, signed by a store
account whose password is asked for on the terminal, or read as the first line of stdin (never
an option: it would show in ``ps``); the decision is
then audited and immutable. ``last`` shows the patient's last decision. The web app's tumour-board
page does the same (``/patients/{id}/board``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli.db import DatabaseOption, DataDirOption
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

decision_app = typer.Typer(
    name="decision",
    help="Tumour-board decisions in the patient store: sign one, show the last.",
    no_args_is_help=True,
)

PatientOption = Annotated[
    str, typer.Option("--patient", help="Case label of the stored patient (as in the web app).")
]
UserOption = Annotated[
    str,
    typer.Option("--user", help="Store account that signs (sign) or reads (last) the decision."),
]


def _account(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from hccrt.store.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise InputError(
            "--user", "no active account of this name", username, "give your store user name"
        )
    return user


def _patient(session: Any, user: Any, label: str) -> Any:
    from sqlalchemy import select

    from hccrt.store import repository
    from hccrt.store.models import Patient

    found = session.scalar(select(Patient.id).where(Patient.label == label))
    if found is None:
        raise InputError(
            "--patient", "no stored patient with this case label", label, "check the label"
        )
    return repository.get_patient(session, user, int(found))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError("DECISION", "cannot be read", str(path), str(error)) from None
    except json.JSONDecodeError as error:
        raise InputError("DECISION", f"not valid JSON ({error})", str(path), "fix it") from None


def _password(user: str) -> str:
    """The signing password: asked on a terminal (hidden), else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"Password of {user} (signs the decision): ")
    return sys.stdin.readline().rstrip("\r\n")


def render_decision(payload: Any) -> str:
    """A signed decision as text (None: no decision yet)."""
    if payload is None:
        return "No tumour-board decision signed yet."
    lines = [
        f"Board of {payload['board_date']}: {payload['decision']}",
        f"Why: {payload['rationale']}",
        f"Decided by: {', '.join(payload['decided_by'])}",
    ]
    lines += [f"Dissent: {d['member']}: {d['reason']}" for d in payload["dissent"]] or [
        "Dissent: none recorded"
    ]
    lines.append(
        f"Signed by {payload['signed_by']} at {payload['signed_at']} "
        f"(immutable, id {payload['id']})"
    )
    return "\n".join(lines)


@decision_app.command("sign")
def sign(
    decision: Annotated[
        Path, typer.Argument(help="Decision JSON (board_date, decision, rationale, decided_by...).")
    ],
    patient: PatientOption,
    user: UserOption,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Sign a tumour-board decision for a stored patient (asks for the password; then immutable).

    Exit code 2 for an invalid decision or a wrong password (nothing is stored).
    """
    from hccrt.cli.store_ops import _open
    from hccrt.store.board_decisions import sign_decision
    from hccrt.store.db import session_factory

    data = _read_json(decision)
    engine, _ = _open(database, data_dir)
    try:
        with session_factory(engine)() as session:
            account = _account(session, user)
            stored = _patient(session, account, patient)
            password = _password(user)
            try:
                signed = sign_decision(session, account, password, stored, data)
            except InputError:
                session.commit()  # the audit row of a wrong password
                raise
            session.commit()
            payload = signed.as_json()
    finally:
        engine.dispose()
    sys.stderr.write(f"signed decision {payload['id']}\n")
    emit(payload, output_format, render_decision)


@decision_app.command("last")
def last(
    patient: PatientOption,
    user: UserOption,
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Show the last signed tumour-board decision of a stored patient (audited read)."""
    emit(read_last_decision(patient, user, database, data_dir), output_format, render_decision)


def read_last_decision(
    label: str, user: str, database: str | None, data_dir: Path | None
) -> dict[str, Any] | None:
    """The last signed decision of the stored patient ``label`` as JSON (audited), or None."""
    from hccrt.cli.store_ops import _open
    from hccrt.store.board_decisions import last_decision
    from hccrt.store.db import session_factory

    engine, _ = _open(database, data_dir)
    try:
        with session_factory(engine)() as session:
            account = _account(session, user)
            found = last_decision(session, account, _patient(session, account, label))
            session.commit()
            return None if found is None else found.as_json()
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add the ``decision`` group to the hccrt CLI."""
    app.add_typer(decision_app, name="decision")
