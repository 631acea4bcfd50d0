"""The runnable examples run, from a fresh process, and print what their docstrings promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compare_fractionations() -> None:
    rows = run_example("compare_fractionations.py").splitlines()
    # 50 Gy in 25: BED = 50 (1 + 2/10) = 60 Gy for α/β 10; EQD2 equals the physical dose.
    assert rows[1] == "conventional 50 Gy / 25 | 50.0 | 60.0 | 50.0 | 90.0 | 50.0"
    assert len(rows) == 5


def test_dvh_of_a_plan(shared_data: Path) -> None:
    rows = run_example("dvh_of_a_plan.py", str(shared_data / "breast_boost_plan")).splitlines()
    tumour_bed = next(row for row in rows if row.startswith("Tumor Bed |"))
    assert tumour_bed.split(" | ")[2] == "14.29"  # the planning system's stored Dmean: 14.29 Gy


@pytest.mark.slow
def test_plan_the_phantom(tmp_path: Path) -> None:
    out = run_example("plan_the_phantom.py", str(tmp_path))
    assert "Child-Pugh A" in out
    assert "technique: 3DCRT (3DCRT requested)" in out
    assert "3DCRT: meets the dosimetric requirements" in out
    assert "RTPLAN.dcm" in out
    assert "RTDOSE.dcm" in out
