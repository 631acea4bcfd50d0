"""Concurrent users against a live server: upload, evaluate, read; errors and lost records.

Used by ``tests/web/test_load.py`` (short CI run) and ``benchmarks/bench_web.py`` (60 s).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hccrt.store.db import default_database_url, make_engine, session_factory
from hccrt.store.models import Evaluation, Upload
from tests.web.live import login

EVALUATION_OPTIONS = {"fractions": 5, "prescription_gy": 50.0}
Reports = Callable[[int, int], bool]


def every_report(_user: int, _cycle: int) -> bool:
    """Every evaluation writes its PDF report."""
    return True


@dataclass
class LoadResult:
    """What the users did and saw."""

    users: int
    duration_s: float
    wall_s: float = 0.0
    uploads: list[int] = field(default_factory=list)
    evaluations: list[tuple[int, bool]] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def timed(
        self, kind: str, call: Callable[[], httpx.Response], *expected: int
    ) -> httpx.Response:
        """Run one request, record its latency and any status not in ``expected``."""
        started = time.perf_counter()
        try:
            response = call()
        except httpx.HTTPError as error:
            with self.lock:
                self.errors.append(f"{kind}: {type(error).__name__}: {error}")
            raise
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies_s.setdefault(kind, []).append(elapsed)
            if response.status_code not in expected:
                self.errors.append(f"{kind}: HTTP {response.status_code}: {response.text[:200]}")
        return response

    def summary(self) -> dict[str, dict[str, float]]:
        """Count, median and 95th percentile latency (s) per request kind."""
        out = {}
        for kind, values in sorted(self.latencies_s.items()):
            ordered = sorted(values)
            out[kind] = {
                "count": float(len(values)),
                "median_s": statistics.median(ordered),
                "p95_s": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
            }
        return out


@dataclass(frozen=True)
class _Job:
    url: str
    username: str
    password: str
    index: int
    plan: dict[str, bytes]
    deadline: float
    reports: Reports


def _cycle(
    client: httpx.Client,
    job: _Job,
    patient_id: int,
    cycle: int,
    headers: dict[str, str],
    result: LoadResult,
) -> bool:
    files = [("files", (name, data, "application/dicom")) for name, data in job.plan.items()]
    upload = result.timed(
        "upload",
        lambda: client.post(f"/api/patients/{patient_id}/uploads", files=files, headers=headers),
        201,
    )
    if upload.status_code != 201:
        return False
    upload_id = upload.json()["upload_id"]
    with result.lock:
        result.uploads.append(upload_id)
    with_report = job.reports(job.index, cycle)
    options = {**EVALUATION_OPTIONS, "report": with_report}
    kind = "evaluate with report" if with_report else "evaluate"
    started = time.perf_counter()
    queued = result.timed(
        f"queue {kind}",
        lambda: client.post(f"/api/uploads/{upload_id}/evaluations", json=options, headers=headers),
        202,
        429,
        503,
    )
    if queued.status_code in (429, 503):  # the queue is full: the answer a client must handle
        with result.lock:
            result.refused[queued.status_code] = result.refused.get(queued.status_code, 0) + 1
        time.sleep(min(float(queued.headers.get("retry-after", "1")), 2.0))
        return True
    if queued.status_code != 202:
        return False
    job_url = queued.json()["url"]
    while (job := client.get(job_url).json())["status"] in ("queued", "running"):
        time.sleep(0.1)
    with result.lock:
        result.latencies_s.setdefault(f"{kind} (until stored)", []).append(
            time.perf_counter() - started
        )
    if job["status"] != "done":
        with result.lock:
            result.errors.append(f"{kind}: job {job['id']} {job['status']}: {job['error']}")
        return False
    evaluation_id = job["evaluation_id"]
    with result.lock:
        result.evaluations.append((evaluation_id, with_report))
    result.timed("view evaluation", lambda: client.get(f"/evaluations/{evaluation_id}"), 200)
    result.timed("patient list", lambda: client.get("/patients"), 200)
    return True


def _user(job: _Job, result: LoadResult) -> None:
    with httpx.Client(base_url=job.url, timeout=300) as client:
        try:
            headers = {"X-CSRF-Token": login(client, job.username, job.password)}
            created = result.timed(
                "create patient",
                lambda: client.post(
                    "/api/patients",
                    json={"label": f"LOAD-{job.index:02d}", "record": {}},
                    headers=headers,
                ),
                201,
            )
            patient_id = created.json()["id"]
            cycle = 0
            while time.monotonic() < job.deadline:
                if not _cycle(client, job, patient_id, cycle, headers, result):
                    return
                cycle += 1
        except (httpx.HTTPError, KeyError, ValueError, RuntimeError) as error:
            with result.lock:
                result.errors.append(f"user {job.username}: {type(error).__name__}: {error}")


def run_load(
    url: str,
    accounts: list[tuple[str, str]],
    plan: dict[str, bytes],
    duration_s: float,
    reports: Reports = every_report,
) -> LoadResult:
    """All accounts work at once until ``duration_s`` has passed (ongoing cycles finish)."""
    result = LoadResult(users=len(accounts), duration_s=duration_s)
    started = time.monotonic()
    jobs = [
        _Job(url, name, password, i, plan, started + duration_s, reports)
        for i, (name, password) in enumerate(accounts)
    ]
    threads = [threading.Thread(target=_user, args=(job, result)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.monotonic() - started
    return result


def lost_records(data_dir: Path, result: LoadResult) -> list[str]:
    """Uploads or evaluations the clients were told about but the store does not hold."""
    engine = make_engine(default_database_url(data_dir))
    problems = []
    try:
        with session_factory(engine)() as session:
            for upload_id in result.uploads:
                row = session.get(Upload, upload_id)
                if row is None or row.file_count != len(row.files):
                    problems.append(f"upload {upload_id}")
            for evaluation_id, with_report in result.evaluations:
                evaluation = session.get(Evaluation, evaluation_id)
                if (
                    evaluation is None
                    or evaluation.status != "ok"
                    or bool(evaluation.report_sha256) != with_report
                ):
                    problems.append(f"evaluation {evaluation_id}")
            if session.query(Upload).count() != len(result.uploads):
                problems.append("upload rows differ from the uploads reported to the clients")
    finally:
        engine.dispose()
    return problems
