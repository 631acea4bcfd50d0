"""20 users upload and evaluate at once on a live server: no error, no lost record (short run).

The 60 s version with a latency table is ``benchmarks/bench_web.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hccrt.store import accounts
from hccrt.web.app import create_app
from tests.web.conftest import PASSWORD, make_settings
from tests.web.live import live_server, prepare
from tests.web.load import lost_records, run_load
from tests.web.plans import small_liver_plan

pytestmark = pytest.mark.slow
USERS = 20


def add_load_users(data: Path, count: int) -> list[tuple[str, str]]:
    """``count`` clinician accounts ``load01``..."""
    app = create_app(make_settings(data))
    names = [f"load{i:02d}" for i in range(1, count + 1)]
    with app.state.sessions() as session:
        for name in names:
            accounts.create_user(session, name, PASSWORD, "clinician")
        session.commit()
    app.state.engine.dispose()
    return [(name, PASSWORD) for name in names]


def test_twenty_concurrent_users(tmp_path: Path, shared_data: Path) -> None:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    users = add_load_users(data, USERS)
    plan = small_liver_plan(shared_data)
    duration = float(os.environ.get("HCCRT_LOAD_SECONDS", "10"))
    with live_server(data) as server:
        # Every fifth user's first evaluation writes the PDF report (about 2-3 s of CPU each on
        # this machine); the others evaluate without it, to keep the CI run short.
        result = run_load(
            server.url,
            users,
            plan,
            duration,
            reports=lambda user, cycle: user % 5 == 0 and cycle == 0,
        )
    assert result.errors == []
    assert len(result.uploads) >= USERS  # every user completed at least one cycle
    assert len(result.evaluations) == len(result.uploads)
    assert lost_records(data, result) == []


def test_two_server_processes_share_sessions_and_store(tmp_path: Path, shared_data: Path) -> None:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    users = add_load_users(data, 2)
    plan = small_liver_plan(shared_data)
    with live_server(data, workers=2) as server:
        result = run_load(server.url, users, plan, 2.0, reports=lambda user, cycle: False)
    assert result.errors == []
    assert len(result.evaluations) >= 2
    assert lost_records(data, result) == []
