"""``hccrt store fsck|gc`` (file store against the database) and ``hccrt audit verify``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.db import DatabaseOption, DataDirOption, resolve_database_url
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

store_app = typer.Typer(
    name="store", help="The file store: check it and remove orphans.", no_args_is_help=True
)
audit_app = typer.Typer(name="audit", help="The audit log.", no_args_is_help=True)


def _open(database: str | None, data_dir: Path | None) -> tuple[Any, Path]:
    """An engine on an existing store at the newest schema, and the data folder."""
    from sqlalchemy.engine import make_url

    from hccrt.errors import InputError
    from hccrt.store.db import current_revision, default_data_dir, head_revision, make_engine

    url = resolve_database_url(database, data_dir)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise InputError(
            "--database", "no such SQLite file", parsed.database, "give --data-dir or --database"
        )
    engine = make_engine(url)
    if current_revision(engine) != head_revision():
        engine.dispose()
        raise InputError(
            "--database",
            "is not an hccrt store at the newest schema",
            parsed.render_as_string(hide_password=True),
            "start hccrt serve once on it (it migrates), or give the right --database",
        )
    return engine, data_dir if data_dir is not None else default_data_dir()


@store_app.command("fsck")
def fsck(
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Re-hash every stored file; list missing, corrupt and unreferenced objects.

    Exit code 1 when an object a record needs is missing or corrupt.
    """
    from hccrt.store.db import session_factory
    from hccrt.store.files import ContentStore
    from hccrt.store.maintenance import check_store

    engine, folder = _open(database, data_dir)
    try:
        with session_factory(engine)() as session:
            report = check_store(session, ContentStore(folder / "files"))
    finally:
        engine.dispose()
    emit(report.to_json(), output_format, _render_fsck)
    if not report.ok:
        raise typer.Exit(1)


def _render_fsck(payload: Any) -> str:
    lines = [
        f"objects: {payload['objects']}  missing: {len(payload['missing'])}  corrupt: "
        f"{len(payload['corrupt'])}  unreferenced: {len(payload['unreferenced'])}  "
        f"temporary folders: {payload['temporary_folders']}"
    ]
    lines += [f"missing: {sha}" for sha in payload["missing"]]
    lines += [f"corrupt: {sha}" for sha in payload["corrupt"]]
    if payload["unreferenced"]:
        lines.append("unreferenced objects are removed by: hccrt store gc")
    lines.append("ok" if payload["ok"] else "NOT OK: restore the file store from a backup")
    return "\n".join(lines)


@store_app.command("gc")
def gc(
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    grace_s: Annotated[
        float,
        typer.Option(
            "--grace-s",
            parser=finite_float,
            help="Keep unreferenced objects younger than this, seconds (>= 0).",
        ),
    ] = 3600.0,
) -> None:
    """Remove objects no record references (left by a killed server) and stale temp folders."""
    if grace_s < 0:
        raise InputError("--grace-s", "must be >= 0 s", grace_s, "e.g. 3600")
    from hccrt.store.db import session_factory
    from hccrt.store.files import ContentStore
    from hccrt.store.maintenance import collect_garbage

    engine, folder = _open(database, data_dir)
    try:
        with session_factory(engine)() as session:
            result = collect_garbage(session, ContentStore(folder / "files"), grace_s)
    finally:
        engine.dispose()
    sys.stdout.write(
        f"removed {result.objects_removed} objects ({result.bytes_freed} bytes) and "
        f"{result.temporary_removed} temporary folders\n"
    )


@audit_app.command("verify")
def verify(
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check the audit log's hash chain: finds edited rows and deleted rows (exit 1)."""
    from hccrt.store.audit import verify_chain
    from hccrt.store.db import session_factory

    engine, _ = _open(database, data_dir)
    try:
        with session_factory(engine)() as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    for problem in report.problems:
        sys.stdout.write(f"problem: {problem}\n")
    sys.stdout.write(
        f"audit chain: {report.chained} rows checked, {report.unchained} older rows without "
        f"chain; {'ok' if report.ok else 'NOT OK'}\n"
    )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``store`` and ``audit`` groups to the hccrt CLI."""
    app.add_typer(store_app, name="store")
    app.add_typer(audit_app, name="audit")
