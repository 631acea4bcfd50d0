"""The store suite runs on SQLite and, when HCCRT_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hccrt.store.db import make_engine
from tests.backends import BACKENDS, POSTGRES_URL, wipe_database


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each backend."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}" if request.param == "sqlite" else POSTGRES_URL
    assert url is not None
    wipe_database(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    wipe_database(url)


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters for new test accounts (the default is RFC 9106 low-memory)."""
    from hccrt.store import accounts as _accounts

    _accounts.use_password_profile("cheapest-for-tests")
    yield
    _accounts.use_password_profile("rfc9106-low-memory")
