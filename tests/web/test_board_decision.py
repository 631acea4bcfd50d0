"""The tumour-board decision page: signed with the password, audited, immutable, shown later.

Issue 16, item 7: "The board's decision is recorded with who decided, who dissented and why.
'Signed' means the user re-authenticates ..., and the record is audited and then immutable ...
A later assessment shows the last decision."
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.store.models import AuditEvent, BoardDecisionRecord
from tests.web.conftest import PASSWORD, TestClient, sign_in

FORM = {
    "board_date": "2026-05-20",
    "decision": "SBRT 5 x 8 Gy after two TACE sessions",
    "rationale": "Child-Pugh A6, single 4 cm lesion, incomplete lipiodol deposition",
    "decided_by": "Dr A (radiation oncology)\nDr B (hepatology)\n",
    "dissent": "Dr C (surgery): prefers resection, the tumour is on the surface",
}


def _field_errors(page: str) -> dict[str, str]:
    pattern = r'<span class="field-error" data-field="([^"]+)">([^<]*)</span>'
    return {k: html.unescape(v) for k, v in re.findall(pattern, page)}


@pytest.fixture
def clinician(client: TestClient) -> tuple[TestClient, str, int]:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients",
        json={"label": "HCC-BOARD", "record": {"bilirubin_mg_dl": 1.0, "albumin_g_dl": 4.0}},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    return client, csrf, int(created.json()["id"])


def test_sign_a_decision_then_the_assessment_shows_it(
    clinician: tuple[TestClient, str, int], app: FastAPI
) -> None:
    client, csrf, pid = clinician
    assert "No decision signed yet." in client.get(f"/patients/{pid}/board").text
    earlier = client.post(
        f"/patients/{pid}/assess", data={"csrf_token": csrf}, follow_redirects=False
    ).headers["location"]
    signed = client.post(
        f"/patients/{pid}/board",
        data={**FORM, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    page = html.unescape(client.get(f"/patients/{pid}/board").text)
    assert "SBRT 5 x 8 Gy after two TACE sessions" in page
    assert "Dr A (radiation oncology), Dr B (hepatology)" in page
    assert "Dr C (surgery): prefers resection, the tumour is on the surface" in page
    assert "by clinician on" in page
    assessed = client.post(
        f"/patients/{pid}/assess", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert assessed.status_code == 303
    assessment = html.unescape(client.get(assessed.headers["location"]).text)
    assert "Last tumour-board decision" in assessment
    assert "SBRT 5 x 8 Gy after two TACE sessions" in assessment
    assert "Signed by clinician" in assessment
    # the assessment made before the board shows no decision: it was not known then
    assert "Last tumour-board decision" not in client.get(earlier).text
    with app.state.sessions() as session:
        actions = {(e.action, e.object_type) for e in session.query(AuditEvent)}
    assert {("sign", "board_decision"), ("reauth", "user")} <= actions


def test_a_wrong_password_signs_nothing(
    clinician: tuple[TestClient, str, int], app: FastAPI
) -> None:
    client, csrf, pid = clinician
    refused = client.post(
        f"/patients/{pid}/board", data={**FORM, "password": "guess", "csrf_token": csrf}
    )
    assert refused.status_code == 401
    assert "type your own password again" in _field_errors(refused.text)["password"]
    assert 'value="2026-05-20"' in refused.text  # the form keeps what was typed
    with app.state.sessions() as session:
        assert session.query(BoardDecisionRecord).count() == 0
        assert session.query(AuditEvent).filter_by(action="reauth_failed").count() == 1


def test_form_errors_are_shown_in_words_next_to_the_field(
    clinician: tuple[TestClient, str, int],
) -> None:
    client, csrf, pid = clinician
    no_reason = client.post(
        f"/patients/{pid}/board",
        data={**FORM, "dissent": "Dr C (surgery)", "password": PASSWORD, "csrf_token": csrf},
    )
    assert no_reason.status_code == 400
    assert "each line is 'member: reason'" in _field_errors(no_reason.text)["dissent"]
    nobody = client.post(
        f"/patients/{pid}/board",
        data={**FORM, "decided_by": " ", "password": PASSWORD, "csrf_token": csrf},
    )
    assert "decided_by=[]: no member named" in _field_errors(nobody.text)["decided_by"]
    no_date = client.post(
        f"/patients/{pid}/board",
        data={**FORM, "board_date": "20.05.2026", "password": PASSWORD, "csrf_token": csrf},
    )
    assert "board_date=20.05.2026" in _field_errors(no_date.text)["board_date"]


def test_api_signs_and_a_viewer_may_not(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "clinician")
    pid = client.post(
        "/api/patients", json={"label": "HCC-API", "record": {}}, headers={"X-CSRF-Token": csrf}
    ).json()["id"]
    body = {
        "password": PASSWORD,
        "decision": {**FORM, "decided_by": ["Dr A"], "dissent": []},
    }
    made = client.post(
        f"/api/patients/{pid}/board-decisions", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 201, made.text
    assert made.json()["signed_by"] == "clinician"
    wrong = client.post(
        f"/api/patients/{pid}/board-decisions",
        json={**body, "password": "nope"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 401
    assert [d["decided_by"] for d in client.get(f"/api/patients/{pid}/board-decisions").json()] == [
        ["Dr A"]
    ]
    client.post("/logout", headers={"X-CSRF-Token": csrf})
    viewer_csrf = sign_in(client, "viewer")
    refused = client.post(
        f"/api/patients/{pid}/board-decisions", json=body, headers={"X-CSRF-Token": viewer_csrf}
    )
    assert refused.status_code == 403
    assert "Sign the decision" not in client.get(f"/patients/{pid}/board").text


@pytest.mark.slow
def test_over_a_real_server_course_then_signed_decision(tmp_path: Path) -> None:
    import httpx

    from tests.web.live import live_server, login, prepare

    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with (
        live_server(data) as server,
        httpx.Client(base_url=server.url, follow_redirects=False) as http,
    ):
        csrf = login(http, "clinician", PASSWORD)
        pid = http.post(
            "/api/patients",
            json={"label": "HCC-LIVE", "record": {}},
            headers={"X-CSRF-Token": csrf},
        ).json()["id"]
        added = http.post(
            f"/patients/{pid}/course/events/new?kind=tace",
            data={"csrf_token": csrf, "base_version": "0", "date": "2026-01-10", "lipiodol": "yes"},
        )
        assert added.status_code == 303, added.text
        board = http.get(f"/patients/{pid}/board").text
        assert 'name="course_version" id="course_version" inputmode="numeric" value="1"' in board
        signed = http.post(
            f"/patients/{pid}/board",
            data={**FORM, "course_version": "1", "password": PASSWORD, "csrf_token": csrf},
        )
        assert signed.status_code == 303, signed.text
        listed = http.get(f"/api/patients/{pid}/board-decisions").json()
        assert [(d["course_version"], d["signed_by"]) for d in listed] == [(1, "clinician")]
    log = (data / "server.log").read_text()
    assert "prefers resection" not in log  # no clinical text in the server log


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium missing")
def test_course_and_board_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.web.live import live_server, prepare
    from tests.web.test_browser import ARGS, CHROMIUM

    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/login")
        page.fill("#username", "clinician")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.click("#new-patient")
        page.fill("#label", "BROWSER-BOARD")
        page.click("#save-patient")
        expect(page.locator("h1")).to_have_text("Patient BROWSER-BOARD")

        page.click("#patient-course")
        page.click("text=TACE session")
        page.fill("#date", "2026-01-10")
        page.select_option("#lipiodol", "yes")
        page.click("#save-event")
        expect(page.locator("#timeline")).to_contain_text("TACE, lipiodol")
        page.click("text=Radiotherapy course")
        page.fill("#date", "2026-02-20")
        page.fill("#fractions", "5")
        page.click("#save-event")
        expect(page.locator(".field-error[data-field='dose_gy']")).to_contain_text("missing")
        page.fill("#dose_gy", "40")
        page.select_option("#status", "planned")
        page.click("#save-event")
        expect(page.locator("#course-version")).to_contain_text("Version 2 of 2")
        page.click("h1 a")

        page.click("#board-decisions")
        page.fill("#board_date", "2026-02-10")
        page.fill("#decision", FORM["decision"])
        page.fill("#rationale", FORM["rationale"])
        page.fill("#decided_by", FORM["decided_by"])
        page.fill("#dissent", FORM["dissent"])
        page.fill("#password", "not my password")
        page.click("#sign-decision")
        expect(page.locator(".field-error[data-field='password']")).to_contain_text("wrong")
        expect(page.locator("#course_version")).to_have_value("2")
        page.fill("#password", PASSWORD)
        page.click("#sign-decision")
        expect(page.locator("#decisions")).to_contain_text("Dr C (surgery): prefers resection")
        page.click("h1 a")
        page.click("#assess")
        expect(page.locator("#last-board-decision")).to_contain_text(FORM["decision"])
        browser.close()
        assert errors == []


def test_the_board_page_shows_the_summary_and_its_pdf(
    clinician: tuple[TestClient, str, int], app: FastAPI
) -> None:
    client, csrf, pid = clinician
    course = {
        "events": [
            {"kind": "tace", "date": "2026-01-10", "lipiodol": True},
            {"kind": "labs", "date": "2026-02-01", "bilirubin_mg_dl": 1.1, "albumin_g_dl": 3.8},
        ]
    }
    stored = client.put(f"/api/patients/{pid}/course", json=course, headers={"X-CSRF-Token": csrf})
    assert stored.status_code == 201, stored.text
    page = html.unescape(client.get(f"/patients/{pid}/board?date=2026-02-15").text)
    assert "Board summary of 2026-02-15" in page
    assert "BCLC 2022" in page
    assert "Open questions" in page
    assert re.search(r"2026-01-10 TACE, lipiodol <small>\(course\)</small>", page)
    assert 'value="2026-02-15"' in page  # the decision form takes the summary's date
    pdf = client.get(f"/patients/{pid}/board/summary.pdf?date=2026-02-15")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="board-2026-02-15.pdf"' in pdf.headers["content-disposition"]
    with app.state.sessions() as session:
        exported = session.query(AuditEvent).filter_by(object_type="board_summary").count()
    assert exported == 1
    bad = client.get(f"/patients/{pid}/board?date=15.02.2026")
    assert bad.status_code == 400
    assert "date=15.02.2026: not a date YYYY-MM-DD" in html.unescape(bad.text)
