"""'Plan this case' on an uploaded CT + RTSTRUCT: a job with progress, 3DCRT/IMRT, evaluated."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from hccrt.errors import InputError
from hccrt.store.models import EvaluationJob, Upload
from hccrt.web.services import final_dose_engine
from tests.planning.synthetic_case import write_case
from tests.web.conftest import PASSWORD, TestClient, finished_job, sign_in
from tests.web.live import LiveServer, live_server, login, prepare
from tests.web.test_browser import ARGS, CHROMIUM

RECORD = {
    "bilirubin_mg_dl": 1.0,
    "albumin_g_dl": 4.0,
    "inr": 1.0,
    "ascites": "none",
    "encephalopathy": "none",
}


def _upload_folder(client: TestClient, csrf: str, patient_id: int, folder: Path) -> int:
    files = [
        ("files", (str(p.relative_to(folder)), p.read_bytes(), "application/dicom"))
        for p in sorted(folder.rglob("*.dcm"))
    ]
    response = client.post(
        f"/api/patients/{patient_id}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    upload_id: int = response.json()["upload_id"]
    return upload_id


@pytest.mark.slow
def test_plan_this_case_runs_as_a_job_and_stores_the_planned_files(
    client: TestClient, app: FastAPI, tmp_path: Path
) -> None:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "PLAN-ME", "record": RECORD}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    patient_id = created.json()["id"]
    upload_id = _upload_folder(client, csrf, patient_id, write_case(tmp_path / "case"))
    page = client.get(f"/uploads/{upload_id}")
    assert 'id="plan-case"' in page.text
    # The final dose defaults to the collapsed cone; the pencil beam is offered as a preview.
    select = page.text.split('id="plan-final-dose"')[1].split("</select>")[0]
    assert '<option value="collapsed_cone" selected>' in select
    assert "pencil beam (fast preview, not for signing)" in select
    assert 'id="planned"' not in page.text  # an uploaded case is not marked as planned by hccrt

    unknown = client.post(
        f"/uploads/{upload_id}/plan",
        data={"csrf_token": csrf, "prescription_gy": "50", "fractions": "25", "final_dose": "mc"},
    )
    assert unknown.status_code == 400
    assert "final_dose=mc: not a final-dose engine" in html.unescape(unknown.text)

    missing = client.post(
        f"/uploads/{upload_id}/plan", data={"csrf_token": csrf, "fractions": "25"}
    )
    assert missing.status_code == 400
    assert "prescription_gy" in html.unescape(missing.text)

    queued = client.post(
        f"/uploads/{upload_id}/plan",
        data={
            "csrf_token": csrf,
            "prescription_gy": "50",
            "fractions": "25",
            "final_dose": "pencil_beam",  # this test is not about the final dose: the fast one
        },
        follow_redirects=False,
    )
    assert queued.status_code == 303, queued.text
    job_url = queued.headers["location"]
    progress = client.get(job_url)
    assert 'src="/static/job.js"' in progress.text or progress.url.path.startswith("/evaluations")
    job = finished_job(client, client.get(f"/api{job_url}"), timeout_s=600)
    assert job["status"] == "done", job
    assert job["kind"] == "plan"
    assert job["steps"] == 7  # 3 planning steps, 3 evaluation steps, storing
    assert job["step"] == 7

    evaluation = client.get(job["evaluation_url"])
    text = html.unescape(evaluation.text)
    assert "Planned by hccrt:" in text
    assert "50.0 Gy in 25 fractions, Child-Pugh A" in text
    api = client.get(f"/api/evaluations/{job['evaluation_id']}").json()
    assert api["result"]["planning"]["chosen_technique"] in ("3DCRT", "IMRT")
    assert api["result"]["plan"]["fractions"] == 25

    with app.state.sessions() as session:
        row = session.get(EvaluationJob, job["id"])
        assert row is not None
        planned_id = row.options["planned_upload_id"]
        planned = session.get(Upload, planned_id)
        assert planned is not None
        assert planned.patient_id == patient_id
    assert api["upload_id"] == planned_id
    planned_page = client.get(f"/uploads/{planned_id}").text
    for modality in ("CT", "RTSTRUCT", "RTPLAN", "RTDOSE"):
        assert f"<td>{modality}</td>" in planned_page
    assert api["result"]["planning"]["final_dose"]["engine"] == "pencil_beam"
    assert "final dose: pencil beam (fast preview, not for signing)" in text

    # The planned upload is marked on its page and in the patient's upload list.
    technique = api["result"]["planning"]["chosen_technique"]
    marked = (
        f"Planned by hccrt from upload {upload_id}: {technique}, 50 Gy in 25 fractions; "
        "final dose: pencil beam (fast preview, not for signing)"
    )
    planned_text = html.unescape(planned_page)
    assert marked in planned_text
    assert 'class="planned preview" id="planned"' in planned_page
    assert "Recompute the final dose with the collapsed cone before signing." in planned_text
    patient_page = html.unescape(client.get(f"/patients/{patient_id}").text)
    assert marked in patient_page.split(f'id="planned-{planned_id}">')[1]
    assert f'id="planned-{upload_id}"' not in patient_page  # the uploaded case is not
    assert 'id="planned"' not in client.get(f"/uploads/{upload_id}").text


@pytest.mark.slow
def test_plan_api_defaults_to_the_collapsed_cone_final_dose(
    client: TestClient, tmp_path: Path
) -> None:
    """The one web test about the final dose: the default engine is the collapsed cone."""
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "CC-1", "record": RECORD}, headers={"X-CSRF-Token": csrf}
    )
    patient_id = created.json()["id"]
    upload_id = _upload_folder(client, csrf, patient_id, write_case(tmp_path / "case"))
    job = finished_job(
        client,
        client.post(
            f"/api/uploads/{upload_id}/plans",
            json={"prescription_gy": 50, "fractions": 25},
            headers={"X-CSRF-Token": csrf},
        ),
        timeout_s=600,
    )
    assert job["status"] == "done", job
    api = client.get(f"/api/evaluations/{job['evaluation_id']}").json()
    final = api["result"]["planning"]["final_dose"]
    assert final["engine"] == "collapsed_cone"
    assert "collapsed-cone" in final["description"]
    planned_id = api["upload_id"]
    planned_page = html.unescape(client.get(f"/uploads/{planned_id}").text)
    assert "final dose: collapsed cone (dose to medium, the dose to sign)" in planned_page
    assert "not for signing" not in planned_page.split('id="planned"')[1].split("</p>")[0]
    assert 'class="planned" id="planned"' in client.get(f"/uploads/{planned_id}").text


def test_plan_needs_a_ct_and_structures(client: TestClient, shared_data: Path) -> None:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "NO-CT", "record": RECORD}, headers={"X-CSRF-Token": csrf}
    )
    plan = shared_data / "breast_boost_plan"
    files = [("files", (n, (plan / n).read_bytes(), "application/dicom")) for n in ("rtss.dcm",)]
    upload = client.post(
        f"/api/patients/{created.json()['id']}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert upload.status_code == 201, upload.text
    upload_id = upload.json()["upload_id"]
    assert 'id="plan-case"' not in client.get(f"/uploads/{upload_id}").text
    job = finished_job(
        client,
        client.post(
            f"/api/uploads/{upload_id}/plans",
            json={"prescription_gy": 50, "fractions": 25, "final_dose": "pencil_beam"},
            headers={"X-CSRF-Token": csrf},
        ),
    )
    assert job["status"] == "error"
    assert "needs a CT series and an RTSTRUCT to plan" in job["error"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as running:
        yield running


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_plan_button_progress_bar_in_chromium(server: LiveServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with httpx.Client(base_url=server.url) as api:
        csrf = login(api, "clinician", PASSWORD)
        created = api.post(
            "/api/patients",
            json={"label": "PLAN-BROWSER", "record": RECORD},
            headers={"X-CSRF-Token": csrf},
        )
        folder = write_case(tmp_path / "case")
        files = [
            ("files", (str(p.relative_to(folder)), p.read_bytes(), "application/dicom"))
            for p in sorted(folder.rglob("*.dcm"))
        ]
        upload = api.post(
            f"/api/patients/{created.json()['id']}/uploads",
            files=files,
            headers={"X-CSRF-Token": csrf},
        )
        assert upload.status_code == 201, upload.text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        page.on(
            "response",
            lambda response: (
                errors.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/login?next={upload.json()['url']}")
        page.fill("#username", "clinician")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.fill("#plan-prescription", "50")
        page.fill("#plan-fractions", "25")
        page.select_option("#plan-final-dose", "pencil_beam")  # the fast engine: not about it
        page.click("#plan-case")
        expect(page.locator("#job-progress")).to_be_visible()
        expect(page.locator("#job-status")).to_contain_text("planning", timeout=60_000)
        assert page.locator("#job-progress").evaluate("bar => bar.max") == 7
        expect(page.locator("#planning")).to_contain_text("Planned by hccrt", timeout=300_000)
        assert "/evaluations/" in page.url
        assert errors == []
        browser.close()


def test_plan_api_refuses_an_unknown_final_dose_engine(
    client: TestClient, shared_data: Path
) -> None:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "ENGINE", "record": RECORD}, headers={"X-CSRF-Token": csrf}
    )
    plan = shared_data / "breast_boost_plan"
    files = [("files", ("rtss.dcm", (plan / "rtss.dcm").read_bytes(), "application/dicom"))]
    upload = client.post(
        f"/api/patients/{created.json()['id']}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    refused = client.post(
        f"/api/uploads/{upload.json()['upload_id']}/plans",
        json={"prescription_gy": 50, "fractions": 25, "final_dose": "monte_carlo"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422
    assert "final_dose" in refused.text


def test_final_dose_engine_defaults_to_the_collapsed_cone() -> None:
    assert final_dose_engine("") == "collapsed_cone"
    assert final_dose_engine(None) == "collapsed_cone"
    assert final_dose_engine(" pencil_beam ") == "pencil_beam"
    with pytest.raises(InputError, match=r"final_dose=monte_carlo: not a final-dose engine.*cone"):
        final_dose_engine("monte_carlo")
