"""``hccrt run`` measures the lipiodol deposition after TACE and gives it to the assessment
(issue 17 item 4). Seed 001: radiotherapy alone is selected for patients who cannot undergo
intervention, "e.g., poor iodine oil deposition"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.clinical.assess import assess
from hccrt.clinical.patient import PatientRecord, load_patient
from hccrt.dicom.case import inventory_case
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from hccrt.pipeline._lipiodol import lipiodol_stage
from hccrt.pipeline.results import Workspace


@pytest.fixture(scope="module")
def post_tace(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """A reduced post-TACE phantom: one deposit of 60 % of the tumour radius (22 % of its
    volume), so the deposition is poor by the 50 % cut-off."""
    options = PhantomOptions(seed=3, matrix_size=128, slice_thickness_mm=6.0, lipiodol=True)
    return generate_phantom(tmp_path_factory.mktemp("post_tace"), options)


def _stage(
    post_tace: PhantomResult, tmp_path: Path, **record: object
) -> tuple[PatientRecord, Workspace]:
    inventory = inventory_case(post_tace.out_dir)
    patient = load_patient(post_tace.out_dir / "patient.json")
    patient = patient.model_copy(update=record)
    work = Workspace(tmp_path)
    return lipiodol_stage(inventory, patient, work), work


def test_poor_deposition_is_measured_and_given_to_the_assessment(
    post_tace: PhantomResult, tmp_path: Path
) -> None:
    before = load_patient(post_tace.out_dir / "patient.json")
    assert [t.kind.value for t in before.prior_treatments] == ["tace"]
    assert before.poor_lipiodol_deposition is None
    updated, work = _stage(post_tace, tmp_path)
    assert updated.poor_lipiodol_deposition is True
    (stage,) = work.stages
    assert stage.name == "lipiodol"
    assert stage.status == "done"
    assert "poor deposition" in stage.detail
    assert "given to the assessment" in stage.detail
    assert any("measured on the CT, not given in the record" in w for w in work.warnings)
    measured = json.loads((tmp_path / "lipiodol.json").read_text())
    assert measured["poor_deposition"] is True
    assert 0.1 < measured["deposition_fraction"] < 0.5
    assessment = assess(updated)
    assert "rt_alone" in {i.key for i in assessment.radiotherapy.sequencing}
    assert "RT-ALONE" in assessment.option("tace").rule_ids


def test_a_value_in_the_record_is_kept_and_a_disagreement_reported(
    post_tace: PhantomResult, tmp_path: Path
) -> None:
    updated, work = _stage(post_tace, tmp_path, poor_lipiodol_deposition=False)
    assert updated.poor_lipiodol_deposition is False
    assert "the record's value is used" in work.stages[0].detail
    assert any("but the CT measurement says poor" in w for w in work.warnings)


def test_no_tace_in_the_record_means_no_stage(post_tace: PhantomResult, tmp_path: Path) -> None:
    updated, work = _stage(post_tace, tmp_path, prior_treatments=())
    assert updated.poor_lipiodol_deposition is None
    assert work.stages == []
    assert work.warnings == []
