"""Web and cohort benchmark: load, faults and cohort throughput on a live server.

Run: ``.venv/bin/python benchmarks/run_all.py web`` (or this file directly). Prints markdown
tables. Environment: HCCRT_LOAD_SECONDS (default 60), HCCRT_LOAD_USERS (default 20),
HCCRT_TEST_POSTGRES_URL (the fault table also runs on PostgreSQL when set). ``--faults-only``
runs only the fault table (45 simultaneous evaluations, SIGKILL during an evaluation, a
crashing cohort case); ``--seconds N`` shortens the load window; ``--phantom-cohort``
re-measures the phantom cohort and rewrites its table in docs/validation/web.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def _load(tmp: Path) -> None:
    from tests.web.conftest import PASSWORD
    from tests.web.live import live_server, prepare
    from tests.web.load import lost_records, run_load
    from tests.web.plans import small_liver_plan
    from tests.web.test_load import add_load_users

    from hccrt.store import accounts

    seconds = float(os.environ.get("HCCRT_LOAD_SECONDS", "60"))
    users = int(os.environ.get("HCCRT_LOAD_USERS", "20"))
    plan = small_liver_plan(SHARED)
    scenarios = (
        ("every evaluation writes its PDF report", 1, lambda _u, _c: True),
        ("every evaluation writes its PDF report", 2, lambda _u, _c: True),
        ("reports only on the first evaluation of every fifth user (as in CI)", 1,
         lambda user, cycle: user % 5 == 0 and cycle == 0),
    )  # fmt: skip
    for number, (title, processes, reports) in enumerate(scenarios):
        data = tmp / f"load{number}"
        accounts.use_password_profile("cheapest-for-tests")  # account set-up only
        prepare(data, PASSWORD)
        logins = add_load_users(data, users)
        accounts.use_password_profile("rfc9106-low-memory")
        with live_server(data, workers=processes) as server:
            result = run_load(server.url, logins, plan, seconds, reports=reports)
        lost = lost_records(data, result)
        print(
            f"\nLoad: {users} users, {seconds:.0f} s window (wall {result.wall_s:.1f} s incl. "
            f"the cycles in flight), {title}; SQLite store, {processes} server process(es). "
            "Plan: Nelms 20 mm sphere renamed Liver on the 3 mm dose grid.\n"
        )
        print("| request | count | median s | p95 s |")
        print("|---|---:|---:|---:|")
        for kind, stats in result.summary().items():
            print(
                f"| {kind} | {stats['count']:.0f} | {stats['median_s']:.3f} | "
                f"{stats['p95_s']:.3f} |"
            )
        print(
            f"\nuploads {len(result.uploads)}, evaluations {len(result.evaluations)}, "
            f"errors {len(result.errors)}, lost records {len(lost)}, refused by the full "
            f"queue {sum(result.refused.values())} (429/503, retried)"
        )
        for line in (result.errors + lost)[:10]:
            print(f"- {line}")


def _cohort(tmp: Path) -> None:
    from hccrt.cohort.runner import run_cohort

    plan = SHARED / "breast_boost_plan"
    cases = tmp / "cases"
    for i in range(8):
        case = cases / f"case{i:02d}"
        case.mkdir(parents=True)
        for name in ("rtss.dcm", "rtdose.dcm", "rtplan.dcm"):
            (case / name).symlink_to(plan / name)
    print("\nCohort: 8 copies of the breast plan (RTSTRUCT+RTDOSE+RTPLAN), plan evaluation.\n")
    print("| workers | wall s | s per case |")
    print("|---:|---:|---:|")
    for workers, processes in ((1, False), (2, False), (2, True)):
        out = tmp / f"cohort{workers}{processes}.parquet"
        started = time.perf_counter()
        result = run_cohort(cases, out, workers=workers, processes=processes)
        wall = time.perf_counter() - started
        assert result.summary["ok"] == 8, result.failures
        kind = "processes" if processes else "threads"
        print(f"| {workers} {kind} | {wall:.1f} | {wall / 8:.2f} |")


BURST = 45


def _wipe_postgres(url: str) -> None:
    from sqlalchemy import text

    from hccrt.store.db import make_engine
    from hccrt.store.models import Base

    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def _burst(data: Path, database: str | None) -> dict[str, object]:
    """45 evaluations sent at once by 15 accounts while a viewer reads the patient list."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from tests.web.conftest import PASSWORD
    from tests.web.live import live_server, login, prepare
    from tests.web.plans import small_liver_plan
    from tests.web.test_load import add_load_users

    from hccrt.store import accounts

    accounts.use_password_profile("cheapest-for-tests")
    prepare(data, PASSWORD, database)
    logins = add_load_users(data, 15) if database is None else _pg_users(data, database)
    plan = small_liver_plan(SHARED)
    codes: list[int] = []
    list_latencies: list[float] = []
    with live_server(data, database=database) as server:
        clients = []
        for name, password in logins:
            client = httpx.Client(base_url=server.url, timeout=600)
            clients.append((client, {"X-CSRF-Token": login(client, name, password)}))
        first, headers = clients[0]
        patient = first.post(
            "/api/patients", json={"label": "BURST", "record": {}}, headers=headers
        ).json()["id"]
        files = [("files", (n, d, "application/dicom")) for n, d in plan.items()]
        upload = first.post(f"/api/patients/{patient}/uploads", files=files, headers=headers)
        upload_id = upload.json()["upload_id"]
        viewer = httpx.Client(base_url=server.url, timeout=600)
        login(viewer, "viewer", PASSWORD)
        done = threading.Event()

        def read_list() -> None:
            while not done.is_set():
                started = time.perf_counter()
                assert viewer.get("/patients").status_code == 200
                list_latencies.append(time.perf_counter() - started)
                time.sleep(0.2)

        reader = threading.Thread(target=read_list)
        reader.start()
        options = {"fractions": 5, "prescription_gy": 50.0, "report": False}

        def evaluate(i: int) -> httpx.Response:
            client, hdrs = clients[i % len(clients)]
            return client.post(f"/api/uploads/{upload_id}/evaluations", json=options, headers=hdrs)

        started = time.perf_counter()
        with ThreadPoolExecutor(BURST) as pool:
            answers = list(pool.map(evaluate, range(BURST)))
        codes = [a.status_code for a in answers]
        jobs = [a.json()["url"] for a in answers if a.status_code == 202]
        states = []
        for url in jobs:
            while (job := first.get(url).json())["status"] in ("queued", "running"):
                time.sleep(0.2)
            states.append(job["status"])
        wall = time.perf_counter() - started
        done.set()
        reader.join()
        for client, _ in clients:
            client.close()
        viewer.close()
    return {
        "202": codes.count(202),
        "429": codes.count(429),
        "503": codes.count(503),
        "500": codes.count(500),
        "other": len([c for c in codes if c not in (202, 429, 503, 500)]),
        "done": states.count("done"),
        "failed": len(states) - states.count("done"),
        "list_max_s": max(list_latencies),
        "list_n": len(list_latencies),
        "wall_s": wall,
    }


