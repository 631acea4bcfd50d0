"""``hccrt db backup|restore``, ``hccrt store fsck|gc`` and ``hccrt audit verify``."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hccrt.store import accounts, repository
from hccrt.store.db import make_engine, migrate, session_factory
from hccrt.store.models import Patient
from hccrt.web.app import create_app
from tests.conftest import invoke
from tests.web.conftest import make_settings

POSTGRES_URL = os.environ.get("HCCRT_TEST_POSTGRES_URL")
PATIENTS = 30


def _store_with_patients(data: Path) -> None:
    app = create_app(make_settings(data))
    with app.state.sessions() as session:
        doc = accounts.create_user(session, "dr.a", "correct horse battery", "clinician")
        for i in range(PATIENTS):
            repository.create_patient(session, doc, f"HCC-{i:03d}", {"bilirubin_mg_dl": 1.0})
        session.commit()
    app.state.engine.dispose()


def test_sqlite_backup_while_the_server_runs_keeps_the_write_ahead_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _store_with_patients(data)
    database = data / "hccrt.sqlite3"
    # A running server: a connection that keeps recent writes in the WAL (no checkpoint).
    server = sqlite3.connect(database)
    server.execute("PRAGMA wal_autocheckpoint=0")
    server.execute("UPDATE patients SET label = label || '-edited' WHERE id <= 5")
    server.commit()
    assert (data / "hccrt.sqlite3-wal").stat().st_size > 0
    try:
        out = tmp_path / "backup" / "store.sqlite3"
        result = invoke(["db", "backup", "--data-dir", str(data), "--out", str(out)])
        assert result.exit_code == 0, result.stderr
        assert "database backup written" in result.stdout
        assert oct(out.stat().st_mode & 0o777) == "0o600"
        again = invoke(["db", "backup", "--data-dir", str(data), "--out", str(out)])
        assert again.exit_code == 2
        assert "exists already" in again.stderr
    finally:
        server.close()

    restored = tmp_path / "restored"
    refused = invoke(["db", "restore", str(out), "--data-dir", str(restored)])
    assert refused.exit_code == 2
    assert "--yes: missing" in refused.stderr
    result = invoke(["db", "restore", str(out), "--data-dir", str(restored), "--yes"])
    assert result.exit_code == 0, result.stderr
    engine = make_engine(f"sqlite:///{restored / 'hccrt.sqlite3'}")
    with session_factory(engine)() as session:
        labels = [p.label for p in session.query(Patient).order_by(Patient.id)]
    engine.dispose()
    assert len(labels) == PATIENTS
    assert labels[:5] == [f"HCC-{i:03d}-edited" for i in range(5)]
    verified = invoke(["audit", "verify", "--data-dir", str(restored)])
    assert verified.exit_code == 0, verified.stdout + verified.stderr


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    fake = tmp_path / "notes.txt"
    fake.write_text("hello")
    result = invoke(["db", "restore", str(fake), "--data-dir", str(tmp_path), "--yes"])
    assert result.exit_code == 2
    assert "is not an SQLite database" in result.stderr


def test_audit_verify_and_store_fsck_gc(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _store_with_patients(data)
    ok = invoke(["audit", "verify", "--data-dir", str(data)])
    assert ok.exit_code == 0
    assert f"audit chain: {PATIENTS + 1} rows checked" in ok.stdout
    with sqlite3.connect(data / "hccrt.sqlite3") as raw:
        raw.execute("DELETE FROM audit_events WHERE chain_seq = 3")
    bad = invoke(["audit", "verify", "--data-dir", str(data)])
    assert bad.exit_code == 1
    assert "problem: seq 4: 1 row(s) missing before it" in bad.stdout

    orphan = data / "files" / "objects" / "ab" / ("c" * 62)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    checked = invoke(["store", "fsck", "--data-dir", str(data)])
    assert checked.exit_code == 1  # the orphan's content does not match its name
    assert "corrupt: ab" in checked.stdout
    collected = invoke(["store", "gc", "--data-dir", str(data), "--grace-s", "0"])
    assert collected.exit_code == 0
    assert "removed 1 objects (1 bytes)" in collected.stdout
    assert invoke(["store", "fsck", "--data-dir", str(data)]).exit_code == 0


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database of its own (a restore replaces every table)."""
    if POSTGRES_URL is None:
        pytest.skip("HCCRT_TEST_POSTGRES_URL not set (scripts/ci_services.sh starts one)")
    name = f"hccrt_backup_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_backup_and_restore(pg_database: str, tmp_path: Path) -> None:
    engine = make_engine(pg_database)
    migrate(engine)
    with session_factory(engine)() as session:
        doc = accounts.create_user(session, "dr.a", "correct horse battery", "clinician")
        repository.create_patient(session, doc, "PG-KEEP", {})
        session.commit()
    out = tmp_path / "pg.dump"
    result = invoke(["db", "backup", "--database", pg_database, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes()[:5] == b"PGDMP"
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM patient_versions"))
        connection.execute(text("DELETE FROM patients"))
    result = invoke(["db", "restore", str(out), "--database", pg_database, "--yes"])
    assert result.exit_code == 0, result.stderr
    with session_factory(engine)() as session:
        assert [p.label for p in session.query(Patient)] == ["PG-KEEP"]
    engine.dispose()
