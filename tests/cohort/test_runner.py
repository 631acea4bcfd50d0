"""Cohort runs: failures recorded, resumable, atomic table, crash recovery, summary and plot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from hccrt.cohort.journal import Journal
from hccrt.cohort.runner import discover_cases, run_cohort
from hccrt.errors import InputError
from tests.cohort.conftest import EVALUATOR, make_cases

REPO = Path(__file__).resolve().parents[2]


def test_failed_case_recorded_and_others_continue(
    cases_factory: Callable[..., Path], tmp_path: Path
) -> None:
    cases = cases_factory(3, broken=1)
    out = tmp_path / "results.parquet"
    result = run_cohort(cases, out, workers=2, evaluator=EVALUATOR)
    table = pd.read_parquet(out)
    assert sorted(table["case_id"]) == ["broken000", "case000", "case001", "case002"]
    assert result.evaluated_now == 4
    assert result.summary["ok"] == 3
    assert result.summary["failed"] == 1
    broken = table[table["case_id"] == "broken000"].iloc[0]
    assert broken["status"] == "error"
    assert "DICOM" in broken["error"] or "RTSTRUCT" in broken["error"]
    ok = table[table["status"] == "ok"]
    # Tumour-bed Dmean of the breast plan (14.29 Gy with hccrt's DVH engine), same every case.
    assert ok["mean_normal_liver_dose_gy"].round(2).tolist() == [14.29] * 3
    assert set(ok["ruleset_version"]) == {"test-dvh-1"}
    assert json.loads(ok.iloc[0]["parameters"]) == {"protocol": None, "roi": "Tumor Bed"}
    assert result.summary["mean_normal_liver_dose_gy"]["n"] == 3
    assert result.plot is not None
    assert result.plot.read_bytes().startswith(b"\x89PNG")
    assert [f["case_id"] for f in result.failures] == ["broken000"]


def test_second_run_skips_finished_cases_and_retries_failed_on_request(
    cases_factory: Callable[..., Path], tmp_path: Path
) -> None:
    cases = cases_factory(2, broken=1)
    out = tmp_path / "r.parquet"
    first = run_cohort(cases, out, workers=2, evaluator=EVALUATOR)
    run_ids = set(pd.read_parquet(out)["run_id"])
    again = run_cohort(cases, out, workers=2, evaluator=EVALUATOR)
    assert (again.evaluated_now, again.skipped) == (0, 3)
    assert set(pd.read_parquet(out)["run_id"]) == run_ids
    retried = run_cohort(cases, out, workers=2, evaluator=EVALUATOR, retry_failed=True)
    assert (retried.evaluated_now, retried.skipped) == (1, 2)
    assert first.summary["cases"] == retried.summary["cases"] == 3


def test_empty_or_missing_cases_dir_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must be an existing folder"):
        discover_cases(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="contains no case folder"):
        discover_cases(tmp_path / "empty")


@pytest.mark.slow
def test_crashed_run_resumes_where_it_stopped(shared_data: Path, tmp_path: Path) -> None:
    cases = make_cases(shared_data, tmp_path, 6)
    out = tmp_path / "results.parquet"
    script = (
        "import sys; from pathlib import Path; from hccrt.cohort.runner import run_cohort; "
        f"run_cohort(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, evaluator={EVALUATOR!r})"
    )
    env = {**os.environ, "HCCRT_TEST_CASE_DELAY_S": "1.0", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(cases), str(out)],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = Journal(out)
    deadline = time.monotonic() + 90
    while len(list(journal.parts.glob("*.json"))) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the cohort run ended before it could be killed"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    before = journal.rows()
    assert 2 <= len(before) < 6
    assert not out.exists()  # the table is only written at the end; no half-written file
    result = run_cohort(cases, out, workers=2, evaluator=EVALUATOR)
    assert result.skipped == len(before)
    assert result.evaluated_now == 6 - len(before)
    table = pd.read_parquet(out)
    assert len(table) == 6
    assert (table["status"] == "ok").all()
    for case_id, row in before.items():
        assert table.set_index("case_id").loc[case_id, "run_id"] == row["run_id"]


def test_existing_scheduler_is_used(cases_factory: Callable[..., Path], tmp_path: Path) -> None:
    from distributed import LocalCluster

    cases = cases_factory(2)
    out = tmp_path / "results.parquet"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        dashboard_address="127.0.0.1:0",
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        result = run_cohort(cases, out, scheduler=cluster.scheduler_address, evaluator=EVALUATOR)
        assert cluster.scheduler.transition_counter > 0  # the cases ran on this cluster
    assert result.evaluated_now == 2
    assert result.summary["ok"] == 2


@pytest.mark.slow
def test_default_evaluator_is_the_plan_evaluation(shared_data: Path, tmp_path: Path) -> None:
    plan = shared_data / "breast_boost_plan"
    cases = tmp_path / "cases"
    for name in ("a", "b"):
        (cases / name).mkdir(parents=True)
        for file in ("rtss.dcm", "rtdose.dcm", "rtplan.dcm"):
            (cases / name / file).symlink_to(plan / file)
    (cases / "no_plan").mkdir()
    (cases / "no_plan" / "rtss.dcm").symlink_to(plan / "rtss.dcm")
    result = run_cohort(cases, tmp_path / "r.parquet", workers=2)
    table = pd.read_parquet(tmp_path / "r.parquet").set_index("case_id")
    assert table.loc["a", "status"] == "ok"
    assert table.loc["a", "ruleset_version"] == "hcc_hypofractionated_5x10 1.0"
    # The breast plan has no liver: never pass, and no normal-liver dose invented.
    assert table.loc["a", "verdict"] == "fail"
    assert pd.isna(table.loc["a", "mean_normal_liver_dose_gy"])
    assert json.loads(table.loc["b", "parameters"])["fractions"] == 7
    assert table.loc["no_plan", "status"] == "error"
    assert "needs an RTSTRUCT and at least one RTDOSE" in table.loc["no_plan", "error"]
    assert result.plot is None  # no case with both a liver dose and an NTCP


@pytest.mark.slow
def test_local_worker_processes(cases_factory: Callable[..., Path], tmp_path: Path) -> None:
    cases = cases_factory(2)
    result = run_cohort(
        cases, tmp_path / "r.parquet", workers=2, processes=True, evaluator=EVALUATOR
    )
    assert result.summary["ok"] == 2
    assert result.summary["mean_normal_liver_dose_gy"]["mean"] == pytest.approx(14.29, abs=0.01)


@pytest.mark.slow
def test_case_that_kills_its_worker_is_recorded_and_reruns_go_on(
    cases_factory: Callable[..., Path], tmp_path: Path
) -> None:
    cases = cases_factory(3)
    (cases / "case001" / "CRASH").write_text("")
    out = tmp_path / "r.parquet"
    evaluator = "tests.cohort.case_evaluators:crashing_row"
    result = run_cohort(cases, out, workers=2, processes=True, evaluator=evaluator)
    table = pd.read_parquet(out).set_index("case_id")
    assert table.loc["case001", "status"] == "error"
    assert "KilledWorker" in table.loc["case001", "error"]
    assert (result.summary["ok"], result.summary["failed"]) == (2, 1)
    again = run_cohort(cases, out, workers=2, processes=True, evaluator=evaluator)
    assert (again.evaluated_now, again.skipped) == (0, 3)


def test_case_paths_are_resolved_before_they_go_to_workers(
    cases_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases_factory(2)
    monkeypatch.chdir(tmp_path)
    found = discover_cases(Path("cases"))
    assert all(case.is_absolute() for case in found)
    assert [case.name for case in found] == ["case000", "case001"]


def test_unreachable_scheduler_is_a_user_error(
    cases_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hccrt.cohort import runner
    from tests.web.live import free_port

    monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(InputError, match=r"--scheduler=tcp://127\.0\.0\.1:\d+: no Dask scheduler"):
        run_cohort(cases_factory(1), tmp_path / "r.parquet", scheduler=address, evaluator=EVALUATOR)
    assert not (tmp_path / "r.parquet").exists()
