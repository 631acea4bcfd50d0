"""Start-up benchmark: whole processes, as a user runs them.

1. ``hccrt --help``: interpreter start-up and the CLI's imports (goal < 0.25 s).
2. ``hccrt dvh`` on the breast plan (all ROIs, JSON out): start-up, reading, DVH, output; with
   the CPU time of the process (user + system), which should stay close to its wall time.
3. dicompyler-core on the same plan as a whole process, when its venv (``.bench/dicompyler``,
   made by ``bench_dvh.py``) exists; otherwise hccrt is reported alone.

Usage: ``.venv/bin/python benchmarks/bench_startup.py [RUNS] [BEFORE_SRC]`` (or ``make bench``).
With ``BEFORE_SRC`` (the ``src`` folder of another checkout, e.g. ``main``'s) ``hccrt dvh`` is
also timed on that code (``PYTHONPATH=BEFORE_SRC``), in the same run, for a before/after row.
On a shared machine compare the CPU time and the min wall time: the load inflates the medians.
"""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BREAST = ROOT.parent / "shared" / "data" / "breast_boost_plan"
DICOMPYLER = ROOT / ".bench" / "dicompyler" / "bin" / "python"


def timed(
    command: list[str], stdin: str | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole process."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(command, input=stdin, capture_output=True, text=True, check=True, env=env)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def row(
    label: str,
    command: list[str],
    runs: int,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, float, float]:
    """Print one markdown row; return the min wall, median wall and median CPU time."""
    samples = [timed(command, stdin, env) for _ in range(runs)]
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    median = statistics.median(walls)
    cpu = statistics.median(cpus)
    print(
        f"| {label} | {min(walls):.2f} | {median:.2f} | {cpu:.2f} | "
        f"{', '.join(f'{w:.2f}' for w in walls)} |"
    )
    return min(walls), median, cpu


def _dicompyler_job() -> str:
    spec = importlib.util.spec_from_file_location("bench_dvh", ROOT / "benchmarks" / "bench_dvh.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    job: str = module._DICOMPYLER_JOB
    return job


def main(runs: int = 5, before_src: str | None = None) -> None:
    """Time the commands and print a markdown table."""
    hccrt = [sys.executable, "-m", "hccrt"]
    dvh = ["dvh", "--rtstruct", str(BREAST / "rtss.dcm"), "--rtdose", str(BREAST / "rtdose.dcm")]
    print(f"{runs} runs each; seconds; CPU = user + system time of the process.\n")
    print("| command | min wall | median wall | median CPU | all wall |\n|---|---|---|---|---|")
    row("`hccrt --help`", [*hccrt, "--help"], runs)
    ours = row("`hccrt dvh` breast plan, all ROIs", [*hccrt, *dvh, "--format", "json"], runs)
    if before_src is not None:
        env = {**os.environ, "PYTHONPATH": before_src}
        row(f"`hccrt dvh`, same, before (`{before_src}`)", [*hccrt, *dvh, "--format", "json"],
            runs, env=env)  # fmt: skip
    if DICOMPYLER.exists():
        jobs = json.dumps([{"rtss": str(BREAST / "rtss.dcm"), "rtdose": str(BREAST / "rtdose.dcm"),
                            "name": ""}])  # fmt: skip
        theirs = row("dicompyler-core 0.5.6, same plan", [str(DICOMPYLER), "-c", _dicompyler_job()],
                     runs, jobs)  # fmt: skip
        ratios = ", ".join(
            f"{label} {t / o:.1f}x"
            for label, t, o in zip(("min wall", "median wall", "median CPU"), theirs, ours,
                                   strict=True)
        )  # fmt: skip
        print(f"\nWhole process, dicompyler-core / hccrt: {ratios}")
    else:
        print(f"\n(dicompyler-core not compared: no {DICOMPYLER}; bench_dvh.py makes it)")
    print()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2] if len(sys.argv) > 2 else None)
