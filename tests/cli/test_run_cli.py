from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def test_run_json_and_exit_codes(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", case / "patient.json")
    result = invoke(["run", str(case), "--out", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {s["name"] for s in payload["stages"]} >= {"inventory", "assessment"}
    again = invoke(["run", str(case), "--out", str(tmp_path / "out")])
    assert again.exit_code == 2
    assert again.stderr.startswith("error: --out=")
    assert "Traceback" not in again.stderr


def test_run_rejects_half_prescription(tmp_path: Path) -> None:
    result = invoke(["run", str(tmp_path), "--out", str(tmp_path / "o"), "--fractions", "5"])
    assert result.exit_code == 2
    assert "give both or neither" in result.stderr


def test_run_missing_case_folder(tmp_path: Path) -> None:
    result = invoke(["run", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "CASE_DIR" in result.stderr
