"""The evaluation queue: a burst of evaluations is answered (202, 429, 503), never 500.

The request's database session is released before any heavy work, so other users' pages are
answered while evaluations wait or run.
"""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.errors import InputError
from hccrt.store.files import host_name
from hccrt.store.models import EvaluationJob
from hccrt.web.app import create_app
from hccrt.web.jobs import JobLimits, JobQueue
from tests.web.conftest import TestClient, add_accounts, finished_job, make_settings, sign_in
from tests.web.plans import small_liver_plan

EVALUATORS = ("clinician", "physicist", "admin")
BURST = 45
OPTIONS = {"fractions": 5, "prescription_gy": 40.0, "report": False}


def _patient_with_upload(client: TestClient, csrf: str, shared_data: Path) -> int:
    created = client.post(
        "/api/patients", json={"label": "Q-1", "record": {}}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    files = [
        ("files", (name, data, "application/dicom"))
        for name, data in small_liver_plan(shared_data).items()
    ]
    uploaded = client.post(
        f"/api/patients/{created.json()['id']}/uploads",
        files=files,
        headers={"X-CSRF-Token": csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    upload_id: int = uploaded.json()["upload_id"]
    return upload_id


@pytest.fixture
def queued_app(tmp_path: Path) -> FastAPI:
    """One worker slot, six places, three per account."""
    application = create_app(make_settings(tmp_path / "data"))
    application.state.jobs = JobQueue(
        application.state.sessions,
        application.state.files,
        JobLimits(workers=1, max_pending=6, per_user=3, retry_after_s=7),
    )
    add_accounts(application)
    return application


@pytest.mark.slow
def test_burst_is_queued_or_refused_with_retry_after_and_others_are_served(
    queued_app: FastAPI, shared_data: Path
) -> None:
    clients = {name: TestClient(queued_app, base_url="http://127.0.0.1") for name in EVALUATORS}
    tokens = {name: sign_in(client, name) for name, client in clients.items()}
    upload_id = _patient_with_upload(clients["clinician"], tokens["clinician"], shared_data)

    # Occupy the only worker slot, so that the burst finds the queue as a busy server would.
    gate = threading.Event()
    queued_app.state.jobs._executor.submit(gate.wait, 60)

    def evaluate(i: int) -> tuple[int, str | None]:
        name = EVALUATORS[i % len(EVALUATORS)]
        response = clients[name].post(
            f"/api/uploads/{upload_id}/evaluations",
            json=OPTIONS,
            headers={"X-CSRF-Token": tokens[name]},
        )
        return response.status_code, response.headers.get("retry-after")

    try:
        with ThreadPoolExecutor(BURST) as pool:
            answers = list(pool.map(evaluate, range(BURST)))
        codes = [code for code, _ in answers]
        assert 500 not in codes
        assert set(codes) <= {202, 429, 503}
        assert codes.count(202) == 6  # the queue's places, at most three per account
        assert codes.count(429) + codes.count(503) == BURST - 6
        assert {retry for code, retry in answers if code != 202} == {"7"}

        # Another user's pages are answered while the six jobs wait for the worker.
        with TestClient(queued_app, base_url="http://127.0.0.1") as viewer:
            sign_in(viewer, "viewer")
            assert viewer.get("/patients").status_code == 200
            assert viewer.get("/api/patients").status_code == 200
            with queued_app.state.sessions() as session:
                waiting = session.query(EvaluationJob).filter_by(status="queued").count()
            assert waiting == 6
            job_page = viewer.get("/jobs/1")
            assert "Waiting for a free worker" in job_page.text
            assert '<meta http-equiv="refresh"' in job_page.text  # without JavaScript
            assert '<script src="/static/job.js"></script>' in job_page.text  # polls the status
            assert '<progress id="job-progress" max="4" value="0">' in job_page.text
    finally:
        gate.set()

    client = clients["clinician"]
    for job_id in range(1, 7):
        job = finished_job(client, client.get(f"/api/jobs/{job_id}"))
        assert job["status"] == "done", job
        assert job["step"] == job["steps"]
        evaluation = client.get(f"/api/evaluations/{job['evaluation_id']}").json()
        assert evaluation["status"] == "ok"
    assert queued_app.state.jobs.pending() == 0
    for other in clients.values():
        other.close()


def test_jobs_of_a_killed_server_are_marked_failed_on_start(
    tmp_path: Path, shared_data: Path
) -> None:
    settings = make_settings(tmp_path / "data")
    first = create_app(settings)
    add_accounts(first)
    with TestClient(first, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        upload_id = _patient_with_upload(client, csrf, shared_data)
    dead = subprocess.Popen(["true"])
    dead.wait()
    workers = {
        1: f"{host_name()}:{dead.pid}",  # killed server on this host
        2: "another-host.example:1234",  # a server elsewhere: left alone
    }
    with first.state.sessions() as session:
        for worker in workers.values():
            session.add(
                EvaluationJob(
                    patient_id=1,
                    upload_id=upload_id,
                    created_by=2,
                    status="running",
                    worker=worker,
                    options=OPTIONS,
                )
            )
        session.commit()
    first.state.engine.dispose()

    with create_app(settings).state.sessions() as session:
        jobs = {job.worker: job for job in session.query(EvaluationJob)}
    assert jobs[workers[1]].status == "error"
    assert "server stopped before this evaluation finished" in (jobs[workers[1]].error or "")
    assert jobs[workers[2]].status == "running"


def test_job_limits_are_checked() -> None:
    with pytest.raises(InputError, match="workers=0: must be a whole number of at least 1"):
        JobLimits(workers=0)
    with pytest.raises(InputError, match="per_user=True"):
        JobLimits(per_user=True)
