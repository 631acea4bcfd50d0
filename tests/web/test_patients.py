"""Patient form (unit-aware, errors next to fields), search, assessment and follow-up pages."""

from __future__ import annotations

import html
import re

import pytest
from fastapi import FastAPI

from hccrt.store.models import Assessment, FollowUp, Patient
from tests.web.conftest import TestClient, sign_in

CHILD_PUGH_A = {
    "bilirubin": "1.0",
    "albumin": "40",
    "albumin_unit": "albumin_g_l",
    "inr": "1.1",
    "ascites": "none",
    "encephalopathy": "none",
    "kps": "80",
    "tumors.0.diameter_cm": "4.5",
    "tumors.0.segment": "6",
    "portal_vein": "none",
    "extrahepatic": "none",
}


def _field_errors(page: str) -> dict[str, str]:
    pattern = r'<span class="field-error" data-field="([^"]+)">([^<]*)</span>'
    return {k: html.unescape(v) for k, v in re.findall(pattern, page)}


@pytest.fixture
def clinician(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client, "clinician")


def test_si_units_converted_and_stored(clinician: tuple[TestClient, str], app: FastAPI) -> None:
    client, csrf = clinician
    form = {**CHILD_PUGH_A, "bilirubin": "34.2", "bilirubin_unit": "bilirubin_umol_l"}
    response = client.post(
        "/patients/new",
        data={"csrf_token": csrf, "label": "HCC-SI", **form},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with app.state.sessions() as session:
        record = session.query(Patient).one().record
    assert record["bilirubin_mg_dl"] == pytest.approx(2.0)  # 34.2 µmol/L / 17.1
    assert record["albumin_g_dl"] == pytest.approx(4.0)
    assert record["tumors"][0]["segment"] == 6
    edit = client.get(response.headers["location"] + "/edit")
    assert 'value="2.0"' in edit.text  # shown back in conventional units


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"bilirubin": "40"}, "bilirubin", "did you mean µmol/L? use bilirubin_umol_l"),
        ({"kps": "75"}, "kps", "multiple of 10"),
        ({"inr": "abc"}, "inr", "must be a number"),
        ({"tumors.0.diameter_cm": "45"}, "tumors.0.diameter_cm", "did you enter mm?"),
        ({"tumors.0.segment": "9"}, "tumors.0.segment", "less than or equal to 8"),
        ({"extra_json": "{not json"}, "extra_json", "not valid JSON"),
        ({"extra_json": '{"bilirubin_mgdl": 1}'}, "bilirubin_mgdl", "Extra inputs"),
        ({"label": ""}, "label", "required"),
    ],
)
def test_validation_messages_next_to_the_field(
    clinician: tuple[TestClient, str], fields: dict[str, str], field: str, message: str
) -> None:
    client, csrf = clinician
    data = {"csrf_token": csrf, "label": "HCC-BAD", **CHILD_PUGH_A, **fields}
    response = client.post("/patients/new", data=data)
    assert response.status_code == 400
    errors = _field_errors(response.text)
    assert field in errors, errors
    assert message in errors[field]
    assert 'id="form-errors"' in response.text
    assert client.get("/api/patients").json() == []


