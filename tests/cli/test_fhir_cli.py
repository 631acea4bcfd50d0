"""``hccrt fhir export|import`` and ``hccrt assess`` on a FHIR bundle; ``hccrt listen`` errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def test_export_then_assess_the_bundle_gives_the_same_assessment(tmp_path: Path) -> None:
    record = EXAMPLES / "pvtt_child_b_si_units.json"
    bundle = tmp_path / "bundle.json"
    exported = invoke(["fhir", "export", str(record), "--out", str(bundle)])
    assert exported.exit_code == 0, exported.stderr
    assert json.loads(bundle.read_text())["resourceType"] == "Bundle"
    direct = invoke(["assess", str(record), "--format", "json"])
    through_fhir = invoke(["assess", str(bundle), "--format", "json"])
    assert through_fhir.exit_code == 0, through_fhir.stderr
    assert json.loads(through_fhir.stdout) == json.loads(direct.stdout)
    again = invoke(["fhir", "export", str(record), "--out", str(bundle)])
    assert again.exit_code == 2
    assert "--out=" in again.stderr


def test_import_writes_the_record(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    invoke(["fhir", "export", str(EXAMPLES / "single_hcc_child_a.json"), "--out", str(bundle)])
    out = tmp_path / "patient.json"
    result = invoke(["fhir", "import", str(bundle), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    original = invoke(["assess", str(EXAMPLES / "single_hcc_child_a.json"), "--format", "json"])
    imported = invoke(["assess", str(out), "--format", "json"])
    assert json.loads(imported.stdout) == json.loads(original.stdout)


def test_a_bundle_with_an_unknown_unit_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    invoke(["fhir", "export", str(EXAMPLES / "single_hcc_child_a.json"), "--out", str(bundle)])
    data = json.loads(bundle.read_text())
    for entry in data["entry"]:
        quantity = entry["resource"].get("valueQuantity", {})
        if quantity.get("code") == "mg/dL":
            quantity["code"] = quantity["unit"] = "mg/L"
    bundle.write_text(json.dumps(data))
    out = tmp_path / "patient.json"
    result = invoke(["fhir", "import", str(bundle), "--out", str(out)])
    assert result.exit_code == 2
    assert "unit not mapped for LOINC 1975-2" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()
    assessed = invoke(["assess", str(bundle)])
    assert assessed.exit_code == 2
    assert "unit not mapped for LOINC" in assessed.stderr


def test_listen_with_a_bad_config_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('[node]\nport = 70000\nstore = "store"\n')
    result = invoke(["listen", "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: node.toml:port=70000:")
    assert not (tmp_path / "store").exists()
