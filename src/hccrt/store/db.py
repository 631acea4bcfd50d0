"""Database engines and schema migrations.

The default store is an SQLite file in the user's data directory (nothing to install); a
department points ``--database`` at PostgreSQL (``postgresql+psycopg://user:pw@host/db``).
:func:`migrate` brings any database to the newest schema with the Alembic scripts shipped in
this package; the web server calls it on start.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from hccrt.errors import InputError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def default_data_dir() -> Path:
    """The per-user data directory (platformdirs), e.g. ``~/.local/share/hccrt`` on Linux."""
    return Path(platformdirs.user_data_dir("hccrt", appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    """SQLite file ``hccrt.sqlite3`` in ``data_dir`` (default: :func:`default_data_dir`)."""
    root = data_dir if data_dir is not None else default_data_dir()
    return f"sqlite:///{(root / 'hccrt.sqlite3').resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for an SQLite or PostgreSQL URL.

    Raises
    ------
    InputError
        If the URL cannot be parsed or names another database system.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise InputError(
            "--database",
            "not a database URL",
            "(hidden)",
            "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB",
        ) from error
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise InputError(
            "--database",
            f"unsupported database system {backend!r}",
            backend,
            "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB",
        )
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (default: newest). Idempotent."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (default: empty database)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, ``None`` for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest schema revision shipped with this hccrt."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts found in {MIGRATIONS_DIR}")
    return head


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for timezone-aware columns: read them as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
