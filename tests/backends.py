"""The databases the store and web tests run on: SQLite always, PostgreSQL when configured.

``HCCRT_TEST_POSTGRES_URL`` names the real PostgreSQL that ``scripts/ci_services.sh`` starts.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from hccrt.store.db import make_engine
from hccrt.store.models import Base

POSTGRES_URL = os.environ.get("HCCRT_TEST_POSTGRES_URL")

NEEDS_POSTGRES = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        POSTGRES_URL is None,
        reason="HCCRT_TEST_POSTGRES_URL not set (scripts/ci_services.sh starts one)",
    ),
]
"""Marks of a test that runs only on the real PostgreSQL."""

BACKENDS = ["sqlite", pytest.param("postgresql", marks=NEEDS_POSTGRES)]
"""Parameters of a test or fixture run on each backend."""


def wipe_database(url: str) -> None:
    """Drop every hccrt table and Alembic's version table in the database at ``url``."""
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
