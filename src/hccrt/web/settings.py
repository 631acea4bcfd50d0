"""Server settings: database, data directory, secret key and upload limits."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from hccrt.errors import InputError
from hccrt.store.db import (
    DEFAULT_BUSY_TIMEOUT_S,
    database_url_from_environment,
    default_data_dir,
    default_database_url,
    private_directory,
)
from hccrt.web.guards import DEFAULT_MAX_JSON_BYTES
from hccrt.web.jobs import JobLimits

SECRET_ENV = "HCCRT_SECRET_KEY"


@dataclass(frozen=True)
class UploadLimits:
    """Limits on one DICOM upload.

    Attributes
    ----------
    max_request_bytes
        Whole request body (all files, or the zip), bytes.
    max_files
        Files in the upload after unpacking a zip.
    max_file_bytes
        One unpacked file, bytes.
    max_unpacked_bytes
        All unpacked files together, bytes.
    max_zip_ratio
        Largest uncompressed/compressed size ratio of a zip member (zip-bomb guard).
    max_user_bytes
        All stored uploads of one account together (quota), bytes.
    """

    max_request_bytes: int = 1024 * 1024 * 1024
    max_files: int = 2000
    max_file_bytes: int = 512 * 1024 * 1024
    max_unpacked_bytes: int = 2 * 1024 * 1024 * 1024
    max_zip_ratio: float = 200.0
    max_user_bytes: int = 50 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything the web app needs to start.

    Attributes
    ----------
    data_dir
        Holds the file store (``files/``), the default SQLite database and the secret key.
    database_url
        SQLAlchemy URL; default ``HCCRT_DATABASE_URL``, then the file named by
        ``HCCRT_DATABASE_URL_FILE``, then the SQLite file in ``data_dir``.
    secret_key
        Signs session cookies; default from ``HCCRT_SECRET_KEY`` or ``data_dir/secret_key``
        (created once, mode 0600).
    secure_cookies
        Mark cookies ``Secure`` (set when the server is reached over HTTPS).
    db_busy_timeout_s
        How long a request waits for a database lock before it is answered 503, s.
    max_json_bytes
        Largest JSON or form body, bytes (uploads have their own limit).
    min_free_bytes
        ``/healthz`` reports 503 when the data folder has less free space, bytes.
    limits
        Upload limits.
    jobs
        Evaluation queue: worker slots, queue length, per-account limit.
    node_store
        The ``--store`` folder of ``hccrt listen`` whose received cases ``/received`` lists
        for import (``None``: none).
    """

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    secret_key: str | None = None
    secure_cookies: bool = False
    limits: UploadLimits = field(default_factory=UploadLimits)
    db_busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    min_free_bytes: int = 100 * 1024 * 1024
    jobs: JobLimits = field(default_factory=JobLimits)
    node_store: Path | None = None

    def resolved_database_url(self) -> str:
        """The database URL to use (see ``database_url``)."""
        return (
            self.database_url
            or database_url_from_environment()
            or default_database_url(self.data_dir)
        )

    def check_database_folder(self) -> None:
        """Refuse an SQLite file in a folder that does not exist outside the data folder.

        The server creates folders only inside :attr:`data_dir`; a mistyped ``--database``
        path would otherwise create a folder (and an empty database) anywhere.

        Raises
        ------
        InputError
            Naming ``--database``, the missing folder and the fix.
        """
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(self.resolved_database_url())
        except ArgumentError:
            return  # the engine names the bad URL
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return
        folder = Path(parsed.database).expanduser().parent.resolve()
        if folder.is_dir() or folder.is_relative_to(self.data_dir.expanduser().resolve()):
            return
        raise InputError(
            "--database",
            "the folder of the SQLite file does not exist (hccrt creates folders only inside "
            "--data-dir)",
            str(folder),
            f"create the folder first (mkdir -p {folder}), correct the path, or leave "
            "--database out to use the data folder",
        )

    def resolved_secret_key(self) -> str:
        """The cookie-signing key (see ``secret_key``)."""
        if self.secret_key:
            return self.secret_key
        from_env = os.environ.get(SECRET_ENV)
        if from_env:
            return from_env
        key_file = self.data_dir / "secret_key"
        if not key_file.is_file():
            private_directory(self.data_dir)
            tmp = key_file.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            os.replace(tmp, key_file)
        return key_file.read_text().strip()


ENV_DATA_DIR = "HCCRT_SERVE_DATA_DIR"
ENV_DATABASE = "HCCRT_SERVE_DATABASE_URL"
ENV_NODE_STORE = "HCCRT_SERVE_NODE_STORE"
ENV_SECURE = "HCCRT_SERVE_SECURE_COOKIES"
ENV_MAX_UPLOAD = "HCCRT_SERVE_MAX_UPLOAD_BYTES"


def settings_to_env(settings: Settings) -> dict[str, str]:
    """Environment that lets each server worker process rebuild the same settings."""
    env = {
        ENV_DATA_DIR: str(settings.data_dir),
        ENV_SECURE: "1" if settings.secure_cookies else "0",
        ENV_MAX_UPLOAD: str(settings.limits.max_request_bytes),
        SECRET_ENV: settings.resolved_secret_key(),
    }
    if settings.database_url:
        env[ENV_DATABASE] = settings.database_url
    if settings.node_store is not None:
        env[ENV_NODE_STORE] = str(settings.node_store)
    return env


def settings_from_env() -> Settings:
    """The settings written by :func:`settings_to_env` (used by ``hccrt serve --workers``)."""
    return Settings(
        data_dir=Path(os.environ[ENV_DATA_DIR]),
        database_url=os.environ.get(ENV_DATABASE) or None,
        secure_cookies=os.environ.get(ENV_SECURE) == "1",
        limits=UploadLimits(max_request_bytes=int(os.environ[ENV_MAX_UPLOAD])),
        node_store=Path(os.environ[ENV_NODE_STORE]) if os.environ.get(ENV_NODE_STORE) else None,
    )
