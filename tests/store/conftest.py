"""The store suite runs on SQLite and, when HCCRT_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hccrt.store.db import make_engine
from hccrt.store.models import Base

POSTGRES_URL = os.environ.get("HCCRT_TEST_POSTGRES_URL")


def _wipe(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    POSTGRES_URL is None,
                    reason="HCCRT_TEST_POSTGRES_URL not set (scripts/ci_services.sh starts one)",
                ),
            ],
        ),
    ]
)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}" if request.param == "sqlite" else POSTGRES_URL
    assert url is not None
    engine = make_engine(url)
    _wipe(engine)
    yield engine
    _wipe(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters for new test accounts (the default is RFC 9106 low-memory)."""
    from hccrt.store import accounts as _accounts

    _accounts.use_password_profile("cheapest-for-tests")
    yield
    _accounts.use_password_profile("rfc9106-low-memory")
