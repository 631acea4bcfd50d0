"""``hccrt assess`` and ``hccrt followup``: exit codes, JSON contract keys, text output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
PATIENT = EXAMPLES / "single_hcc_child_a.json"
FOLLOWUP = EXAMPLES / "followup_example.json"


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
