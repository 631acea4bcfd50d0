"""The pages speak people's words: labels with units, no raw dicts or JSON, one row per series."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pydicom
import pytest
from fastapi import FastAPI

from hccrt.store.models import FollowUp
from hccrt.web.display import label, parameter_rows, record_rows, scheme_text, words
from tests.web.conftest import TestClient, sign_in

CHILD_PUGH_A = {
    "bilirubin": "1.0",
    "albumin": "4.0",
    "inr": "1.0",
    "ascites": "none",
    "encephalopathy": "none",
}


def visible_text(page: str) -> str:
    """The page without its ``<script>`` data blocks, entities decoded."""
    return html.unescape(re.sub(r"<script\b.*?</script>", "", page, flags=re.S))


def assert_no_raw_data(page: str) -> None:
    """No Python dict (``{'``) nor JSON (``":``) shown to the reader."""
    text = visible_text(page)
    for raw in ("{'", '":', '{"', "[{"):
        assert raw not in text, (
            f"raw data {raw!r} on the page: ...{text[text.find(raw) - 80 :][:200]}"
        )


@pytest.fixture
def clinician(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client, "clinician")


def _patient(client: TestClient, csrf: str, **extra: str) -> str:
    created = client.post(
        "/patients/new",
        data={
            "csrf_token": csrf,
            "label": "HCC-WORDS",
            **CHILD_PUGH_A,
            "alt_uln_u_l": "40",
            "tumors.0.diameter_cm": "5.8",
            "tumors.0.segment": "7",
            "tumors.0.near_major_vessel": "on",
            "tumors.1.diameter_cm": "2.1",
            "portal_vein": "branch",
            **extra,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    return str(created.headers["location"])


def test_record_and_assessment_in_words(clinician: tuple[TestClient, str]) -> None:
    client, csrf = clinician
    patient_url = _patient(client, csrf)
    page = client.get(patient_url)
    assert_no_raw_data(page.text)
    text = visible_text(page.text)
    assert "Tumour 1: 5.8 cm, segment 7, near major vessel" in text
    assert "Tumour 2: 2.1 cm" in text
    assert "ALT upper limit of normal (U/L)" in text
    assert "Total bilirubin (mg/dL)" in text
    assert "Portal vein tumour thrombus: branch" in text
    assert "alt_uln_u_l" not in text

    assessed = client.post(f"{patient_url}/assess", data={"csrf_token": csrf})
    assert assessed.status_code == 200, assessed.text
    assert_no_raw_data(assessed.text)
    text = visible_text(assessed.text)
    assert "50 Gy in 25 fractions (2 Gy per fraction, 5 per week)" in text
    assert "BED 60 Gy, EQD2 50 Gy (α/β 10 Gy)" in text
    assert "dose_per_fraction_gy" not in text
    assert "insufficient data mm" not in text  # a unit only after a number


def test_followup_form_labels_units_and_converts_umol(
    clinician: tuple[TestClient, str], app: FastAPI
) -> None:
    client, csrf = clinician
    patient_url = _patient(client, csrf)
    form = client.get(f"{patient_url}/followups/new")
    text = visible_text(form.text)
    assert "ALT upper limit of normal" in text
    assert ">U/L<" in form.text
    assert 'name="current.bilirubin_mg_dl_unit"' in form.text
    assert '<option value="bilirubin_umol_l" >µmol/L</option>' in html.unescape(form.text)
    assert ">alt_uln_u_l<" not in form.text
    visit = {
        "csrf_token": csrf,
        "rt_start_date": "2026-01-05",
        "baseline.date": "2026-01-01",
        "baseline.bilirubin_mg_dl": "1.0",
        "current.date": "2026-01-20",
        "current.bilirubin_mg_dl": "34.2",
        "current.bilirubin_mg_dl_unit": "bilirubin_umol_l",
        "current.bilirubin_uln_mg_dl": "20.52",
        "current.bilirubin_uln_mg_dl_unit": "bilirubin_uln_umol_l",
    }
    saved = client.post(f"{patient_url}/followups/new", data=visit, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with app.state.sessions() as session:
        row = session.query(FollowUp).one()
        assert row.record["current"]["bilirubin_mg_dl"] == pytest.approx(2.0)  # 34.2 / 17.1
        assert row.record["current"]["bilirubin_uln_mg_dl"] == pytest.approx(1.2)

    # The negative case: µmol/L beyond what is possible, refused next to the bilirubin field.
    bad = client.post(
        f"{patient_url}/followups/new",
        data={**visit, "current.date": "2026-01-27", "current.bilirubin_mg_dl": "900"},
    )
    assert bad.status_code == 400
    assert 'data-field="current.bilirubin_mg_dl"' in bad.text
    assert "above 513 µmol/L" in html.unescape(bad.text)


def _ct_slices(ct: Path, count: int) -> list[tuple[str, bytes]]:
    """``count`` slices of one series made from one CT file (new instance UIDs, 3 mm apart)."""
    slices = []
    for index in range(count):
        dataset = pydicom.dcmread(ct)
        dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[f"slice-{index}"])
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        position = [float(v) for v in dataset.ImagePositionPatient]
        dataset.ImagePositionPatient = [position[0], position[1], position[2] + 3.0 * index]
        buffer = io.BytesIO()
        dataset.save_as(buffer)
        slices.append((f"ct.{index}.dcm", buffer.getvalue()))
    return slices


def test_upload_page_shows_one_row_per_series(client: TestClient, shared_data: Path) -> None:
    csrf = sign_in(client, "clinician")
    created = client.post(
        "/api/patients", json={"label": "HCC-SERIES", "record": {}}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    plan = shared_data / "breast_boost_plan"
    named = [
        *_ct_slices(plan / "ct.0.dcm", 5),
        *((n, (plan / n).read_bytes()) for n in ("rtss.dcm", "rtdose.dcm", "rtplan.dcm")),
    ]
    files = [("files", (n, data, "application/dicom")) for n, data in named]
    response = client.post(
        f"/api/patients/{created.json()['id']}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    page = client.get(response.json()["url"])
    table = page.text.split('id="series"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([A-Z]+)</td>.*?</tr>", table.split("<tbody>")[1])
    assert rows == ["CT", "RTSTRUCT", "RTPLAN", "RTDOSE"]
    ct_row = re.search(r"<tr><td>CT</td>(.*?)</tr>", table)
    assert ct_row is not None
    cells = re.findall(r"<td>(.*?)</td>", ct_row.group(1))
    assert cells[2] == "5"  # five files, one row
    frame = str(pydicom.dcmread(plan / "ct.0.dcm").FrameOfReferenceUID)
    assert frame in cells[3]
    assert "8 files in 4 series" in page.text
    assert "SHA-256" not in page.text
    assert_no_raw_data(page.text)


def test_display_helpers_words_not_dicts() -> None:
    assert label("alt_uln_u_l") == "ALT upper limit of normal (U/L)"
    assert label("platelets_10e9_l") == "Platelets (×10⁹/L)"
    assert label("afp_ng_ml") == "AFP (ng/mL)"
    assert words(None) == "not known"
    assert words(True) == "yes"
    assert words({"portal_vein": "main_trunk", "ivc": True, "hepatic_vein": False}) == (
        "Portal vein tumour thrombus: main trunk, IVC"
    )
    rows = dict(record_rows({"tumors": [{"diameter_cm": 3.0}], "ascites": None}))
    assert rows == {"Tumours": ["Tumour 1: 3 cm"]}
    lines = scheme_text(
        {
            "total_dose_gy": 40.0,
            "fractions": 5,
            "dose_per_fraction_gy": 8.0,
            "fractions_per_week": None,
            "bed_gy": 72.0,
            "eqd2_gy": 60.0,
            "alpha_beta_gy": 10.0,
            "target": "liver_tumour",
        }
    )
    assert lines[:2] == [
        "40 Gy in 5 fractions (8 Gy per fraction)",
        "BED 72 Gy, EQD2 60 Gy (α/β 10 Gy)",
    ]
    assert parameter_rows(
        {"fractions": 7, "ntcp_parameter_sets": ["tai2009_child_pugh_a"], "x": None}
    ) == [("Fractions", "7"), ("NTCP parameter sets", "tai2009_child_pugh_a")]  # names kept
