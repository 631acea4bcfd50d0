"""``hccrt assess`` and ``hccrt followup``: exit codes, JSON contract keys, text output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
PATIENT = EXAMPLES / "single_hcc_child_a.json"
FOLLOWUP_DIR = EXAMPLES.parent / "followup"
FOLLOWUP = FOLLOWUP_DIR / "classic_rild.json"


def test_assess_json_contract_keys() -> None:
    result = invoke(["assess", str(PATIENT), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["liver_function"]["child_pugh"]) >= {"score", "class"}
    assert data["liver_function"]["child_pugh"]["class"] == "A"
    assert set(data["liver_function"]["albi"]) >= {"score", "grade"}
    assert set(data["staging"]) >= {"bclc", "cnlc"}
    therapies = {o["therapy"] for o in data["options"]}
    assert len(therapies) == 15
    for option in data["options"]:
        assert set(option) >= {"therapy", "verdict", "reasons", "sources"}
        assert option["sources"][0]["passage"]
    rt = data["radiotherapy"]
    assert set(rt) >= {
        "indicated",
        "intent",
        "indications",
        "technique",
        "fractionation",
        "margins",
        "dose_limits",
        "warnings",
    }
    assert rt["margins"]["ptv_mm"] == 6.0
    assert rt["margins"]["ctv_mm"] == 5.0
    assert rt["dose_limits"]["normal_liver_mean_gy"] == 23.0
    assert isinstance(data["warnings"], list)


def test_assess_text() -> None:
    result = invoke(["assess", str(PATIENT)])
    assert result.exit_code == 0
    assert "Child-Pugh: 5 class A" in result.stdout
    assert "PTV = CTV + 6 mm" in result.stdout


def test_assess_unit_confusion_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"bilirubin_mg_dl": 34}), encoding="utf-8")
    result = invoke(["assess", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: bilirubin_mg_dl=34.0: above 30 mg/dL; did you mean µmol/L? use bilirubin_umol_l"
    )
    assert result.stdout == ""


def test_assess_missing_file_exit_2(tmp_path: Path) -> None:
    result = invoke(["assess", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_followup_json_contract_keys() -> None:
    result = invoke(["followup", str(FOLLOWUP), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["ctcae"]) == {"alt", "ast", "alp", "bilirubin"}
    assert data["rild"]["status"] == "classic"
    assert data["rild"]["reasons"]
    assert data["recommend_stop_rt"] is False
    assert data["reasons"]


def test_followup_text() -> None:
    result = invoke(["followup", str(FOLLOWUP)])
    assert result.exit_code == 0
    assert "RILD: classic" in result.stdout


def test_followup_bad_input_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("[]", encoding="utf-8")
    result = invoke(["followup", str(path)])
    assert result.exit_code == 2
    assert "must be a JSON object" in result.stderr


@pytest.mark.parametrize("command", ["assess", "followup"])
def test_help_mentions_units(command: str) -> None:
    result = invoke([command, "--help"])
    assert result.exit_code == 0
    assert "mg/dL" in result.stdout


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_patient_assesses(path: Path) -> None:
    """Every file in examples/patients/ is a valid patient record (exit 0, JSON contract)."""
    result = invoke(["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["options"]


# file -> (rild.status, recommend_stop_rt, a phrase the reasons must contain)
FOLLOWUP_EXAMPLES = {
    "classic_rild.json": ("classic", False, "ascites and hepatomegaly with ALP > 2 × ULN"),
    "non_classic_rild.json": ("non_classic", False, "ALT 230 > 5 × ULN 40"),
    "indeterminate_missing_data.json": ("indeterminate", False, "high-dose liver RT: not recorded"),
    "acute_grade2_during_rt.json": ("none", True, "stop RT (up to 60 % later RILD"),
}


def test_followup_examples_are_all_covered() -> None:
    assert {p.name for p in FOLLOWUP_DIR.glob("*.json")} == set(FOLLOWUP_EXAMPLES)


@pytest.mark.parametrize("name", sorted(FOLLOWUP_EXAMPLES))
def test_followup_examples(name: str) -> None:
    """Seed 000 complications: classic (ascites + liver enlargement + AKP > 2× / ALT > 5×),
    atypical (enzymes only), indeterminate when a criterion is unrecorded, and ">=RTOG grade II
    liver injury" during RT -> "radiotherapy should be discontinued"."""
    status, stop, phrase = FOLLOWUP_EXAMPLES[name]
    result = invoke(["followup", str(FOLLOWUP_DIR / name), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["rild"]["status"] == status
    assert data["recommend_stop_rt"] is stop
    assert any(phrase in reason for reason in data["reasons"]), data["reasons"]
    text = invoke(["followup", str(FOLLOWUP_DIR / name)])
    assert text.exit_code == 0
    assert f"RILD: {status}" in text.stdout


def test_indeterminate_example_lists_everything_missing() -> None:
    """Seed 000 RILD criteria ①-④: the indeterminate example names each unrecorded criterion."""
    result = invoke(
        ["followup", str(FOLLOWUP_DIR / "indeterminate_missing_data.json"), "--format", "json"]
    )
    reasons = json.loads(result.stdout)["rild"]["reasons"]
    for missing in ("high-dose liver RT", "tumour progression excluded", "ascites/hepatomegaly"):
        assert any(missing in r and "not recorded" in r for r in reasons), missing


def test_followup_examples_match_published_schema() -> None:
    """docs/followup-schema.json is generated from FollowupRecord; every example uses only its
    fields (additionalProperties false at the top level and in the lab sets)."""
    schema = json.loads((EXAMPLES.parents[1] / "docs" / "followup-schema.json").read_text())
    lab_fields = set(schema["$defs"]["LabSet"]["properties"])
    for path in FOLLOWUP_DIR.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) <= set(schema["properties"]), path.name
        assert set(data) >= set(schema["required"]), path.name
        for key in ("baseline", "current"):
            assert set(data[key]) <= lab_fields, (path.name, key)
