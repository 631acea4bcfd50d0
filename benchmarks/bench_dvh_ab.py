"""``hccrt dvh`` on the breast plan, two versions of the code interleaved (CPU time per run).

On a shared machine the load drifts between the blocks of runs of ``bench_startup.py``; here the
two versions alternate run by run (the order swapped every run), so a difference of a few percent
shows. Usage: ``.venv/bin/python benchmarks/bench_dvh_ab.py RUNS BEFORE_SRC [AFTER_SRC]``
(``AFTER_SRC`` defaults to this checkout's ``src``); run it with ``PYTHONDONTWRITEBYTECODE``
unset so that both versions use their ``.pyc`` files.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BREAST = ROOT.parent / "shared" / "data" / "breast_boost_plan"


def cpu_seconds(src: str) -> float:
    """User + system CPU seconds of one ``hccrt dvh`` process on the code in ``src``."""
    command = [sys.executable, "-m", "hccrt", "dvh", "--rtstruct", str(BREAST / "rtss.dcm")]
    command += ["--rtdose", str(BREAST / "rtdose.dcm"), "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = os.times()
    subprocess.run(command, env={**env, "PYTHONPATH": src}, capture_output=True, check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def main(runs: int, before_src: str, after_src: str = str(ROOT / "src")) -> None:
    """Print a markdown table of the median and min CPU time of each version."""
    versions = {"before": before_src, "after": after_src}
    samples: dict[str, list[float]] = {name: [] for name in versions}
    for run in range(runs):
        order = list(versions) if run % 2 else list(reversed(versions))
        for name in order:
            samples[name].append(cpu_seconds(versions[name]))
    print(f"{runs} interleaved runs each; CPU seconds (user + system) of the process.\n")
    print("| code | median CPU | min CPU | all |\n|---|---|---|---|")
    for name, values in samples.items():
        listed = ", ".join(f"{v:.2f}" for v in values)
        print(
            f"| {name} (`{versions[name]}`) | {statistics.median(values):.2f} | "
            f"{min(values):.2f} | {listed} |"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], *sys.argv[3:4])
