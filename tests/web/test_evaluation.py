"""Plan evaluation through the web app on a real plan: constraints, DVH data, overlays, PDF."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from fastapi import FastAPI

from hccrt.store.models import Evaluation
from tests.web.conftest import TestClient, finished_job, sign_in


def _upload(
    client: TestClient, csrf: str, patient_id: int, plan: Path, names: tuple[str, ...]
) -> int:
    files = [("files", (n, (plan / n).read_bytes(), "application/dicom")) for n in names]
    response = client.post(
        f"/api/patients/{patient_id}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    upload_id: int = response.json()["upload_id"]
    return upload_id


@pytest.mark.slow
def test_evaluate_upload_show_and_download_report(
    client: TestClient, app: FastAPI, shared_data: Path
) -> None:
    plan = shared_data / "breast_boost_plan"
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients",
        json={
            "label": "PLAN-1",
            "record": {
                "bilirubin_mg_dl": 1.0,
                "albumin_g_dl": 4.0,
                "inr": 1.0,
                "ascites": "none",
                "encephalopathy": "none",
                "name": "Jane Roe",
            },
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]

    # Without an RTPLAN the number of fractions is unknown: a stored, explained failure.
    bare = _upload(client, csrf, patient_id, plan, ("rtss.dcm", "rtdose.dcm"))
    failed = finished_job(
        client,
        client.post(f"/api/uploads/{bare}/evaluations", json={}, headers={"X-CSRF-Token": csrf}),
    )
    assert failed["status"] == "error"
    assert "fractions" in failed["error"]
    page = client.get(failed["evaluation_url"])
    assert "The plan could not be evaluated" in page.text

    # The form's fraction field supplies it; the form opens the job's progress page.
    response = client.post(
        f"/uploads/{bare}/evaluate",
        data={"csrf_token": csrf, "fractions": "7", "prescription_gy": "14"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    job_url = response.headers["location"]
    assert job_url.startswith("/jobs/")
    job = finished_job(client, client.get(f"/api{job_url}"), timeout_s=120)
    page = client.get(job_url)  # a finished job's page opens the evaluation
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Dose constraints" in text
    assert "Liver-GTV" in text
    assert "7 fractions, prescription 14.00 Gy" in text
    assert 'id="dvh-data"' in page.text
    header = text.split('id="evaluation-header"')[1].split("</table>")[0]
    assert "Fractions: 7" in header
    assert "Protocol requested: automatic" in header
    assert "{" not in header
    assert '":' not in header

    evaluation_id = job["evaluation_id"]
    assert page.url.path == f"/evaluations/{evaluation_id}"
    api = client.get(f"/api/evaluations/{evaluation_id}").json()
    assert api["status"] == "ok"
    assert api["result"]["verdict"] in ("pass", "fail")
    assert api["result"]["child_pugh_class"] == "A"  # from the stored record: 5 points
    assert api["result"]["patient"]["patient_id"] == "PLAN-1"  # pseudonym, not the name
    assert "Jane Roe" not in json.dumps(api["result"])
    assert api["ruleset_version"].startswith("hcc_")
    assert api["parameters"]["fractions"] == 7
    assert {c["structure"] for c in api["result"]["constraints"]} >= {"Liver-GTV"}

    with app.state.sessions() as session:
        row = session.get(Evaluation, evaluation_id)
        assert row is not None
        figures = dict(row.artifacts)
    assert {"dvh", "dose_axial"} <= set(figures)
    image = client.get(f"/evaluations/{evaluation_id}/artifacts/dose_axial")
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")

    report = client.get(api["report_url"])
    assert report.status_code == 200
    assert report.content.startswith(b"%PDF")
    assert "attachment" in report.headers["content-disposition"]

    sign_in(client, "admin")
    events = client.get("/api/audit", params={"patient_id": patient_id}).json()
    actions = {(e["username"], e["action"], e["object_type"]) for e in events}
    assert ("clinician", "export", "report") in actions
    assert ("clinician", "create", "evaluation") in actions


def test_viewer_may_read_but_not_evaluate(client: TestClient, shared_data: Path) -> None:
    csrf = sign_in(client, "physicist")
    assert client.post("/patients/new", data={"csrf_token": csrf, "label": "V"}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf})
    csrf = sign_in(client, "viewer")
    response = client.post("/uploads/1/evaluate", data={"csrf_token": csrf})
    assert response.status_code == 403
    assert "may not evaluate" in html.unescape(response.text)


SECRET = {"db_password": "s3cret-Kx9q", "api_token": "tok-7f2e1c"}


@pytest.mark.slow
def test_protocol_is_a_packaged_name_never_a_file(
    client: TestClient, app: FastAPI, shared_data: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(SECRET), encoding="utf-8")
    # A planted protocol without constraints under the packaged protocol's id and version.
    packaged = json.loads(
        (Path(__file__).parents[2] / "src/hccrt/evaluation/protocols/hcc_sbrt_5fx.json").read_text()
    )
    planted = tmp_path / "hcc_sbrt_5fx.json"
    planted.write_text(json.dumps({**packaged, "constraints": []}), encoding="utf-8")

    csrf = sign_in(client, "clinician")
    patient_id = client.post(
        "/api/patients", json={"label": "P-1", "record": {}}, headers={"X-CSRF-Token": csrf}
    ).json()["id"]
    upload = _upload(
        client, csrf, patient_id, shared_data / "breast_boost_plan", ("rtss.dcm", "rtdose.dcm")
    )
    refused = [str(secret), str(planted), "../../etc/passwd.json", "hcc_sbrt_9fx", "HCC_SBRT_5FX"]
    for value in refused:
        api = client.post(
            f"/api/uploads/{upload}/evaluations",
            json={"protocol": value, "fractions": 5, "prescription_gy": 40},
            headers={"X-CSRF-Token": csrf},
        )
        form = client.post(
            f"/uploads/{upload}/evaluate",
            data={"csrf_token": csrf, "protocol": value, "fractions": "5"},
        )
        for response in (api, form):
            assert response.status_code == 400, (value, response.text)
            assert "not a packaged protocol" in html.unescape(response.text)
            assert "hcc_sbrt_5fx" in response.text  # the fix names the packaged protocols
            for leaked in (*SECRET, *SECRET.values(), str(tmp_path)):
                assert leaked not in response.text
    with app.state.sessions() as session:
        assert session.query(Evaluation).count() == 0  # nothing was evaluated or stored

    # The packaged name is accepted and evaluated with the packaged constraints.
    job = finished_job(
        client,
        client.post(
            f"/api/uploads/{upload}/evaluations",
            json={"protocol": "hcc_sbrt_5fx", "fractions": 5, "prescription_gy": 40},
            headers={"X-CSRF-Token": csrf},
        ),
    )
    assert job["status"] == "done", job
    result = client.get(f"/api/evaluations/{job['evaluation_id']}").json()["result"]
    assert result["constraints"]
    page = client.get(f"/uploads/{upload}")
    assert '<option value="hcc_sbrt_5fx">' in page.text
