"""Migrations up and down, engines and URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from hccrt.errors import InputError
from hccrt.store.db import (
    current_revision,
    default_database_url,
    downgrade,
    head_revision,
    make_engine,
    migrate,
)

TABLES = {
    "users",
    "login_sessions",
    "patients",
    "assessments",
    "uploads",
    "upload_files",
    "evaluations",
    "followups",
    "audit_events",
}


def test_migrations_up_down_up(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    migrate(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(inspect(empty_engine).get_table_names()) >= TABLES
    migrate(empty_engine)  # idempotent
    downgrade(empty_engine)
    assert current_revision(empty_engine) is None
    assert not TABLES & set(inspect(empty_engine).get_table_names())
    migrate(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= TABLES


def test_result_tables_carry_provenance_columns(empty_engine: Engine) -> None:
    migrate(empty_engine)
    for table in ("assessments", "evaluations", "followups"):
        columns = {c["name"] for c in inspect(empty_engine).get_columns(table)}
        assert {"hccrt_version", "ruleset_version", "parameters"} <= columns


def test_default_url_is_sqlite_file_in_data_dir(tmp_path: Path) -> None:
    url = default_database_url(tmp_path)
    assert url == f"sqlite:///{tmp_path.resolve() / 'hccrt.sqlite3'}"


def test_unsupported_database_refused() -> None:
    with pytest.raises(InputError, match="unsupported database system 'mysql'"):
        make_engine("mysql://u:p@localhost/db")
    with pytest.raises(InputError, match="not a database URL"):
        make_engine("no url at all")


def test_long_ruleset_version_fits_after_upgrade(empty_engine: Engine) -> None:
    from sqlalchemy import text

    migrate(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    migrate(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    long_name = "hcc_sbrt_5fx 1.0; hccrt-clinical-rules-1 (seeds 000, 001, 003; clinical-facts.md)"
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, password_hash, role, active, created_at) "
                "VALUES ('u', 'h', 'viewer', true, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO patients (label, record, created_at, updated_at, created_by) "
                "VALUES ('p', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO assessments (patient_id, created_at, created_by, record, result, "
                "hccrt_version, ruleset_version, parameters) VALUES (1, CURRENT_TIMESTAMP, 1, "
                "'{}', '{}', '0.1.0', :name, '{}')"
            ),
            {"name": long_name},
        )
    downgrade(empty_engine, "0001")
    assert current_revision(empty_engine) == "0001"
    with empty_engine.connect() as connection:
        kept = connection.execute(text("SELECT ruleset_version FROM assessments")).scalar_one()
    assert kept == long_name[:64]


def test_plain_postgresql_url_uses_psycopg() -> None:
    engine = make_engine("postgresql://hccrt:secret@127.0.0.1:1/hccrt")  # no connection made
    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
