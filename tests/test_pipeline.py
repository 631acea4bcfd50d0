"""The main job on case folders: stages, refusal to overwrite, missing pieces reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.pipeline import RunOptions, run_case

PENCIL = RunOptions(final_dose="pencil_beam")  # the final collapsed-cone dose has its own tests

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", folder / "patient.json")
    return folder


def test_assessment_only_case(case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_case(case_dir, out, options=PENCIL)
    names = [stage.name for stage in result.stages]
    assert names[:2] == ["inventory", "assessment"]
    assessment = json.loads((out / "assessment.json").read_text())
    assert assessment["liver_function"]["child_pugh"]["class"] == "A"
    run = json.loads((out / "run.json").read_text())
    assert run["stages"][1]["status"] == "done"
    assert "assessment" in (out / "summary.txt").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]


def test_existing_results_are_not_overwritten(case_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    with pytest.raises(InputError, match=r"never overwrites results; .*--force"):
        run_case(case_dir, out, options=PENCIL)
    assert (out / "keep.txt").read_text() == "earlier results"
    run_case(case_dir, out, force=True, options=PENCIL)
    assert not (out / "keep.txt").exists()


def test_missing_patient_record_is_insufficient_data(tmp_path: Path) -> None:
    # Issue 18: a case without a record is still run, and says so (tests/pipeline/test_records.py).
    (tmp_path / "case").mkdir()
    result = run_case(tmp_path / "case", tmp_path / "out", options=PENCIL)
    assert any("no clinical record" in warning for warning in result.warnings)
    assert (tmp_path / "out" / "assessment.json").is_file()


def test_invalid_patient_record_loses_nothing(case_dir: Path, tmp_path: Path) -> None:
    record = json.loads((case_dir / "patient.json").read_text())
    record["bilirubin_mg_dl"] = 34
    (case_dir / "patient.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match="bilirubin_mg_dl=34"):
        run_case(case_dir, tmp_path / "out", options=PENCIL)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_case_with_dose_is_evaluated_not_planned(
    case_dir: Path, tmp_path: Path, shared_data: Path
) -> None:
    for name in ("rtss.dcm", "rtdose.dcm", "rtplan.dcm", "ct.0.dcm"):
        shutil.copy(shared_data / "breast_boost_plan" / name, case_dir / name)
    out = tmp_path / "out"
    result = run_case(case_dir, out, options=PENCIL)
    stages = {stage.name: stage for stage in result.stages}
    assert stages["planning"].status == "skipped"
    assert "already has a dose" in stages["planning"].detail
    assert stages["evaluation"].status == "done"
    evaluation = json.loads((out / "evaluation.json").read_text())
    assert evaluation["verdict"] in {"pass", "fail"}
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
