"""End to end in headless Chromium: login, patient entry, upload with progress, evaluation, PDF.

Drives Debian's /usr/bin/chromium through Playwright (it cannot download its own browser here);
the server is a real ``hccrt serve`` subprocess on a loopback port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD
from tests.web.live import LiveServer, live_server, prepare
from tests.web.plans import liver_like_plan

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium not installed (scripts/ci_services.sh installs it)",
    ),
]


RAW_DATA = ("{'", '":', '{"', "[{")


def check_page(page: Any, folder: Path, name: str, *expected: str) -> None:
    """Screenshot the page (a non-empty PNG), check its words and that it shows no raw data."""
    shot = folder / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 10_000, f"{name}: the screenshot looks empty"
    text = page.inner_text("main")
    for words in expected:
        assert words in text, f"{name}: {words!r} not shown"
    for raw in RAW_DATA:
        assert raw not in text, f"{name}: raw data {raw!r} shown"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as running:
        yield running


def test_clinical_workflow_in_the_browser(
    server: LiveServer, shared_data: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    plan = liver_like_plan(shared_data, tmp_path / "plan")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_default_timeout(30_000)

        page.goto(f"{server.url}/patients")
        expect(page).to_have_url(f"{server.url}/login?next=/patients")
        page.fill("#username", "clinician")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        expect(page.locator("h1")).to_have_text("Patients")

        # Patient entry: a unit-confused bilirubin is refused next to its field.
        page.click("#new-patient")
        page.fill("#label", "BROWSER-1")
        page.fill("#bilirubin", "25.6")
        page.fill("#albumin", "38")
        page.select_option("#albumin_unit", "albumin_g_l")
        page.fill("#inr", "1.1")
        page.select_option("#ascites", "none")
        page.select_option("#encephalopathy", "none")
        page.fill("#kps", "75")
        page.fill("[name='tumors.0.diameter_cm']", "4")
        page.click("#save-patient")
        expect(page.locator(".field-error[data-field='kps']")).to_contain_text("multiple of 10")
        page.fill("#kps", "80")
        page.select_option("#bilirubin_unit", "bilirubin_umol_l")
        page.click("#save-patient")
        expect(page.locator("h1")).to_have_text("Patient BROWSER-1")

        shots = tmp_path / "screenshots"
        shots.mkdir()
        check_page(page, shots, "patient", "Tumour 1: 4 cm", "Total bilirubin (mg/dL)")

        # Assessment.
        page.click("#assess")
        expect(page.locator("#scores")).to_contain_text("class A")
        expect(page.locator("#options")).to_contain_text("sbrt")
        check_page(page, shots, "assessment", "Gy in", "fractions", "BED")
        page.click("h1 a")

        # Upload with the XHR progress bar.
        page.click("#upload-dicom")
        page.set_input_files(
            "#files", [str(plan["rtss"]), str(plan["rtdose"]), str(plan["rtplan"])]
        )
        page.click("#upload-button")
        expect(page.locator("#upload-link")).to_be_visible()
        assert page.locator("#upload-progress").evaluate("e => e.value") == 100
        expect(page.locator("#upload-status")).to_contain_text("RTSTRUCT 1")
        page.click("#upload-link")
        check_page(page, shots, "upload", "3 files in 3 series", "RTSTRUCT", "RTDOSE", "RTPLAN")

        # Evaluation: constraints, DVH drawn in the browser, overlays, PDF download.
        page.click("#evaluate")  # the job page reloads itself until the evaluation is stored
        expect(page.locator("#verdict")).to_contain_text("Verdict", timeout=120_000)
        expect(page.locator("#constraints")).to_contain_text("Liver-GTV")
        expect(page.locator("#dvh-plot svg polyline").first).to_be_attached()
        assert page.locator("#dvh-plot svg polyline").count() >= 1
        assert page.locator(".overlays img").count() >= 1
        page.wait_for_load_state("load")  # images decoded
        check_page(page, shots, "evaluation", "Verdict", "Protocol requested: automatic")
        natural_width = page.locator(".overlays img").first.evaluate("img => img.naturalWidth")
        assert natural_width > 0
        with page.expect_download() as download_info:
            page.click("#report-download")
        download = download_info.value
        saved = tmp_path / "report.pdf"
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF")

        # Follow-up visit: graded, and drawn in the labs-over-time chart.
        page.click("h1 a")
        page.click("#new-followup")
        check_page(page, shots, "followup_form", "ALT upper limit of normal", "U/L")
        page.fill("[name='rt_start_date']", "2026-01-05")
        page.check("[name='rt_ongoing']")
        for prefix, date, alt in (
            ("baseline", "2026-01-01", "30"),
            ("current", "2026-01-20", "150"),
        ):
            page.fill(f"[name='{prefix}.date']", date)
            page.fill(f"[name='{prefix}.alt_u_l']", alt)
            page.fill(f"[name='{prefix}.alt_uln_u_l']", "40")
        page.click("#save-followup")
        expect(page.locator("#followups")).to_contain_text("yes — stop")
        expect(page.locator("#lab-plot svg circle")).to_have_count(1)
        assert errors == []
        browser.close()
