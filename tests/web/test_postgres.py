"""The web app on PostgreSQL: the same patient, upload, evaluation and audit flow as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hccrt.store.audit import grant_app_role, verify_chain
from hccrt.store.db import make_engine, migrate
from hccrt.web.app import create_app
from hccrt.web.settings import Settings
from tests.backends import NEEDS_POSTGRES, POSTGRES_URL, wipe_database
from tests.store.test_audit import APP_ROLE, app_role_url
from tests.web.conftest import TestClient, add_accounts, finished_job, sign_in
from tests.web.plans import small_liver_plan

URL = POSTGRES_URL
pytestmark = NEEDS_POSTGRES


@pytest.fixture
def pg_app(tmp_path: Path) -> Iterator[FastAPI]:
    """The owner role migrates and grants; the app connects as the second role."""
    assert URL is not None
    wipe_database(URL)
    owner = make_engine(URL)
    migrate(owner)
    grant_app_role(owner, APP_ROLE)
    app_url = app_role_url(owner)
    owner.dispose()
    app = create_app(
        Settings(data_dir=tmp_path / "data", database_url=app_url, secret_key="pg-test-secret")
    )
    add_accounts(app)
    yield app
    app.state.engine.dispose()
    wipe_database(URL)


def test_patient_upload_evaluation_audit_on_postgres(pg_app: FastAPI, shared_data: Path) -> None:
    assert pg_app.state.engine.dialect.name == "postgresql"
    with TestClient(pg_app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        headers = {"X-CSRF-Token": csrf}
        patient = client.post(
            "/api/patients",
            json={
                "label": "PG-1",
                "record": {
                    "bilirubin_umol_l": 17.1,
                    "albumin_g_l": 40,
                    "inr": 1.0,
                    "ascites": "none",
                    "encephalopathy": "none",
                },
            },
            headers=headers,
        ).json()
        assert patient["record"]["bilirubin_mg_dl"] == pytest.approx(1.0)
        assessed = client.post(f"/api/patients/{patient['id']}/assessments", headers=headers)
        assert assessed.json()["result"]["liver_function"]["child_pugh"]["class"] == "A"
        files = [
            ("files", (n, d, "application/dicom")) for n, d in small_liver_plan(shared_data).items()
        ]
        upload = client.post(f"/api/patients/{patient['id']}/uploads", files=files, headers=headers)
        assert upload.status_code == 201, upload.text
        job = finished_job(
            client,
            client.post(
                f"/api/uploads/{upload.json()['upload_id']}/evaluations",
                json={"fractions": 5, "prescription_gy": 50, "report": False},
                headers=headers,
            ),
        )
        assert job["status"] == "done", job
        evaluation = client.get(f"/api/evaluations/{job['evaluation_id']}")
        assert evaluation.json()["result"]["child_pugh_class"] == "A"
        client.post("/logout", data={"csrf_token": csrf})
        sign_in(client, "admin")
        events = client.get("/api/audit", params={"patient_id": patient["id"]}).json()
        assert {e["object_type"] for e in events} >= {
            "patient",
            "assessment",
            "upload",
            "evaluation",
        }
    assert pg_app.state.engine.url.username == APP_ROLE
    with pg_app.state.sessions() as session:
        assert verify_chain(session).ok
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(text("DELETE FROM audit_events"))