def _pg_users(data: Path, database: str) -> list[tuple[str, str]]:
    import dataclasses

    from tests.web.conftest import PASSWORD, make_settings

    from hccrt.store import accounts
    from hccrt.web.app import create_app

    settings = dataclasses.replace(make_settings(data), database_url=database)
    app = create_app(settings)
    names = [f"load{i:02d}" for i in range(1, 16)]
    with app.state.sessions() as session:
        for name in names:
            accounts.create_user(session, name, PASSWORD, "clinician")
        session.commit()
    app.state.engine.dispose()
    return [(name, PASSWORD) for name in names]


def _kill_during_evaluation(data: Path, database: str | None) -> dict[str, int]:
    """SIGKILL while evaluations with reports run; after restart and gc: what is left."""
    import httpx
    from tests.web.conftest import PASSWORD
    from tests.web.live import live_server, login
    from tests.web.plans import small_liver_plan

    from hccrt.store.db import default_database_url, make_engine, session_factory
    from hccrt.store.files import ContentStore
    from hccrt.store.maintenance import check_store, collect_garbage
    from hccrt.store.models import EvaluationJob

    plan = small_liver_plan(SHARED)
    with live_server(data, database=database) as server:
        client = httpx.Client(base_url=server.url, timeout=600)
        headers = {"X-CSRF-Token": login(client, "clinician", PASSWORD)}
        patient = client.post(
            "/api/patients", json={"label": "KILL-EVAL", "record": {}}, headers=headers
        ).json()["id"]
        files = [("files", (n, d, "application/dicom")) for n, d in plan.items()]
        upload_id = client.post(
            f"/api/patients/{patient}/uploads", files=files, headers=headers
        ).json()["upload_id"]
        options = {"fractions": 5, "prescription_gy": 50.0, "report": True}
        urls = [
            client.post(
                f"/api/uploads/{upload_id}/evaluations", json=options, headers=headers
            ).json()["url"]
            for _ in range(3)
        ]
        while client.get(urls[0]).json()["status"] != "running":
            time.sleep(0.05)
        server.kill()
        client.close()
    with live_server(data, database=database) as server:
        leftovers = [p for p in (data / "files" / "tmp").rglob("*") if p.is_file()]
    engine = make_engine(database or default_database_url(data))
    with session_factory(engine)() as session:
        unfinished = session.query(EvaluationJob).filter(
            EvaluationJob.status.in_(("queued", "running"))
        )
        store = ContentStore(data / "files")
        collect_garbage(session, store, grace_s=0)
        orphans = len(check_store(session, store).unreferenced)
        count = unfinished.count()
    engine.dispose()
    return {"temporary files": len(leftovers), "unfinished jobs": count, "orphans": orphans}


