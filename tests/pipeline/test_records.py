"""The main job's clinical record: patient.json, a FHIR bundle in its place, or none at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hccrt.clinical.fhir import bundle_from_record
from hccrt.clinical.patient import load_patient
from hccrt.dicom.case import inventory_case
from hccrt.phantom import PhantomResult
from hccrt.pipeline import RunOptions, run_case

PENCIL = RunOptions(final_dose="pencil_beam")  # the final collapsed-cone dose has its own tests

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def _stage(out: Path, name: str) -> dict[str, str]:
    run = json.loads((out / "run.json").read_text())
    return next(s for s in run["stages"] if s["name"] == name)


def test_a_fhir_bundle_replaces_patient_json(tmp_path: Path) -> None:
    record = load_patient(EXAMPLES / "single_hcc_child_a.json")
    case = tmp_path / "case"
    case.mkdir()
    (case / "patient.fhir.json").write_text(json.dumps(bundle_from_record(record)))
    assert inventory_case(case).patient_record == case / "patient.fhir.json"
    run_case(case, tmp_path / "out", options=PENCIL)
    reference = tmp_path / "reference"
    reference.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", reference / "patient.json")
    run_case(reference, tmp_path / "reference-out", options=PENCIL)
    assessed = (tmp_path / "out" / "assessment.json").read_text()
    assert assessed == (tmp_path / "reference-out" / "assessment.json").read_text()


def test_patient_json_wins_over_a_bundle_with_a_warning(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", tmp_path / "patient.json")
    (tmp_path / "patient.fhir.json").write_text("{}")
    inventory = inventory_case(tmp_path)
    assert inventory.patient_record == tmp_path / "patient.json"
    assert any("patient.fhir.json: not used" in w for w in inventory.warnings)


@pytest.mark.slow
def test_a_case_without_a_record_is_planned_with_the_general_limit(
    tmp_path: Path, node_phantom: PhantomResult
) -> None:
    # Issue 18 item 1: a case without patient.json or a FHIR bundle is planned, not only
    # evaluated: clinical stages "insufficient data", the general 22 Gy limit, said in the report.
    case = tmp_path / "case"
    shutil.copytree(node_phantom.ct_dir, case / "CT")
    shutil.copy(node_phantom.rtstruct_path, case / "RTSTRUCT.dcm")
    out = tmp_path / "out"
    result = run_case(case, out, options=RunOptions("3dcrt", final_dose="pencil_beam"))
    assert any("no clinical record" in w and "22 Gy" in w for w in result.warnings)
    assert _stage(out, "assessment")["status"] == "done"
    planning = _stage(out, "planning")
    assert planning["status"] == "done", planning
    assert "no clinical record: clinical stages insufficient data" in planning["detail"]
    assert "general 22 Gy mean normal-liver limit" in planning["detail"]
    assessment = json.loads((out / "assessment.json").read_text())
    assert "insufficient_data" in json.dumps(assessment["liver_function"])
    evaluation = json.loads((out / "evaluation.json").read_text())
    liver = [c for c in evaluation["constraints"] if c["id"].startswith("liver_mean")]
    assert [(c["id"], c["limit"]) for c in liver] == [("liver_mean_general", 22.0)]
    assert any("general 22 Gy mean normal-liver limit" in w for w in evaluation["warnings"])
    assert "general 22 Gy mean normal-liver limit" in (out / "report.html").read_text()
    plan = json.loads((out / "plan" / "plan.json").read_text())
    assert plan["chosen_technique"] == "3DCRT"


def test_a_case_without_a_record_and_without_images_is_not_planned(tmp_path: Path) -> None:
    (tmp_path / "case").mkdir()
    run_case(tmp_path / "case", tmp_path / "out")
    planning = _stage(tmp_path / "out", "planning")
    assert planning["status"] == "skipped"
    assert planning["detail"] == "needs CT and RTSTRUCT"
