"""``hccrt plan`` end to end on a synthetic DICOM abdomen, and its input errors."""

from __future__ import annotations

import json
import shutil

import pytest

from hccrt.dicom import read_rtdose, read_rtplan, read_rtstruct
from tests.conftest import CliResult, invoke
from tests.planning.synthetic_case import write_case


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory):
    return write_case(tmp_path_factory.mktemp("case"))


@pytest.mark.slow
def test_plan_auto_writes_readable_plan_and_dose(case_dir, tmp_path):
    out = tmp_path / "out"
    result = plan_50_in_10(str(case_dir), str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["target"] == "PTV"
    assert payload["plans"][0]["technique"] == "3DCRT"
    assert payload["chosen_technique"] in ("3DCRT", "IMRT")
    if payload["chosen_technique"] == "IMRT":
        assert "3DCRT fails" in payload["reason"]
    evaluation = json.loads((out / "evaluation.json").read_text())
    first = evaluation["plans"][0]
    assert first["constraints"][0]["label"] == "mean(Liver-GTV) <= 23 Gy"
    assert "seed 000" in first["constraints"][0]["source"]
    assert first["protocol_verdict"] == "fail"  # 3DCRT: normal-liver mean above 23 Gy
    assert first["ntcp"][0]["structure"] == "Liver-GTV"
    assert first["dvh"]["PTV"]["volume_pct"][0] == pytest.approx(100.0)
    plan = read_rtplan(out / "RTPLAN.dcm")
    structures = read_rtstruct(out / "RTSTRUCT.dcm")
    assert {"PTV", "CTV", "GTV", "Liver"} <= set(structures.names)
    assert plan.referenced_structure_set_uid == structures.sop_instance_uid
    if payload["chosen_technique"] == "IMRT":
        assert (out / "alternative" / "RTPLAN_3DCRT.dcm").is_file()
    assert plan.prescription_dose_gy == 50.0
    assert plan.fractions == 10
    dose = read_rtdose(out / "RTDOSE.dcm")
    assert dose.referenced_plan_uid == plan.sop_instance_uid
    assert dose.grid.frame_of_reference_uid == plan.frame_of_reference_uid
    assert 45.0 < float(dose.dose_gy.max()) < 60.0


def plan_50_in_10(case: str, out: str, *extra: str) -> CliResult:
    """``hccrt plan CASE --prescription-gy 50 --fractions 10 --out OUT EXTRA...``."""
    return invoke(
        [
            "plan",
            case,
            "--prescription-gy",
            "50",
            "--fractions",
            "10",
            "--out",
            out,
            "--final-dose",
            "pencil-beam",
            *extra,
        ]  # the collapsed-cone final dose: own test
    )


def test_plan_without_target_is_a_clear_error(case_dir, tmp_path):
    result = plan_50_in_10(str(case_dir), str(tmp_path), "--target", "Tumour")
    assert result.exit_code == 2
    assert "no target" in result.stderr


def test_plan_rejects_child_pugh_c(case_dir, tmp_path):
    result = plan_50_in_10(str(case_dir), str(tmp_path), "--child-pugh", "C")
    assert result.exit_code == 2
    assert "child_pugh_class" in result.stderr


def test_plan_case_without_structures(case_dir, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(case_dir / "CT", bare / "CT")
    result = plan_50_in_10(str(bare), str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "RTSTRUCT" in result.stderr
