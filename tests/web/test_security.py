"""Authentication, roles, CSRF, cookies, audit trail and logs without patient data."""

from __future__ import annotations

import html
import logging

import pytest
from fastapi import FastAPI

from tests.web.conftest import PASSWORD, TestClient, sign_in

PATIENT = {"label": "HCC-SEC-1", "bilirubin": "1.0", "kps": "90"}


def _create_patient(client: TestClient, csrf: str, **fields: str) -> int:
    response = client.post(
        "/patients/new", data={"csrf_token": csrf, **PATIENT, **fields}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("path", ["/patients", "/patients/1", "/admin/audit", "/patients/new"])
def test_pages_redirect_to_login_without_session(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", ["/api/patients", "/api/patients/1", "/api/audit"])
def test_api_refuses_without_session(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "sign in first"}


def test_forged_or_unsigned_cookie_refused(client: TestClient) -> None:
    client.cookies.set("hccrt_session", "forged-token")
    assert client.get("/api/patients").status_code == 401


def test_wrong_password_refused_and_audited(client: TestClient, app: FastAPI) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": "viewer", "password": "nope-nope-nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    sign_in(client, "admin")
    events = client.get("/api/audit", params={"username": "viewer"}).json()
    assert events[0]["action"] == "login_failed"


def test_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "guess"}
    )
    assert response.status_code == 403
    assert "The form expired" in response.text


def test_session_cookie_flags(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "hccrt_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_csrf_required_on_every_state_change(client: TestClient) -> None:
    csrf = sign_in(client, "clinician")
    no_token = client.post("/patients/new", data=PATIENT)
    assert no_token.status_code == 403
    assert "CSRF token missing or wrong" in no_token.text
    wrong = client.post("/patients/new", data={**PATIENT, "csrf_token": csrf[:-2] + "xx"})
    assert wrong.status_code == 403
    api = client.post("/api/patients", json={"label": "X", "record": {}})
    assert api.status_code == 403
    assert "CSRF" in api.json()["detail"]
    assert client.get("/api/patients").json() == []  # nothing was created
    assert client.post("/logout").status_code == 403


@pytest.mark.parametrize(
    ("role", "method", "path", "message"),
    [
        ("viewer", "post", "/patients/new", "role 'viewer' may not edit patient"),
        ("viewer", "post", "/api/patients/1/uploads", "role 'viewer' may not upload"),
        ("physicist", "post", "/patients/new", "role 'physicist' may not edit patient"),
        ("clinician", "get", "/admin/audit", "role 'clinician' may not admin"),
        ("physicist", "get", "/api/audit", "role 'physicist' may not admin"),
        ("clinician", "post", "/admin/users", "role 'clinician' may not admin"),
    ],
)
def test_wrong_role_refused(
    client: TestClient, role: str, method: str, path: str, message: str
) -> None:
    csrf = sign_in(client, role)
    if method == "post":
        response = client.post(path, data={**PATIENT, "csrf_token": csrf})
    else:
        response = client.get(path)
    assert response.status_code == 403
    assert message in html.unescape(response.text)


def test_logout_ends_the_session(client: TestClient) -> None:
    csrf = sign_in(client, "viewer")
    cookie = client.cookies.get("hccrt_session")
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("hccrt_session", str(cookie))
    assert client.get("/api/patients").status_code == 401


def test_audit_log_shows_who_saw_what(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "clinician")
    patient_id = _create_patient(client, csrf)
    client.post("/logout", data={"csrf_token": csrf})
    sign_in(client, "viewer")
    assert client.get(f"/patients/{patient_id}").status_code == 200
    assert client.get(f"/api/patients/{patient_id}").status_code == 200
    sign_in(client, "admin")
    events = client.get("/api/audit", params={"patient_id": patient_id}).json()
    seen = [(e["username"], e["action"], e["object_type"]) for e in events]
    assert ("clinician", "create", "patient") in seen
    assert seen.count(("viewer", "read", "patient")) == 2
    page = client.get("/admin/audit", params={"patient_id": patient_id})
    assert page.status_code == 200
    assert "viewer" in page.text
    assert all(e["at"] for e in events)


def test_logs_hold_no_patient_identifiers(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    csrf = sign_in(client, "clinician")
    extra = '{"name": "Jane Roe-Identifiable", "patient_id": "MRN-99887766"}'
    patient_id = _create_patient(client, csrf, label="CASE-LABEL-SECRET", extra_json=extra)
    client.get("/patients", params={"q": "CASE-LABEL-SECRET"})
    client.get(f"/patients/{patient_id}")
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(record.getMessage() for record in server_side)
    assert "GET /patients/{patient_id} -> 200" in text
    for secret in ("Jane Roe", "MRN-99887766", "CASE-LABEL-SECRET"):
        assert secret not in text


def test_admin_creates_accounts(client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    response = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "dr.new", "password": "x", "role": "clinician"},
    )
    assert response.status_code == 400
    assert "shorter than 12 characters" in response.text
    response = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "dr.new", "password": PASSWORD, "role": "clinician"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    client.post("/logout", data={"csrf_token": csrf})
    assert sign_in(client, "dr.new")
    assert PASSWORD not in client.get("/patients").text


def test_repeated_wrong_passwords_lock_the_login(client: TestClient) -> None:
    for attempt in range(6):
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login",
            data={
                "username": "viewer",
                "password": "guess-number-" + str(attempt),
                "csrf_token": token,
            },
        )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
