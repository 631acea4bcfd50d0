"""``hccrt decision sign|last``: a board decision signed from the shell (issue 16, item 7).

Issue 16: "'Signed' means the user re-authenticates ..., and the record is audited and then
immutable ... A later assessment shows the last decision."
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hccrt.store import accounts, repository
from hccrt.web.app import create_app
from tests.conftest import invoke
from tests.web.conftest import make_settings

PASSWORD = "correct horse battery"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "patients" / "single_hcc_child_a.json"
DECISION = {
    "board_date": "2026-05-20",
    "decision": "SBRT 5 x 8 Gy",
    "rationale": "single 4 cm lesion, Child-Pugh A6",
    "decided_by": ["Dr A (RO)", "Dr B (hepatology)"],
    "dissent": [{"member": "Dr C (surgery)", "reason": "prefers resection"}],
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    app = create_app(make_settings(folder))
    with app.state.sessions() as session:
        doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
        repository.create_patient(session, doc, "HCC-001", {})
        session.commit()
    app.state.engine.dispose()
    return folder


def test_sign_then_show_the_last_decision(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(DECISION), encoding="utf-8")
    common = ["--patient", "HCC-001", "--user", "dr.a", "--data-dir", str(data)]
    empty = invoke(["decision", "last", *common])
    assert empty.exit_code == 0, empty.stderr
    assert "No tumour-board decision signed yet." in empty.stdout
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong password\n"))
    refused = invoke(["decision", "sign", str(path), *common])
    assert refused.exit_code == 2
    assert "password=(hidden): wrong; type your own password again" in refused.stderr
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    signed = invoke(["decision", "sign", str(path), *common])
    assert signed.exit_code == 0, signed.stderr
    assert "Dissent: Dr C (surgery): prefers resection" in signed.stdout
    shown = invoke(["decision", "last", *common, "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    payload = json.loads(shown.stdout)
    assert payload["decision"] == "SBRT 5 x 8 Gy"
    assert payload["signed_by"] == "dr.a"
    verified = invoke(["audit", "verify", "--data-dir", str(data)])
    assert verified.exit_code == 0, verified.stdout


def test_an_unknown_patient_or_account_is_named(data: Path, tmp_path: Path) -> None:
    unknown = invoke(
        ["decision", "last", "--patient", "HCC-999", "--user", "dr.a", "--data-dir", str(data)]
    )
    assert unknown.exit_code == 2
    assert "--patient=HCC-999: no stored patient with this case label" in unknown.stderr
    nobody = invoke(
        ["decision", "last", "--patient", "HCC-001", "--user", "dr.z", "--data-dir", str(data)]
    )
    assert nobody.exit_code == 2
    assert "--user=dr.z: no active account of this name" in nobody.stderr


def test_assess_and_board_show_the_last_decision(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(DECISION), encoding="utf-8")
    common = ["--patient", "HCC-001", "--user", "dr.a", "--data-dir", str(data)]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert invoke(["decision", "sign", str(path), *common]).exit_code == 0
    store = ["--store-patient", "HCC-001", "--store-user", "dr.a", "--store-data-dir", str(data)]
    assessed = invoke(["assess", str(EXAMPLE), *store])
    assert assessed.exit_code == 0, assessed.stderr
    assert "Last tumour-board decision:\nBoard of 2026-05-20: SBRT 5 x 8 Gy" in assessed.stdout
    board = invoke(["board", str(EXAMPLE), *store, "--format", "json"])
    assert board.exit_code == 0, board.stderr
    assert json.loads(board.stdout)["last_board_decision"]["decided_by"][0] == "Dr A (RO)"
    half = invoke(["assess", str(EXAMPLE), "--store-patient", "HCC-001"])
    assert half.exit_code == 2
    assert "--store-user: missing; give --store-patient and --store-user" in half.stderr
