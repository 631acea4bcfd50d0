"""Patient identity and plan date for reports, read from real DICOM headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom

from hccrt.core.identity import DEIDENTIFIED, PatientIdentity, person_name
from hccrt.dicom.identity import case_identity, read_identity
from tests.dicom.factory import write_ct_series, write_rtplan, write_rtstruct

SQUARE = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [4.0, 4.0, 0.0], [0.0, 4.0, 0.0]])


def _stamp(path: Path, **attributes: str) -> None:
    dataset = pydicom.dcmread(path)
    for name, value in attributes.items():
        setattr(dataset, name, value)
    dataset.save_as(path, enforce_file_format=True)


def test_identity_from_the_plan_structure_set_and_ct(tmp_path: Path) -> None:
    ct = write_ct_series(tmp_path / "ct", [(0.0, 0.0, z) for z in (0.0, 2.0)])
    rtstruct = write_rtstruct(tmp_path / "rs.dcm", {"GTV": [("CLOSED_PLANAR", SQUARE)]},
                              patient=("HCC-7", "DOE^Jane^Q"))  # fmt: skip
    rtplan = write_rtplan(
        tmp_path / "rp.dcm", [{"name": "B1", "points": [{"weight": 0.0}, {"weight": 1.0}]}]
    )
    _stamp(ct[0], PatientBirthDate="19610409", StudyDate="20261101", InstitutionName="Test Hosp")
    _stamp(rtstruct, StructureSetDate="20261120")
    _stamp(rtplan, RTPlanDate="20261130", RTPlanLabel="Liver SBRT", PatientID="",
           PatientName="")  # fmt: skip
    identity = case_identity(ct, rtstruct, rtplan)
    assert identity.patient_name == "DOE, Jane Q"  # from the RTSTRUCT: the RTPLAN has none
    assert identity.patient_id == "HCC-7"
    assert identity.birth_date == "1961-04-09"  # only the CT has it
    assert identity.institution == "Test Hosp"
    assert (identity.plan_label, identity.plan_date) == ("Liver SBRT", "2026-11-30")
    assert identity.plan_date_source == "RTPlanDate"
    assert identity.source.startswith("rp.dcm, rs.dcm, ")
    # without the plan the structure set's date is the plan date, and says so
    without_plan = case_identity(tmp_path / "ct", rtstruct, None)
    assert (without_plan.plan_date, without_plan.plan_date_source) == (
        "2026-11-20", "StructureSetDate"
    )  # fmt: skip


def test_no_readable_dicom_gives_the_de_identified_label(tmp_path: Path) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("not DICOM", encoding="utf-8")
    identity = read_identity([note, tmp_path / "missing.dcm"])
    assert identity == PatientIdentity()
    assert identity.is_deidentified
    assert identity.shown("patient_name") == DEIDENTIFIED
    assert identity.shown("birth_date") == DEIDENTIFIED
    assert person_name("") == ""
    assert person_name("DOE") == "DOE"
