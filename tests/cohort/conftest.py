"""Case folders built from the shared breast plan by symbolic links (no data copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

EVALUATOR = "tests.cohort.case_evaluators:tumor_bed_row"


def make_cases(shared_data: Path, root: Path, good: int, broken: int = 0) -> Path:
    """``good`` cases linking the breast plan's RTSTRUCT and RTDOSE, ``broken`` unreadable ones."""
    plan = shared_data / "breast_boost_plan"
    cases = root / "cases"
    for i in range(good):
        case = cases / f"case{i:03d}"
        case.mkdir(parents=True)
        for name in ("rtss.dcm", "rtdose.dcm"):
            (case / name).symlink_to(plan / name)
    for i in range(broken):
        case = cases / f"broken{i:03d}"
        case.mkdir(parents=True)
        (case / "rtdose.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"garbage" * 50)
    return cases


@pytest.fixture
def cases_factory(shared_data: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``factory(good, broken) -> cases_dir``."""

    def factory(good: int, broken: int = 0) -> Path:
        return make_cases(shared_data, tmp_path, good, broken)

    return factory
