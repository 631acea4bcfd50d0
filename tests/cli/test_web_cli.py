"""``hccrt serve --create-admin`` and ``hccrt cohort evaluate`` through the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from hccrt.store import accounts
from hccrt.store.db import default_database_url, make_engine, session_factory
from hccrt.store.models import User
from tests.cohort.conftest import EVALUATOR, make_cases
from tests.conftest import invoke


def test_create_admin_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HCCRT_ADMIN_PASSWORD", "a-long-admin-password")
    result = invoke(["serve", "--data-dir", str(tmp_path), "--create-admin", "boss"])
    assert result.exit_code == 0, result.stderr
    assert "admin account 'boss' created" in result.stdout
    engine = make_engine(default_database_url(tmp_path))
    with session_factory(engine)() as session:
        user = session.query(User).filter_by(username="boss").one()
        assert user.role == "admin"
        assert accounts.verify_password(user.password_hash, "a-long-admin-password")
    engine.dispose()
    again = invoke(["serve", "--data-dir", str(tmp_path), "--create-admin", "boss"])
    assert again.exit_code == 2
    assert "username=boss: already exists" in again.stderr


def test_create_admin_short_password_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HCCRT_ADMIN_PASSWORD", "short")
    result = invoke(["serve", "--data-dir", str(tmp_path), "--create-admin", "boss"])
    assert result.exit_code == 2
    assert "shorter than 12 characters" in result.stderr


def test_serve_refuses_unknown_database(tmp_path: Path) -> None:
    result = invoke(["serve", "--data-dir", str(tmp_path), "--database", "mysql://x@y/z"])
    assert result.exit_code == 2
    assert "unsupported database system 'mysql'" in result.stderr


@pytest.mark.slow
def test_cohort_evaluate_json(shared_data: Path, tmp_path: Path) -> None:
    cases = make_cases(shared_data, tmp_path, 2, broken=1)
    out = tmp_path / "results.parquet"
    args = ["cohort", "evaluate", str(cases), "--out", str(out), "--workers", "2"]
    result = invoke([*args, "--evaluator", EVALUATOR, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["evaluated_now"] == 3
    assert payload["summary"]["ok"] == 2
    assert payload["summary"]["failed"] == 1
    assert payload["failures"][0]["case_id"] == "broken000"
    assert Path(payload["plot"]).is_file()
    assert len(pd.read_parquet(out)) == 3
    text = invoke([*args, "--evaluator", EVALUATOR])
    assert text.exit_code == 0
    assert "evaluated now: 0  skipped (done before): 3" in text.stdout


def test_cohort_evaluate_missing_folder(tmp_path: Path) -> None:
    result = invoke(["cohort", "evaluate", str(tmp_path / "nope"), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "CASES_DIR" in result.stderr


def test_cohort_unknown_evaluator_refused(shared_data: Path, tmp_path: Path) -> None:
    cases = make_cases(shared_data, tmp_path, 1)
    args = ["cohort", "evaluate", str(cases), "--out", str(tmp_path / "r.parquet")]
    result = invoke([*args, "--evaluator", "no.such.module:f"])
    assert result.exit_code == 2
    assert "--evaluator=no.such.module:f: cannot be imported" in result.stderr


def test_serve_without_the_web_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # what `import uvicorn` sees uninstalled
    result = invoke(["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "needs the web extra (Python package 'uvicorn' is not installed)" in result.stderr
    assert "pip install 'hccrt[web]'" in result.stderr
    assert "internal error" not in result.stderr


def test_cohort_exits_1_when_every_case_failed(shared_data: Path, tmp_path: Path) -> None:
    cases = make_cases(shared_data, tmp_path, 0, broken=2)
    args = ["cohort", "evaluate", str(cases), "--out", str(tmp_path / "r.parquet")]
    result = invoke([*args, "--evaluator", EVALUATOR])
    assert result.exit_code == 1
    assert "all 2 cases failed" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.slow  # the connection attempt waits CONNECT_TIMEOUT_S (10 s)
def test_cohort_unreachable_scheduler_exits_2(shared_data: Path, tmp_path: Path) -> None:
    from tests.web.live import free_port

    cases = make_cases(shared_data, tmp_path, 1)
    args = ["cohort", "evaluate", str(cases), "--out", str(tmp_path / "r.parquet")]
    result = invoke([*args, "--scheduler", f"tcp://127.0.0.1:{free_port()}"])
    assert result.exit_code == 2
    assert "no Dask scheduler answers" in result.stderr
    assert "leave --scheduler out for a local cluster" in result.stderr
