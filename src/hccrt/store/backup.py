"""Online backup and restore of the store database (``hccrt db backup`` / ``hccrt db restore``).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the server runs, including what is still in the write-ahead log (copying the ``.sqlite3``
file alone loses it). PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean``; the
password goes to the tools through ``PGPASSWORD``, never on their command line.

The file store (``DATA_DIR/files/objects``) is immutable and content-addressed: back it up
after the database (see docs/web.md), so that every object the database names is in the copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from hccrt.errors import InputError


def _sqlite_path(url: URL) -> Path:
    database = url.database or ""
    if not database or database == ":memory:":
        raise InputError("--database", "is not an SQLite file", database or "(memory)")
    return Path(database)


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools, with the password in the environment."""
    options = [f"--dbname={url.database}"]
    if url.host:
        options.append(f"--host={url.host}")
    if url.port:
        options.append(f"--port={url.port}")
    if url.username:
        options.append(f"--username={url.username}")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return options, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InputError(
            "PostgreSQL backup",
            f"needs {name}, which is not on PATH",
            name,
            "install the PostgreSQL client tools (Debian: apt-get install postgresql-client)",
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise InputError(what, f"failed: {last}", command[0], "check the database URL and rights")


def backup_database(database_url: str, target: Path) -> Path:
    """Write a consistent copy of the database to ``target`` (atomically); returns it.

    Raises
    ------
    InputError
        ``target`` exists, the URL is not SQLite or PostgreSQL, or the dump fails.
    """
    url = make_url(database_url)
    if target.exists():
        raise InputError("--out", "exists already", str(target), "choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.is_file():
            raise InputError("--database", "no such SQLite file", str(source_path))
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            status = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
            source.close()
        if status != "ok":
            partial.unlink(missing_ok=True)
            raise InputError("backup", f"integrity check of the copy: {status}", str(target))
    elif backend == "postgresql":
        options, env = _pg_env(url)
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", *options],
            env,
            "pg_dump",
        )
    else:
        raise InputError("--database", f"unsupported database system {backend!r}", backend)
    partial.chmod(0o600)
    os.replace(partial, target)
    return target


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's content by the backup ``source`` (stop the server first).

    Raises
    ------
    InputError
        No such backup, not a backup of this database system, or the restore fails.
    """
    url = make_url(database_url)
    if not source.is_file():
        raise InputError("BACKUP", "no such file", str(source))
    backend = url.get_backend_name()
    if backend == "sqlite":
        header = source.read_bytes()[:16]
        if header != b"SQLite format 3\0":
            raise InputError("BACKUP", "is not an SQLite database", str(source))
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(target)
        try:
            backup.backup(live)
        finally:
            live.close()
            backup.close()
    elif backend == "postgresql":
        if source.read_bytes()[:5] != b"PGDMP":
            raise InputError("BACKUP", "is not a pg_dump custom-format file", str(source))
        options, env = _pg_env(url)
        _run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *options, str(source)],
            env,
            "pg_restore",
        )
    else:
        raise InputError("--database", f"unsupported database system {backend!r}", backend)
