"""Patient list and API: label-only pages, literal search, audited per patient; refusals logged."""

from __future__ import annotations

from fastapi import FastAPI

from hccrt.store.audit import list_events, verify_chain
from tests.web.conftest import TestClient, sign_in

LABELS = ("A_1", "AB1", "100%", "1000", "HCC-5")


def test_pages_are_label_only_literal_and_audited_per_patient(
    client: TestClient, app: FastAPI
) -> None:
    csrf = sign_in(client, "clinician")
    for label in LABELS:
        record = {"name": "Jane Roe", "bilirubin_mg_dl": 1.0}
        created = client.post(
            "/api/patients", json={"label": label, "record": record}, headers={"X-CSRF-Token": csrf}
        )
        assert created.status_code == 201, created.text

    assert [p["label"] for p in client.get("/api/patients", params={"q": "_"}).json()] == ["A_1"]
    assert [p["label"] for p in client.get("/api/patients", params={"q": "%"}).json()] == ["100%"]

    first = client.get("/api/patients", params={"limit": 2})
    assert first.headers["x-total-count"] == "5"
    assert 'rel="next"' in first.headers["link"]
    assert "offset=2" in first.headers["link"]
    assert [set(p) for p in first.json()] == [{"id", "label", "updated_at", "url"}] * 2
    assert "Jane Roe" not in first.text
    assert "bilirubin" not in first.text
    last = client.get("/api/patients", params={"limit": 2, "offset": 4})
    assert len(last.json()) == 1
    assert 'rel="prev"' in last.headers["link"]
    assert client.get("/api/patients", params={"limit": 100_000}).status_code == 422
    assert client.get("/api/patients", params={"offset": 2**63}).status_code == 422

    page = client.get("/patients", params={"limit": 2})
    assert "1–2 of 5" in page.text
    assert 'id="page-next"' in page.text
    assert "bilirubin" not in page.text

    with app.state.sessions() as session:
        listed = list_events(session, limit=2)  # the HTML page: one row per patient shown
        assert [e.action for e in listed] == ["list", "list"]
        assert {e.patient_id for e in listed} == {p["id"] for p in first.json()}
        assert all(e.client_addr == "testclient" and len(e.session_ref) == 16 for e in listed)


def test_refused_requests_are_audited(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "viewer")
    assert client.post("/patients/new", data={"csrf_token": csrf, "label": "X"}).status_code == 403
    assert client.post("/patients/new", data={"label": "X"}).status_code == 403  # no CSRF token
    with app.state.sessions() as session:
        refused = [e for e in list_events(session) if e.action == "refused"]
        assert [(e.username, e.detail) for e in refused] == [
            ("viewer", "POST /patients/new needs csrf"),
            ("viewer", "POST /patients/new needs edit_patient"),
        ]
        assert verify_chain(session).ok
