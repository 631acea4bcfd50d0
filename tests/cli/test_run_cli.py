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
    result = invoke(
        [
            "run",
            "--final-dose",
            "pencil-beam",
            str(case),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {s["name"] for s in payload["stages"]} >= {"inventory", "assessment"}
    again = invoke(
        ["run", "--final-dose", "pencil-beam", str(case), "--out", str(tmp_path / "out")]
    )
    assert again.exit_code == 2
    assert again.stderr.startswith("error: --out=")
    assert "Traceback" not in again.stderr


def test_run_rejects_half_prescription(tmp_path: Path) -> None:
    result = invoke(
        [
            "run",
            "--final-dose",
            "pencil-beam",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
            "--fractions",
            "5",
        ]
    )
    assert result.exit_code == 2
    assert "give both or neither" in result.stderr


def test_run_missing_case_folder(tmp_path: Path) -> None:
    result = invoke(
        ["run", "--final-dose", "pencil-beam", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "CASE_DIR" in result.stderr


def test_run_validates_the_prescription_before_any_work(tmp_path: Path) -> None:
    # Issue 15 item 16: the prescription was checked only when planning started (after 25 s).
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", case / "patient.json")
    out = tmp_path / "out"
    result = invoke(["run", "--final-dose", "pencil-beam", str(case), "--out", str(out),
                     "--prescription-gy", "5000", "--fractions", "5"])  # fmt: skip
    assert result.exit_code == 2
    assert "--prescription-gy=5000" in result.stderr
    assert "did you mean cGy?" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [case]  # no half-written or temporary folder


def test_run_missing_modality_exits_2(tmp_path: Path, shared_data: Path) -> None:
    case = tmp_path / "a" / "case"
    case.mkdir(parents=True)
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", case / "patient.json")
    shutil.copy(shared_data / "breast_boost_plan" / "rtdose.dcm", case / "rtdose.dcm")
    through_dotdot = tmp_path / "a" / "case" / ".." / "case"
    out = tmp_path / "out"
    result = invoke(["run", "--final-dose", "pencil-beam", str(through_dotdot), "--out", str(out)])
    assert result.exit_code == 2
    assert "found 1 RTDOSE" in result.stderr
    assert "add the RTSTRUCT to the case folder" in result.stderr
    assert not out.exists()