def _crashing_cohort(tmp: Path) -> dict[str, object]:
    from tests.cohort.conftest import make_cases

    from hccrt.cohort.runner import run_cohort

    cases = make_cases(SHARED, tmp, 3)
    (cases / "case001" / "CRASH").write_text("")
    out = tmp / "crash.parquet"
    evaluator = "tests.cohort.case_evaluators:crashing_row"
    first = run_cohort(cases, out, workers=2, processes=True, evaluator=evaluator)
    again = run_cohort(cases, out, workers=2, processes=True, evaluator=evaluator)
    return {
        "ok": first.summary["ok"],
        "failed": first.summary["failed"],
        "error": first.failures[0]["error"].split(":")[0] if first.failures else "",
        "rerun evaluated": again.evaluated_now,
    }


def _faults(tmp: Path) -> None:
    backends: list[tuple[str, str | None]] = [("SQLite", None)]
    if postgres := os.environ.get("HCCRT_TEST_POSTGRES_URL"):
        backends.append(("PostgreSQL", postgres))
    print("\nFaults (fixes of issue 15 in place).\n")
    print("| check | backend | result |")
    print("|---|---|---|")
    for name, database in backends:
        if database:
            _wipe_postgres(database)
        burst = _burst(tmp / f"burst-{name}", database)
        print(
            f"| {BURST} evaluations sent at once (15 accounts; queue: 32 places, 4 per account) "
            f"| {name} | 202 × {burst['202']}, 429 × {burst['429']}, 503 × {burst['503']}, "
            f"500 × {burst['500']}, other × {burst['other']}; queued jobs done {burst['done']}, "
            f"failed {burst['failed']} (all answered in {burst['wall_s']:.0f} s) |"
        )
        print(
            f"| another user's patient list during the burst | {name} | {burst['list_n']} "
            f"requests, all 200, slowest {burst['list_max_s']:.2f} s |"
        )
        killed = _kill_during_evaluation(tmp / f"burst-{name}", database)
        print(
            f"| SIGKILL during 3 queued evaluations with report, restart, gc | {name} | "
            f"temporary files {killed['temporary files']}, unfinished jobs "
            f"{killed['unfinished jobs']}, orphan objects {killed['orphans']} |"
        )
        if database:
            _wipe_postgres(database)
    crash = _crashing_cohort(tmp)
    print(
        f"| cohort of 3 with one case that kills its worker (2 worker processes) | - | ok "
        f"{crash['ok']}, failed {crash['failed']} ({crash['error']}); rerun evaluated "
        f"{crash['rerun evaluated']} (no abort) |"
    )


def _phantom_cohort(tmp: Path) -> None:
    """Re-measure the phantom cohort of docs/validation/web.md and rewrite its table."""
    import pandas as pd
    from tests.cohort.phantom_cohort import CASES, build_case, render_table, rows_of, write_doc

    from hccrt.cohort.runner import run_cohort

    cohort = tmp / "cohort"
    for name in CASES:
        build_case(name, tmp / "phantoms", cohort)
    (cohort / "broken").mkdir()
    (cohort / "broken" / "RTDOSE.dcm").write_text("not dicom")
    started = time.perf_counter()
    run_cohort(cohort, tmp / "results.parquet", workers=2)
    rows = rows_of(pd.read_parquet(tmp / "results.parquet"))
    write_doc(rows)
    print(f"\nPhantom cohort ({time.perf_counter() - started:.0f} s with 2 threads):\n")
    print(render_table(rows))


def main() -> None:
    """Run the load, fault and cohort benchmarks, print markdown tables."""
    args = sys.argv[1:]
    if "--phantom-cohort" in args:
        with tempfile.TemporaryDirectory(prefix="hccrt-bench-phantoms-") as tmp:
            _phantom_cohort(Path(tmp))
        return
    if "--seconds" in args:
        os.environ["HCCRT_LOAD_SECONDS"] = args[args.index("--seconds") + 1]
    with tempfile.TemporaryDirectory(prefix="hccrt-bench-web-") as tmp:
        if "--faults-only" not in args:
            _load(Path(tmp))
        _faults(Path(tmp))
        if "--faults-only" not in args:
            _cohort(Path(tmp))


if __name__ == "__main__":
    main()
