"""Web and cohort benchmark: 20 concurrent users for 60 s on a live server; cohort throughput.

Run: ``.venv/bin/python benchmarks/run_all.py web`` (or this file directly). Prints markdown
tables. Environment: HCCRT_LOAD_SECONDS (default 60), HCCRT_LOAD_USERS (default 20).
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
            f"errors {len(result.errors)}, lost records {len(lost)}"
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


def main() -> None:
    """Run the load benchmark and the cohort benchmark, print markdown tables."""
    with tempfile.TemporaryDirectory(prefix="hccrt-bench-web-") as tmp:
        _load(Path(tmp))
        _cohort(Path(tmp))


if __name__ == "__main__":
    main()
