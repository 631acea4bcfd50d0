"""The patient record through FHIR: export then import gives the same record and assessment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hccrt.clinical.assess import assess
from hccrt.clinical.fhir import bundle_from_record, record_from_bundle
from hccrt.clinical.patient import PatientRecord, load_patient
from hccrt.errors import ClinicalInputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
RECORDS = sorted(EXAMPLES.glob("*.json"))
UCUM = "http://unitsofmeasure.org"


def _assessment(record: PatientRecord) -> str:
    return assess(record).model_dump_json(by_alias=True)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_the_round_trip_gives_the_same_record_and_assessment(path: Path) -> None:
    record = load_patient(path)
    bundle = json.loads(json.dumps(bundle_from_record(record)))  # through JSON text
    imported = record_from_bundle(bundle)
    assert imported.record == record
    assert _assessment(imported.record) == _assessment(record)


def test_every_kind_of_fact_survives_the_round_trip() -> None:
    record = PatientRecord.model_validate(
        {
            "patient_id": "Zoë/42",
            "histology": "ICC",
            "cirrhosis": False,
            "comorbidities": ["type 2 diabetes"],
            "dialysis_twice_past_week": True,
            "breathing_motion_mm": 8.5,
            "normal_liver_volume_cc": 900.0,
            "planned_rt_start_date": "2026-12-10",
            "extrahepatic_disease": [],
            "prior_treatments": [
                {"kind": "resection", "date": "2025-03-01", "outcome": "recurrence",
                 "margin_positive": True, "notes": "R1 at the hilum"},
                {"kind": "tace", "date": "2026-01-15"},
            ],
        }
    )  # fmt: skip
    imported = record_from_bundle(json.loads(json.dumps(bundle_from_record(record))))
    assert imported.record == record
    assert _assessment(imported.record) == _assessment(record)


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p1", "identifier": [{"value": "MRN-1"}]}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, *resources)],
    }


def _lab(loinc: str, value: float, unit: str, when: str = "2026-11-30") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"lab-{loinc}-{when}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def test_si_labs_are_converted_with_the_record_factors() -> None:
    bundle = _bundle(
        _lab("14631-6", 34.2, "umol/L"),  # bilirubin 34.2 µmol/L = 2.0 mg/dL (÷ 17.1)
        _lab("1751-7", 35.0, "g/L"),  # albumin 35 g/L = 3.5 g/dL
        _lab("2160-0", 88.4, "umol/L"),  # creatinine 88.4 µmol/L = 1.0 mg/dL
        _lab("2951-2", 138.0, "meq/L"),
    )
    imported = record_from_bundle(bundle)
    assert imported.record.patient_id == "MRN-1"
    assert imported.record.bilirubin_mg_dl == pytest.approx(2.0)
    assert imported.record.albumin_g_dl == pytest.approx(3.5)
    assert imported.record.creatinine_mg_dl == pytest.approx(1.0)
    assert imported.record.sodium_mmol_l == 138.0
    assert any("converted" in note for note in imported.notes)


def test_the_latest_of_repeated_labs_is_used_and_noted() -> None:
    bundle = _bundle(_lab("1975-2", 1.1, "mg/dL", "2026-11-01"), _lab("1975-2", 2.2, "mg/dL"))
    imported = record_from_bundle(bundle)
    assert imported.record.bilirubin_mg_dl == 2.2
    assert any("latest" in note for note in imported.notes)


def test_ecog_as_a_loinc_answer_code_and_platelets_are_noted_not_guessed() -> None:
    ecog = {
        "resourceType": "Observation",
        "id": "ecog",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "89247-1"}]},
        "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9623-5"}]},
    }
    imported = record_from_bundle(_bundle(ecog, _lab("777-3", 150.0, "10*3/uL")))
    assert imported.record.ecog == 1
    assert any("Platelets" in note and "not a fact" in note for note in imported.notes)


def test_an_unknown_unit_is_a_clear_error() -> None:
    with pytest.raises(ClinicalInputError, match=r"unit not mapped for LOINC 1975-2.*'mg/dL'"):
        record_from_bundle(_bundle(_lab("1975-2", 2.0, "mmol/L")))


def test_an_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(
        ClinicalInputError, match=r"\(http://loinc.org\|8867-4\): codes with no mapping"
    ):
        record_from_bundle(_bundle(_lab("8867-4", 72.0, "/min")))


@pytest.mark.parametrize("patients", [0, 2])
def test_a_bundle_needs_exactly_one_patient(patients: int) -> None:
    bundle = _bundle(_lab("1975-2", 2.0, "mg/dL"))
    entries = bundle["entry"][1:] if patients == 0 else [bundle["entry"][0], *bundle["entry"]]
    with pytest.raises(
        ClinicalInputError, match=f"={patients} Patients: needs exactly one Patient"
    ):
        record_from_bundle({**bundle, "entry": entries})


def test_an_invalid_bundle_names_the_element() -> None:
    observation = _lab("1975-2", 2.0, "mg/dL")
    del observation["code"]  # required (1..1) in FHIR
    with pytest.raises(ClinicalInputError, match=r"entry\.1\.resource\.code.*not valid FHIR R4B"):
        record_from_bundle(_bundle(observation))


def test_load_patient_reads_a_bundle_file(tmp_path: Path) -> None:
    record = load_patient(RECORDS[0])
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle_from_record(record)))
    assert load_patient(path) == record