def test_search_edit_and_duplicate_label(clinician: tuple[TestClient, str]) -> None:
    client, csrf = clinician
    for label in ("HCC-0001", "HCC-0002", "ICC-0003"):
        response = client.post("/patients/new", data={"csrf_token": csrf, "label": label})
        assert response.status_code == 200
    page = client.get("/patients", params={"q": "hcc"})
    assert "HCC-0001" in page.text
    assert "ICC-0003" not in page.text
    duplicate = client.post("/patients/new", data={"csrf_token": csrf, "label": "HCC-0001"})
    assert duplicate.status_code == 400
    assert "a patient with this case label exists" in _field_errors(duplicate.text)["label"]
    patient_id = client.get("/api/patients", params={"q": "0002"}).json()[0]["id"]
    response = client.post(
        f"/patients/{patient_id}/edit",
        data={"csrf_token": csrf, **CHILD_PUGH_A},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get(f"/api/patients/{patient_id}").json()["record"]["kps"] == 80


def test_assessment_page_shows_scores_verdicts_and_sources(
    clinician: tuple[TestClient, str], app: FastAPI
) -> None:
    client, csrf = clinician
    created = client.post(
        "/patients/new",
        data={"csrf_token": csrf, "label": "HCC-A", **CHILD_PUGH_A},
        follow_redirects=False,
    )
    patient_url = created.headers["location"]
    assessed = client.post(
        f"{patient_url}/assess", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert assessed.status_code == 303
    page = client.get(assessed.headers["location"])
    text = html.unescape(page.text)
    assert "5 points, class <b>A</b>" in text
    assert re.search(r"ALBI</th><td>-?\d", text)
    assert 'class="verdict verdict-' in text
    assert "seeds/000_ac0db68d78fdb62d.txt" in text  # sources shown with their passage
    assert "Mean normal-liver dose limit</th><td>23.0 Gy" in text
    with app.state.sessions() as session:
        row = session.query(Assessment).one()
        assert row.ruleset_version.startswith("hccrt-clinical-rules")
        assert row.result["liver_function"]["child_pugh"]["class"] == "A"
        assert row.record["bilirubin_mg_dl"] == 1.0


def test_followup_grades_and_lab_history(clinician: tuple[TestClient, str], app: FastAPI) -> None:
    client, csrf = clinician
    created = client.post(
        "/patients/new",
        data={
            "csrf_token": csrf,
            "label": "HCC-F",
            **CHILD_PUGH_A,
            "extra_json": '{"alt_u_l": 30, "alt_uln_u_l": 40}',
        },
        follow_redirects=False,
    )
    patient_url = created.headers["location"]
    form_page = client.get(f"{patient_url}/followups/new")
    assert 'name="baseline.alt_u_l" id="baseline.alt_u_l" inputmode="decimal" value="30.0"' in (
        form_page.text
    )
    visit = {
        "csrf_token": csrf,
        "rt_start_date": "2026-01-05",
        "rt_ongoing": "on",
        "baseline.date": "2026-01-01",
        "baseline.alt_u_l": "30",
        "baseline.alt_uln_u_l": "40",
        "current.date": "2026-01-20",
        "current.alt_u_l": "150",
        "current.alt_uln_u_l": "40",
    }
    saved = client.post(f"{patient_url}/followups/new", data=visit, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = html.unescape(client.get(patient_url).text)
    assert "2026-01-20" in page
    assert "G2" in page  # ALT 3.75 x ULN: CTCAE grade 2
    assert "yes — stop" in page  # grade >= 2 during RT
    assert '{"visits": [{"date": "2026-01-20", "alt": 3.75,' in page  # data for the lab chart
    with app.state.sessions() as session:
        row = session.query(FollowUp).one()
        assert row.result["ctcae"]["alt"]["grade"] == 2
        assert row.result["recommend_stop_rt"] is True
        assert row.ruleset_version.startswith("hccrt-clinical-rules")
    bad = client.post(f"{patient_url}/followups/new", data={**visit, "current.date": "2025-12-01"})
    assert bad.status_code == 400
    assert "before baseline.date" in html.unescape(bad.text)


def test_api_create_validation_and_openapi(clinician: tuple[TestClient, str]) -> None:
    client, csrf = clinician
    bad = client.post(
        "/api/patients",
        json={"label": "X", "record": {"bilirubin_mg_dl": 40}},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 400
    assert "bilirubin_mg_dl=40" in bad.json()["detail"]
    good = client.post(
        "/api/patients",
        json={"label": "X", "record": {"bilirubin_umol_l": 17.1}},
        headers={"X-CSRF-Token": csrf},
    )
    assert good.status_code == 201
    assert good.json()["record"]["bilirubin_mg_dl"] == pytest.approx(1.0)
    assessed = client.post(
        f"/api/patients/{good.json()['id']}/assessments", headers={"X-CSRF-Token": csrf}
    )
    assert assessed.status_code == 201
    assert assessed.json()["hccrt_version"]
    spec = client.get("/openapi.json").json()
    assert {"/api/patients", "/api/patients/{patient_id}/uploads", "/api/audit"} <= set(
        spec["paths"]
    )
