"""Image fusion on the upload page: a real CT + MR + REG upload shows the fused view (PNG)."""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from hccrt.dicom.spatial_registration import (
    SeriesReference,
    SpatialRegistration,
    write_spatial_registration,
)
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from tests.web.conftest import PASSWORD, TestClient, sign_in
from tests.web.live import LiveServer, live_server, login, prepare
from tests.web.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """A small phantom with a matching MR and a REG holding its known MR -> CT transform."""
    options = PhantomOptions(seed=5, matrix_size=128, slice_thickness_mm=6.0, mr=True)
    result = generate_phantom(tmp_path_factory.mktemp("web_fusion"), options)
    matrix = json.loads(result.mr_transform_path.read_text())["moving_to_fixed"]
    registration = SpatialRegistration(
        SeriesReference.from_directory(result.ct_dir),
        SeriesReference.from_directory(result.mr_dir),
        np.asarray(matrix),
    )
    write_spatial_registration(registration, result.out_dir / "REG.dcm")
    return result


def _upload(client: TestClient, csrf: str, label: str, paths: list[Path], root: Path) -> int:
    created = client.post(
        "/api/patients", json={"label": label, "record": {}}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    files = [
        ("files", (str(p.relative_to(root)), p.read_bytes(), "application/dicom")) for p in paths
    ]
    response = client.post(
        f"/api/patients/{created.json()['id']}/uploads", files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    upload_id: int = response.json()["upload_id"]
    return upload_id


def test_upload_of_ct_mr_and_reg_shows_the_fused_view(
    client: TestClient, case: PhantomResult
) -> None:
    csrf = sign_in(client, "clinician")
    root = case.out_dir
    paths = [
        *sorted(case.ct_dir.glob("*.dcm")),
        *sorted(case.mr_dir.glob("*.dcm")),
        case.rtstruct_path,
        root / "REG.dcm",
    ]
    upload_id = _upload(client, csrf, "FUSE-1", paths, root)
    page = client.get(f"/uploads/{upload_id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert 'id="fusion"' in page.text
    assert f'src="/uploads/{upload_id}/fused.png"' in page.text
    assert "the MR mapped onto it through the uploaded registration (REG)" in text
    for modality in ("CT", "MR", "REG"):
        assert f"<td>{modality}</td>" in page.text

    image = client.get(f"/uploads/{upload_id}/fused.png")
    assert image.status_code == 200, image.text
    assert image.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(image.content))
    assert picture.size == (1100, 580)
    # The planes hold the images: many grey levels (CT and MR tiles), not a blank figure.
    grey = np.asarray(picture.convert("L"))
    assert len(np.unique(grey)) > 64
    # The GTV's contour is drawn on the axial plane in its ROI colour (not grey).
    rgb = np.asarray(picture.convert("RGB")).astype(int)
    coloured = (np.ptp(rgb, axis=2) > 80).sum()
    assert coloured > 50
    # A second view of the page gets the same picture (kept, not rendered again).
    assert client.get(f"/uploads/{upload_id}/fused.png").content == image.content


def test_upload_without_mr_and_reg_has_no_fused_view(
    client: TestClient, case: PhantomResult
) -> None:
    csrf = sign_in(client, "clinician")
    root = case.out_dir
    paths = [*sorted(case.ct_dir.glob("*.dcm")), case.rtstruct_path]
    upload_id = _upload(client, csrf, "FUSE-2", paths, root)
    assert 'id="fusion"' not in client.get(f"/uploads/{upload_id}").text
    refused = client.get(f"/uploads/{upload_id}/fused.png")
    assert refused.status_code == 400
    assert "needs a CT series, an MR series and a registration (REG) to fuse" in html.unescape(
        refused.text
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as running:
        yield running


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_fused_view_loads_in_chromium_under_the_csp(
    server: LiveServer, case: PhantomResult
) -> None:
    from playwright.sync_api import sync_playwright

    root = case.out_dir
    paths = [
        *sorted(case.ct_dir.glob("*.dcm")),
        *sorted(case.mr_dir.glob("*.dcm")),
        case.rtstruct_path,
        root / "REG.dcm",
    ]
    with httpx.Client(base_url=server.url, timeout=60) as api:
        csrf = login(api, "clinician", PASSWORD)
        created = api.post(
            "/api/patients", json={"label": "FUSE-B", "record": {}}, headers={"X-CSRF-Token": csrf}
        )
        files = [
            ("files", (str(p.relative_to(root)), p.read_bytes(), "application/dicom"))
            for p in paths
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
        page.set_default_timeout(60_000)
        page.goto(f"{server.url}/login?next={upload.json()['url']}")
        page.fill("#username", "clinician")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        image = page.locator("#fusion img")
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const i = document.querySelector('#fusion img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert image.evaluate("i => i.naturalWidth") == 1100
        assert errors == []
        browser.close()
