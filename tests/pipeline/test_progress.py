"""The main job and ``hccrt plan`` report their stages, beams and iterations in order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.pipeline import run_case
from hccrt.pipeline._plan_case_dir import plan_case_dir
from hccrt.progress import RecordedProgress
from tests.planning.synthetic_case import write_case

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def _stages(recorded: RecordedProgress) -> list[tuple[object, ...]]:
    return [e[1:] for e in recorded.events if e[0] == "stage"]


def test_run_reports_its_four_stages_in_order(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", case / "patient.json")
    recorded = RecordedProgress()
    run_case(case, tmp_path / "out", progress=recorded)
    assert _stages(recorded) == [
        ("inventory of the case folder", 1, 4),
        ("clinical assessment", 2, 4),
        ("planning", 3, 4),
        ("evaluation and report", 4, 4),
    ]
    assert not [e for e in recorded.events if e[0] == "step"]  # nothing planned: no beams


def test_a_refused_run_reports_no_stage_after_the_refusal(tmp_path: Path) -> None:
    recorded = RecordedProgress()
    with pytest.raises(InputError, match=r"CASE_DIR=.*missing: must be an existing folder"):
        run_case(tmp_path / "missing", tmp_path / "out", progress=recorded)
    assert _stages(recorded) == [("inventory of the case folder", 1, 4)]


@pytest.mark.slow
def test_plan_reports_stages_then_beams(tmp_path: Path) -> None:
    case = write_case(tmp_path / "case")
    recorded = RecordedProgress()
    plan_case_dir(
        case, tmp_path / "out", 50.0, 25, technique="3dcrt", gantry_deg=(0.0, 120.0, 240.0),
        progress=recorded,
    )  # fmt: skip
    assert [s[1:] for s in _stages(recorded)] == [(1, 3), (2, 3), (3, 3)]
    kinds = [e[0] for e in recorded.events]
    beams = [e[2:] for e in recorded.events if e[0] == "step" and e[1] == "beams"]
    assert beams == [(1, 3), (2, 3), (3, 3)]
    first_beam = recorded.events.index(("step", "beams", 1, 3))
    assert recorded.events.index(("stage", "planning", 2, 3)) < first_beam
    assert "note" in kinds
