"""The web DVH draws each structure in its colour of the PDF report (hccrt.report.colours)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hccrt.dvh.names import is_target
from hccrt.evaluation import evaluate_files
from hccrt.evaluation.inputs import PlanFiles
from hccrt.report.colours import evaluation_colours
from tests.web.conftest import TestClient, finished_job, sign_in
from tests.web.plans import liver_like_plan


@pytest.mark.slow
def test_web_dvh_curves_carry_the_report_colours(
    client: TestClient, shared_data: Path, tmp_path: Path
) -> None:
    plan = liver_like_plan(shared_data, tmp_path / "plan")
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "COL-1", "record": {}}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    files = [
        ("files", (path.name, path.read_bytes(), "application/dicom")) for path in plan.values()
    ]
    uploaded = client.post(
        f"/api/patients/{created.json()['id']}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert uploaded.status_code == 201, uploaded.text
    job = finished_job(
        client,
        client.post(
            f"/api/uploads/{uploaded.json()['upload_id']}/evaluations",
            json={"fractions": 5, "prescription_gy": 40.0, "report": False},
            headers={"X-CSRF-Token": csrf},
        ),
        timeout_s=120,
    )
    assert job["status"] == "done", job
    curves = client.get(f"/api/evaluations/{job['evaluation_id']}").json()["result"]["dvh_curves"]
    web = {curve["name"]: curve["color"] for curve in curves}

    # The same plan evaluated by the library, coloured as hccrt.report.writer colours its DVH.
    evaluation, _ = evaluate_files(
        PlanFiles(plan["rtss"], (plan["rtdose"],), plan["rtplan"], None, None),
        fractions=5,
        prescription_gy=40.0,
    )
    shown = [k for k in evaluation.dvhs if not k.startswith("plan:")]
    shown += [k[5:] for k in evaluation.dvhs if k.startswith("plan:") and is_target(k[5:])]
    report = evaluation_colours(evaluation, shown)

    assert "Liver" in web
    assert all(colour.startswith("#") and len(colour) == 7 for colour in web.values())
    assert web == {name: report[name] for name in web}
    # Distinct structures never share a colour (the curves stay apart in the legend).
    assert len(set(web.values())) == len(web)
