"""``hccrt db backup`` and ``hccrt db restore``: online copies of the store database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hccrt.cli.db import DatabaseOption, DataDirOption, db_app, resolve_database_url


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

    written = backup_database(resolve_database_url(database, data_dir), out)
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
    restore_database(resolve_database_url(database, data_dir), backup_file)
    sys.stdout.write(f"database restored from {backup_file}; start the server again\n")
