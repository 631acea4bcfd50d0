"""Patient record: validation, SI conversion, one-line errors, schema freshness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hccrt.clinical.patient import PatientRecord, load_patient, parse_patient
from hccrt.errors import ClinicalInputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_si_bilirubin_and_albumin_are_converted() -> None:
    record = parse_patient({"bilirubin_umol_l": 51.3, "albumin_g_l": 28, "creatinine_umol_l": 88.4})
    assert record.bilirubin_mg_dl == pytest.approx(3.0)
    assert record.albumin_g_dl == pytest.approx(2.8)
    assert record.creatinine_mg_dl == pytest.approx(1.0)


def test_record_is_frozen() -> None:
    record = parse_patient({"bilirubin_mg_dl": 1.0})
    with pytest.raises(ValidationError, match="frozen"):
        record.bilirubin_mg_dl = 2.0  # type: ignore[misc]


def test_missing_labs_are_none_not_guessed() -> None:
    record = parse_patient({})
    assert record.bilirubin_mg_dl is None
    assert record.vascular_invasion is None
    assert record.extrahepatic_disease is None


def test_unit_confused_bilirubin_names_the_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, {"bilirubin_mg_dl": 34})
    with pytest.raises(
        ClinicalInputError,
        match=r"^bilirubin_mg_dl=34.0: above 30 mg/dL; did you mean µmol/L\? use bilirubin_umol_l$",
    ):
        load_patient(path)


def test_unit_confused_albumin_in_g_l_field() -> None:
    with pytest.raises(ClinicalInputError, match=r"albumin_g_l=3.5: below 5 g/L; did you"):
        parse_patient({"albumin_g_l": 3.5})


def test_albumin_g_dl_given_in_g_l() -> None:
    with pytest.raises(ClinicalInputError, match=r"albumin_g_dl=40.0: above 7 g/dL; .*albumin_g_l"):
        parse_patient({"albumin_g_dl": 40})


def test_creatinine_in_umol_in_mg_field() -> None:
    with pytest.raises(ClinicalInputError, match=r"creatinine_mg_dl=.*use creatinine_umol_l"):
        parse_patient({"creatinine_mg_dl": 90})


def test_both_units_given_is_rejected() -> None:
    with pytest.raises(ClinicalInputError, match="given together with bilirubin_mg_dl"):
        parse_patient({"bilirubin_mg_dl": 1.0, "bilirubin_umol_l": 17.1})


def test_unknown_field_suggests_spelling() -> None:
    with pytest.raises(ClinicalInputError, match=r"bilirubin_mgdl=1: unknown field; did you mean"):
        parse_patient({"bilirubin_mgdl": 1})


def test_tumour_in_mm_is_rejected() -> None:
    with pytest.raises(ClinicalInputError, match=r"diameter_cm=45: above 30 cm; did you enter mm"):
        parse_patient({"tumors": [{"diameter_cm": 45}]})


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"kps": 75}, r"kps=75: Input should be a multiple of 10"),
        ({"kps": 110}, r"kps=110: Input should be less than or equal to 100"),
        ({"ecog": 6}, r"ecog=6"),
        ({"ascites": "lots"}, r"ascites=lots: Input should be 'none', 'mild' or 'moderate_severe'"),
        ({"inr": 0.1}, r"inr=0.1: below 0.5"),
        ({"bilirubin_mg_dl": -1}, r"bilirubin_mg_dl=-1.0: not positive"),
        ({"tumors": [{"diameter_cm": 2, "segment": 9}]}, r"tumors.0.segment=9"),
        ({"vascular_invasion": {"portal_vein": "trunk"}}, r"vascular_invasion.portal_vein=trunk"),
        ({"extrahepatic_disease": [{"site": "skin"}]}, r"extrahepatic_disease.0.site=skin"),
    ],
)
def test_impossible_values_are_one_line_errors(data: dict[str, Any], pattern: str) -> None:
    with pytest.raises(ClinicalInputError, match=pattern) as info:
        parse_patient(data)
    assert "\n" not in str(info.value)


def test_prior_treatment_after_planned_rt_is_rejected() -> None:
    with pytest.raises(ClinicalInputError, match="after planned_rt_start_date 2026-01-01"):
        parse_patient(
            {
                "planned_rt_start_date": "2026-01-01",
                "prior_treatments": [{"kind": "tace", "date": "2026-02-01"}],
            }
        )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ClinicalInputError, match=r"nope\.json: file not found"):
        load_patient(tmp_path / "nope.json")


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{bilirubin: 1", encoding="utf-8")
    with pytest.raises(ClinicalInputError, match="not valid JSON"):
        load_patient(path)


def test_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ClinicalInputError, match="patient=list: must be a JSON object"):
        load_patient(_write(tmp_path, [1, 2]))


def test_round_trip_through_json() -> None:
    record = load_patient(EXAMPLES / "pvtt_child_b_si_units.json")
    again = parse_patient(json.loads(record.model_dump_json()))
    assert again == record
    assert record.largest_tumor_cm == 7.5


@pytest.mark.parametrize(
    "path",
    sorted(p for p in EXAMPLES.glob("*.json") if not p.name.startswith("followup")),
    ids=lambda p: p.name,
)
def test_examples_load(path: Path) -> None:
    assert isinstance(load_patient(path), PatientRecord)


def test_schema_documents_si_alternatives() -> None:
    properties = PatientRecord.model_json_schema()["properties"]
    assert "bilirubin_umol_l" in properties
    assert "albumin_g_l" in properties
    assert properties["bilirubin_mg_dl"]["description"].startswith("Total bilirubin")


def test_normal_liver_volume_in_litres_is_rejected() -> None:
    """Seed 001 (Colorado): "normal liver volume was greater than 700 cm3" — 0.7 typed in litres
    would silently read as 0.7 cc and flag a tiny liver; it is rejected with a unit hint."""
    with pytest.raises(
        ClinicalInputError,
        match=r"^normal_liver_volume_cc=0.7: below 100 cc; did you enter litres\?",
    ):
        parse_patient({"normal_liver_volume_cc": 0.7})
    assert parse_patient({"normal_liver_volume_cc": 700}).normal_liver_volume_cc == 700
