"""``hccrt db backup`` and ``hccrt db restore``: online copies of the store database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLAlchemy URL of the store (as for hccrt serve). Default: SQLite file "
        "hccrt.sqlite3 in --data-dir.",
        envvar="HCCRT_DATABASE_URL",
        show_envvar=True,
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The server's data folder (default: the user data folder)."),
]

db_app = typer.Typer(
    name="db", help="The store database: backup and restore.", no_args_is_help=True
)


def database_url(database: str | None, data_dir: Path | None) -> str:
    """The URL given, or the default SQLite file of the data folder."""
    from hccrt.store.db import default_data_dir, default_database_url

    if database:
        return database
    return default_database_url(data_dir if data_dir is not None else default_data_dir())


@db_app.command("backup")
def backup(
    out: Annotated[Path, typer.Option("--out", help="Backup file to write (must not exist).")],
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Copy the database while the server runs (SQLite online backup API, or pg_dump).

    Back up the file store (DATA_DIR/files/objects) after this command: see docs/web.md.
    """
    from hccrt.store.backup import backup_database

    written = backup_database(database_url(database, data_dir), out)
    sys.stdout.write(f"database backup written: {written} ({written.stat().st_size} bytes)\n")


@db_app.command("restore")
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A file written by hccrt db backup.")],
    database: DatabaseOption = None,
    data_dir: DataDirOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: the database's content is replaced.")
    ] = False,
) -> None:
    """Replace the database's content by a backup (stop the server first)."""
    from hccrt.errors import InputError
    from hccrt.store.backup import restore_database

    if not yes:
        raise InputError(
            "--yes", "missing", None, "stop the server, then run again with --yes to replace"
        )
    restore_database(database_url(database, data_dir), backup_file)
    sys.stdout.write(f"database restored from {backup_file}; start the server again\n")
