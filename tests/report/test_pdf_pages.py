"""The PDF is the HTML laid out: its pages rendered to PNG, their text, identity and sign-off."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np

from hccrt.core.identity import DEIDENTIFIED, PatientIdentity
from hccrt.report import write_report
from hccrt.report.figures import NO_PRESCRIPTION_NOTE
from tests.report.cases import ct_on, evaluation, pdf_pages, smooth_dose, with_cumulative_liver

IDENTITY = PatientIdentity(
    patient_name="DOE, Jane", patient_id="HCC-0042", birth_date="1961-04-09",
    institution="Test Hospital", plan_label="Liver 1", plan_date="2026-11-30",
    plan_date_source="RTPlanDate",
)  # fmt: skip


def _flat(text: str) -> str:
    return " ".join(text.split())


def _headings(html: str) -> list[str]:
    return [_flat(unescape(h)) for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.S)]


def test_pdf_pages_show_the_html_identity_sign_off_and_figures(tmp_path: Path) -> None:
    _, grid = smooth_dose()
    files = write_report(evaluation(), tmp_path / "out", ct=ct_on(grid), identity=IDENTITY)
    html = files["report_html"].read_text()
    pages = pdf_pages(files["report_pdf"], tmp_path)
    assert len(pages) >= 3
    for _, image in pages:  # every page rendered and not blank
        pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.shape[0] > 1000
        assert pixels.std() > 5
    text = _flat(" ".join(t for t, _ in pages))
    first = _flat(pages[0][0])
    for expected in ("Plan evaluation report", "DOE, Jane", "HCC-0042", "1961-04-09",
                     "2026-11-30 (RTPlanDate)", "Test Hospital", "hccrt-clinical-rules-1",
                     "Prepared by (physicist)", "Reviewed by (physicist)",
                     "Approved by (radiation oncologist)", "Signature"):  # fmt: skip
        assert expected in first, expected  # the identity header and sign-off open the report
    assert re.search(r"[0-9a-f]{64}", first)  # the protocol's sha256
    # the same identity line tops every page
    assert all("DOE, Jane · ID HCC-0042 · born 1961-04-09" in _flat(t) for t, _ in pages)
    # the PDF holds every section of the HTML (one template)
    headings = _headings(html)
    assert {"Identity", "Sign-off", "Constraints", "Key DVH points", "Dose distribution"} <= set(
        headings
    )
    for heading in headings:
        assert heading in text, heading
    shown = (
        "D98%[Gy]",
        "V100%[%]",
        "CV15Gy[cc]",
        "Dmax[Gy]",
        "95 % (47.5 Gy)",
        "CT window 400 HU / level 40 HU",
        "scale bar 50 mm",
        "Coronal",
        "Sagittal",
    )
    assert "structures: LIVER, GTV, CTV, PTV, Stomach" in text  # the CTV too, though not evaluated
    for expected in shown:
        assert expected in text, expected
        assert expected in unescape(html), expected


def test_missing_identity_shows_the_de_identified_label(tmp_path: Path) -> None:
    files = write_report(evaluation(), tmp_path / "out")  # no CT, no DICOM identity
    html = files["report_html"].read_text()
    pages = pdf_pages(files["report_pdf"], tmp_path)
    first = _flat(pages[0][0])
    assert f"Patient {DEIDENTIFIED}" in first
    assert f"Patient ID {DEIDENTIFIED}" in first
    assert f"Birth date {DEIDENTIFIED}" in first
    assert "de-identified data (no patient name or ID in the DICOM)" in first
    assert "Plan date not recorded" in first
    assert "de-identified data (no patient name or ID in the DICOM)" in html
    assert _flat(pages[1][0]).startswith(DEIDENTIFIED)  # the running identity line


def test_no_prescription_gives_no_isodose_lines_with_the_reason(tmp_path: Path) -> None:
    files = write_report(evaluation(prescription_gy=None), tmp_path / "out")
    text = _flat(" ".join(t for t, _ in pdf_pages(files["report_pdf"], tmp_path)))
    assert NO_PRESCRIPTION_NOTE in text
    assert "isodose lines 95 %" not in text
    assert NO_PRESCRIPTION_NOTE in files["report_html"].read_text()


def test_cumulative_liver_is_shown_beside_the_plan_alone(tmp_path: Path) -> None:
    files = write_report(with_cumulative_liver(evaluation()), tmp_path / "out")
    html = _flat(unescape(re.sub(r"<[^>]+>", " ", files["report_html"].read_text())))
    text = _flat(" ".join(t for t, _ in pdf_pages(files["report_pdf"], tmp_path)))
    for body in (html, text):
        assert "Normal liver over all RT courses (re-irradiation)" in body
        assert "This plan alone 8.00 Gy 7.90 Gy" in body
        assert "Earlier course RT 2024 (5 fx) 10.00 Gy 14.20 Gy" in body
        assert "Cumulative (all courses) - 22.10 Gy" in body
        assert "mean EQD2 below 28.00 Gy (COURSE-CUM-LIMIT)" in body


def test_without_earlier_courses_there_is_no_cumulative_section(tmp_path: Path) -> None:
    files = write_report(evaluation(), tmp_path / "out")
    assert "over all RT courses" not in files["report_html"].read_text()
