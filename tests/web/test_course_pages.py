"""The course pages: timeline, add/edit/remove events, versions kept, errors in words.

Issue 16, course item 1: "A dated timeline of TACE/TAE/DEB-TACE sessions (lipiodol yes/no);
ablations and resections; Y-90 ...; RT courses ...; systemic therapy lines; lab sets ... and
imaging visits. JSON schema in docs/, examples in `examples/`, web forms to enter and edit it,
the store keeps it with versions."
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.store.models import CourseVersion
from tests.web.conftest import TestClient, sign_in

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "courses" / "reirradiation.json"


def _field_errors(page: str) -> dict[str, str]:
    pattern = r'<span class="field-error" data-field="([^"]+)">([^<]*)</span>'
    return {k: html.unescape(v) for k, v in re.findall(pattern, page)}


@pytest.fixture
def clinician(client: TestClient) -> tuple[TestClient, str, int]:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients",
        json={"label": "HCC-COURSE", "record": {}},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    return client, csrf, int(created.json()["id"])


def _add(client: TestClient, csrf: str, pid: int, kind: str, base: int, **fields: str) -> object:
    return client.post(
        f"/patients/{pid}/course/events/new?kind={kind}",
        data={"csrf_token": csrf, "base_version": str(base), **fields},
        follow_redirects=False,
    )


def test_enter_a_course_event_by_event_each_save_a_version(
    clinician: tuple[TestClient, str, int], app: FastAPI
) -> None:
    client, csrf, pid = clinician
    assert "No course stored yet" in client.get(f"/patients/{pid}/course").text
    form = client.get(f"/patients/{pid}/course/events/new?kind=tace").text
    assert 'name="lipiodol"' in form
    assert 'name="lipiodol_deposition"' in form
    steps = [
        ("labs", {"date": "2026-01-05", "bilirubin_mg_dl": "0.9", "albumin_g_dl": "4.1"}),
        ("tace", {"date": "2026-01-10", "lipiodol": "yes", "lipiodol_deposition": "poor"}),
        ("tace", {"date": "2026-02-14", "lipiodol": "yes"}),
        ("imaging", {"date": "2026-03-01", "modality": "mri", "target_lesions": "S7: 38"}),
        (
            "rt",
            {
                "date": "2026-03-16",
                "status": "planned",
                "dose_gy": "40",
                "fractions": "5",
                "technique": "sbrt",
                "mean_normal_liver_dose_gy": "9.5",
            },
        ),
        ("y90", {"date": "2025-06-01", "mean_liver_dose_gy": "30"}),  # earlier: sorted in
        ("ablation", {"date": "2025-01-15", "method": "mwa"}),
        ("resection", {"date": "2024-05-01", "margin_positive": "no"}),
        ("systemic", {"date": "2026-04-01", "agent": "atezolizumab-bevacizumab", "line": "1"}),
    ]
    for base, (kind, fields) in enumerate(steps):
        response = _add(client, csrf, pid, kind, base, **fields)
        assert response.status_code == 303, _field_errors(response.text)
    page = html.unescape(client.get(f"/patients/{pid}/course").text)
    rows = re.findall(r'<tr id="event-\d+"><td>([\d-]+)</td><td>([^<]+)</td>', page)
    assert [d for d, _ in rows] == sorted(d for d, _ in rows)
    assert ("2024-05-01", "Resection") in rows
    assert "TACE, lipiodol, deposition poor" in page
    assert "RT 40 Gy / 5 fx, sbrt, planned, mean normal liver 9.5 Gy" in page
    assert "imaging (mri): S7 38 mm" in page
    assert "Version 9 of 9" in page
    with app.state.sessions() as session:
        versions = session.query(CourseVersion).order_by(CourseVersion.version).all()
        assert [len(v.course["events"]) for v in versions] == list(range(1, 10))
    old = html.unescape(client.get(f"/patients/{pid}/course?version=2").text)
    assert "Version 2 of 9" in old
    assert "an older version, read only" in old
    assert "atezolizumab" not in old


def test_edit_and_remove_keep_the_earlier_versions(
    clinician: tuple[TestClient, str, int],
) -> None:
    client, csrf, pid = clinician
    assert _add(client, csrf, pid, "tace", 0, date="2026-01-10", lipiodol="yes").status_code == 303
    rt = {"date": "2026-02-20", "end_date": "2026-02-27", "dose_gy": "40", "fractions": "5"}
    assert _add(client, csrf, pid, "rt", 1, **rt).status_code == 303
    form = client.get(f"/patients/{pid}/course/events/1/edit").text
    assert 'value="40"' in form
    edited = client.post(
        f"/patients/{pid}/course/events/1/edit",
        data={"csrf_token": csrf, "base_version": "2", **rt, "dose_gy": "45"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    removed = client.post(
        f"/patients/{pid}/course/events/0/delete",
        data={"csrf_token": csrf, "base_version": "3"},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    versions = client.get(f"/api/patients/{pid}/course/versions").json()
    assert [[e["kind"] for e in v["course"]["events"]] for v in versions] == [
        ["tace"],
        ["tace", "rt"],
        ["tace", "rt"],
        ["rt"],
    ]
    assert [v["course"]["events"][-1].get("dose_gy") for v in versions[1:]] == [40, 45, 45]
    stale = client.post(
        f"/patients/{pid}/course/events/0/edit",
        data={"csrf_token": csrf, "base_version": "2", **rt},
    )
    assert stale.status_code == 400
    assert "the course changed since this form was opened (now version 4)" in stale.text


def test_errors_are_shown_in_words_next_to_the_field(
    clinician: tuple[TestClient, str, int],
) -> None:
    client, csrf, pid = clinician
    no_dose = _add(client, csrf, pid, "rt", 0, date="2026-02-20", fractions="5", status="planned")
    assert no_dose.status_code == 400
    assert "events.0.dose_gy: missing, required; give it" in _field_errors(no_dose.text)["dose_gy"]
    text = _add(client, csrf, pid, "rt", 0, date="2026-02-20", dose_gy="forty", fractions="5")
    message = _field_errors(text.text)["dose_gy"]
    assert "must be a number, not a string" in message
    assert "give a number" in message
    high = _add(client, csrf, pid, "labs", 0, date="2026-01-05", bilirubin_mg_dl="34")
    assert "bilirubin_mg_dl=34" in _field_errors(high.text)["bilirubin_mg_dl"]
    lesions = _add(client, csrf, pid, "imaging", 0, date="2026-01-05", target_lesions="S7 38")
    assert (
        "each line is 'lesion id: viable diameter mm'"
        in _field_errors(lesions.text)["target_lesions"]
    )
    assert 'value="2026-01-05"' in lesions.text  # what was typed stays
    assert client.get(f"/api/patients/{pid}/course").status_code == 404


def test_api_stores_a_whole_course_and_a_viewer_only_reads(client: TestClient) -> None:
    csrf = sign_in(client, "clinician")
    pid = client.post(
        "/api/patients", json={"label": "HCC-API-C", "record": {}}, headers={"X-CSRF-Token": csrf}
    ).json()["id"]
    course = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    stored = client.put(f"/api/patients/{pid}/course", json=course, headers={"X-CSRF-Token": csrf})
    assert stored.status_code == 201, stored.text
    assert client.get(f"/api/patients/{pid}/course").json()["version"] == 1
    bad = {"events": [{"kind": "rt", "date": "2026-01-01", "dose_gy": 40}]}
    refused = client.put(f"/api/patients/{pid}/course", json=bad, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 400
    assert "events.0.fractions" in refused.json()["detail"]
    client.post("/logout", headers={"X-CSRF-Token": csrf})
    sign_in(client, "viewer")
    page = client.get(f"/patients/{pid}/course").text
    assert "Add an event" not in page
    assert "segment 6 HCC (re-irradiation)" not in page  # the target is not in the summary
    assert "RT 40 Gy / 5 fx, sbrt, planned" in html.unescape(page)
    assert client.get(f"/patients/{pid}/course/events/new?kind=rt").status_code == 403


COURSES = sorted((EXAMPLE.parent).glob("*.json"))


@pytest.mark.parametrize("path", COURSES, ids=[p.stem for p in COURSES])
def test_every_example_course_on_the_course_and_board_pages(client: TestClient, path: Path) -> None:
    # Issue 16, done when: "the web pages work end to end on the examples".
    csrf = sign_in(client, "clinician")
    record = json.loads(
        (path.parent / "patients" / f"{path.stem}.patient.json").read_text(encoding="utf-8")
    )
    pid = client.post(
        "/api/patients", json={"label": path.stem, "record": record}, headers={"X-CSRF-Token": csrf}
    ).json()["id"]
    course = json.loads(path.read_text(encoding="utf-8"))
    stored = client.put(f"/api/patients/{pid}/course", json=course, headers={"X-CSRF-Token": csrf})
    assert stored.status_code == 201, stored.text
    page = client.get(f"/patients/{pid}/course").text
    assert len(re.findall(r'<tr id="event-\d+">', page)) == len(course["events"])
    board = html.unescape(client.get(f"/patients/{pid}/board").text)
    assert "Board summary of" in board
    assert "The summary cannot be made" not in board
    first = client.get(f"/patients/{pid}/course/events/0/edit")
    assert first.status_code == 200
