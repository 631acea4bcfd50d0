"""Swagger UI and ReDoc come from this server, under its CSP: no CDN, and they render offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, TestClient
from tests.web.live import LiveServer, live_server, prepare
from tests.web.test_browser import ARGS, CHROMIUM


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_pages_load_local_assets_only(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "unsafe-eval" not in page.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)  # nothing from another host
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text)
    assert assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 0
        assert "cdn.jsdelivr" not in response.text[:2000]
        if asset.startswith("/static/apidocs/"):
            assert response.headers["cache-control"] == "public, max-age=86400"


def test_other_pages_keep_the_strict_csp(client: TestClient) -> None:
    csp = client.get("/login").headers["content-security-policy"]
    assert "style-src 'self';" in csp
    assert "unsafe-inline" not in csp


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    data = tmp_path / "data"
    prepare(data, PASSWORD)
    with live_server(data) as running:
        yield running


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_swagger_and_redoc_render_in_chromium_offline(server: LiveServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        context = browser.new_context()
        outside: list[str] = []

        def block_outside(route: object) -> None:  # the clinic network: no internet
            outside.append(route.request.url)  # type: ignore[attr-defined]
            route.abort()  # type: ignore[attr-defined]

        context.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), block_outside)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if message.type == "error" or "Content Security Policy" in message.text
                else None
            ),
        )
        page.set_default_timeout(30_000)
        page.goto(f"{server.url}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("hccrt")
        expect(page.locator(".opblock").first).to_be_visible()
        page.goto(f"{server.url}/redoc")
        expect(page.locator("h1").first).to_contain_text("hccrt")
        expect(page.get_by_text("/api/patients").first).to_be_attached()
        assert outside == []
        # ReDoc's side-menu logo points at its CDN; the CSP blocks it (nothing leaves the
        # server) and ReDoc drops the image. Every other error fails the test.
        logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
        assert [p for p in problems if logo not in p] == []
        browser.close()
