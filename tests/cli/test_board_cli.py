"""``hccrt board``: JSON contract keys, HTML/PDF output, one-line input errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"
PATIENT = EXAMPLES / "bclc_c_first_line_board.json"


def test_board_json_contract_keys() -> None:
    result = invoke(["board", str(PATIENT), "--date", "2026-05-20", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["board_date"] == "2026-05-20"
    assert set(data) >= {
        "stages",
        "liver_function",
        "liver_trend",
        "options",
        "open_questions",
        "timeline",
        "assessment",
    }
    assert data["options"][0]["rank"] == 1
    assert all(o["sources"] for o in data["options"])


def test_board_text_and_files(tmp_path: Path) -> None:
    text = invoke(["board", str(PATIENT)])
    assert text.exit_code == 0, text.stderr
    assert "Tumour board — EX-BOARD-01 — 2026-05-18" in text.stdout
    for name in ("board.html", "board.pdf"):
        result = invoke(["board", str(PATIENT), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.stderr
        assert (tmp_path / name).stat().st_size > 1000


def test_board_bad_date_and_out_are_one_line_errors(tmp_path: Path) -> None:
    bad_date = invoke(["board", str(PATIENT), "--date", "20.05.2026"])
    assert bad_date.exit_code == 2
    assert "--date" in bad_date.stderr
    assert "YYYY-MM-DD" in bad_date.stderr
    bad_out = invoke(["board", str(PATIENT), "--out", str(tmp_path / "board.docx")])
    assert bad_out.exit_code == 2
    assert ".html or .pdf" in bad_out.stderr
