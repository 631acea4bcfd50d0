"""``hccrt db``: the patient store's database (schema upgrade).

Other database commands register on the same :data:`db_app` group.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from hccrt.store.db import DATABASE_URL_ENV, DATABASE_URL_FILE_ENV

db_app = typer.Typer(
    name="db",
    help=f"The patient store's database. The URL comes from --database, {DATABASE_URL_ENV} or "
    f"the file named by {DATABASE_URL_FILE_ENV} (keeps a password out of `ps`); default: the "
    "SQLite file in --data-dir.",
    no_args_is_help=True,
)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help=f"SQLAlchemy URL (sqlite:///FILE or postgresql+psycopg://USER@HOST/DB). Prefer "
        f"{DATABASE_URL_ENV} or {DATABASE_URL_FILE_ENV} for a URL with a password.",
    ),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data folder holding the default SQLite database (default: the user data folder).",
    ),
]


def resolve_database_url(database: str | None, data_dir: Path | None) -> str:
    """The URL from the option, the environment or the file, else the default SQLite file."""
    from hccrt.store.db import database_url_from_environment, default_database_url

    return database or database_url_from_environment() or default_database_url(data_dir)


@db_app.command("upgrade")
def upgrade(database: DatabaseOption = None, data_dir: DataDirOption = None) -> None:
    """Migrate the database to the newest schema (safe while servers start: one at a time)."""
    from hccrt.store.db import current_revision, make_engine, migrate

    engine = make_engine(resolve_database_url(database, data_dir))
    before = current_revision(engine)
    migrate(engine)
    after = current_revision(engine)
    engine.dispose()
    sys.stdout.write(f"database schema: {before or 'empty'} -> {after}\n")


def register(app: typer.Typer) -> None:
    """Add the ``db`` group (upgrade, backup, restore) to the hccrt CLI."""
    from hccrt.cli import db_backup  # noqa: F401  (adds backup and restore to db_app)

    app.add_typer(db_app, name="db")
