"""Database engines and schema migrations.

The default store is an SQLite file in the user's data directory (nothing to install); a
department points ``--database`` at PostgreSQL (``postgresql+psycopg://user:pw@host/db``).
:func:`migrate` brings any database to the newest schema with the Alembic scripts shipped in
this package; the web server and ``hccrt db upgrade`` call it, under a lock (PostgreSQL advisory
lock, a file lock next to an SQLite database) so that servers started at once do not race.

Engines hide SQL parameters in their errors (``hide_parameters=True``): a failed statement never
puts a patient name or record into an exception message or a log. A new SQLite database is
created mode 0600 (its WAL and shared-memory files inherit that mode) in a folder made 0700.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from hccrt.errors import InputError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
DATABASE_URL_ENV = "HCCRT_DATABASE_URL"
DATABASE_URL_FILE_ENV = "HCCRT_DATABASE_URL_FILE"
DEFAULT_BUSY_TIMEOUT_S = 5.0
# pg_advisory_xact_lock key of schema migrations (any fixed 64-bit number; "hccrt" in ASCII).
_MIGRATION_LOCK_KEY = 0x6863637274


def default_data_dir() -> Path:
    """The per-user data directory (platformdirs), e.g. ``~/.local/share/hccrt`` on Linux."""
    return Path(platformdirs.user_data_dir("hccrt", appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    """SQLite file ``hccrt.sqlite3`` in ``data_dir`` (default: :func:`default_data_dir`)."""
    root = data_dir if data_dir is not None else default_data_dir()
    return f"sqlite:///{(root / 'hccrt.sqlite3').resolve()}"


def database_url_from_environment() -> str | None:
    """The database URL from ``HCCRT_DATABASE_URL`` or from the file ``HCCRT_DATABASE_URL_FILE``.

    Either keeps a password off the command line (where ``ps`` shows it to every user).

    Returns
    -------
    str or None
        The URL, ``None`` when neither variable is set.

    Raises
    ------
    InputError
        If the file cannot be read or is empty.
    """
    direct = os.environ.get(DATABASE_URL_ENV)
    if direct:
        return direct
    name = os.environ.get(DATABASE_URL_FILE_ENV)
    if not name:
        return None
    try:
        url = Path(name).read_text().strip()
    except OSError as error:
        raise InputError(
            DATABASE_URL_FILE_ENV, f"cannot read: {error.strerror}", name, "name a readable file"
        ) from error
    if not url:
        raise InputError(DATABASE_URL_FILE_ENV, "file is empty", name, "write the URL into it")
    return url


def private_directory(path: Path) -> Path:
    """Create ``path`` (and missing parents) mode 0700; an existing folder keeps its mode."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
    return path


def _create_private_file(path: Path) -> None:
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    return on_connect


def make_engine(url: str, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Engine:
    """Create an engine for an SQLite or PostgreSQL URL.

    Parameters
    ----------
    url
        ``sqlite:///PATH`` or ``postgresql+psycopg://USER:PASSWORD@HOST/DB``.
    busy_timeout_s
        How long a statement waits for a lock held by another connection before it fails
        (SQLite ``busy_timeout``, PostgreSQL ``lock_timeout``), s. The web app turns that
        failure into HTTP 503 with Retry-After.

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
            private_directory(Path(database).parent)
            _create_private_file(Path(database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_s},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,
        connect_args={"options": f"-c lock_timeout={int(busy_timeout_s * 1000)}"},
    )


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's migration lock.

    PostgreSQL: a transaction-level advisory lock (released at commit). SQLite: an exclusive
    ``flock`` on ``DATABASE.migrate-lock`` next to the file (SQLite runs DDL outside a
    transaction in Python's driver, so a database lock alone would not serialise migrations).
    """
    database = engine.url.database or ""
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        import fcntl  # POSIX; imported here so that the module loads everywhere

        lock_path = Path(f"{database}.migrate-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with engine.begin() as connection:
                yield connection
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A second server waits for the first one's migration, however long it takes.
            connection.execute(text("SET LOCAL lock_timeout = 0"))
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        yield connection


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` (default: newest). Idempotent and safe to run from
    several processes at once: the first takes the migration lock, the others wait and then
    find the schema current."""
    config = _alembic_config()
    with _migration_lock(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to ``revision`` (default: empty database)."""
    config = _alembic_config()
    with _migration_lock(engine) as connection:
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
