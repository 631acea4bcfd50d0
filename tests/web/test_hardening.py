"""Odd input, database faults, headers, the health probe and private files (issue 15 items 7,
10-12, 14) on a real SQLite store and, where marked, the real PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text

from hccrt.store.db import make_engine
from hccrt.web.app import create_app
from hccrt.web.settings import Settings
from tests.backends import BACKENDS, POSTGRES_URL, wipe_database
from tests.web.conftest import TestClient, add_accounts, make_settings, sign_in

NAME, MRN = "Jane Roe-Hardening", "MRN-99887766"
RECORD = {"name": NAME, "patient_id": MRN, "bilirubin_mg_dl": 1.0}


@pytest.fixture(params=BACKENDS)
def any_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """A signed-in clinician on each backend, and the CSRF token."""
    url = None if request.param == "sqlite" else POSTGRES_URL
    if url is not None:
        wipe_database(url)
    app = create_app(
        Settings(data_dir=tmp_path / "data", database_url=url, secret_key="hardening-test")
    )
    add_accounts(app)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        yield client, csrf
    app.state.engine.dispose()
    if url is not None:
        wipe_database(url)


def _post_json(client: TestClient, csrf: str, path: str, body: str) -> tuple[int, str]:
    response = client.post(
        path, content=body, headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    )
    return response.status_code, str(response.json().get("detail", ""))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"label": "P-NUL\\u0000", "record": {}}', "NUL character"),
        ('{"label": "P-SUR\\ud800", "record": {}}', "lone UTF-16 surrogate"),
        ('{"label": "P-NAN", "record": {"bilirubin_mg_dl": NaN}}', "JSON NaN is not a number"),
        ('{"label": "P-INF", "record": {"albumin_g_dl": -Infinity}}', "JSON -Infinity"),
        ('{"label": "P-BIG", "record": {"age_years": ' + "9" * 5000 + "}}", "5000 digits"),
        ('{"label": "P-DEEP", "record": {"x": ' + "[" * 20000 + "]" * 20000 + "}}", "nested"),
        ('{"label": "P-KEY", "record": {"a\\u0000": 1}}', "JSON key: NUL"),
        ('{"label": "P-BAD", "record": {', "not valid JSON"),
    ],
)
def test_odd_json_refused_with_400(
    any_client: tuple[TestClient, str], body: str, message: str
) -> None:
    client, csrf = any_client
    status, detail = _post_json(client, csrf, "/api/patients", body)
    assert status == 400
    assert message in detail


@pytest.mark.parametrize("content_type", [None, "application/merge-patch+json", "text/plain"])
def test_json_without_its_content_type_is_checked_too(
    any_client: tuple[TestClient, str], content_type: str | None
) -> None:
    client, csrf = any_client
    headers = {"X-CSRF-Token": csrf}
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = '{"label": "P-CT", "record": {"bilirubin_mg_dl": NaN, "name": "a\\u0000b"}}'
    response = client.post("/api/patients", content=body, headers=headers)
    assert 400 <= response.status_code < 500, response.text


def test_json_body_size_limit(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d", secret_key="k", max_json_bytes=4096))
    add_accounts(app)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        body = json.dumps({"label": "P-LARGE", "record": {"comorbidities": ["x" * 5000]}})
        status, detail = _post_json(client, csrf, "/api/patients", body)
        assert (status, detail) == (413, "request body over 4096 bytes: send less")
        small = json.dumps({"label": "P-SMALL", "record": {}})
        assert _post_json(client, csrf, "/api/patients", small)[0] == 201


def test_nul_in_form_and_query_refused(any_client: tuple[TestClient, str]) -> None:
    client, csrf = any_client
    response = client.post("/patients/new", data={"csrf_token": csrf, "label": "P\x00X"})
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert client.get("/patients", params={"q": "a\x00b"}).status_code == 400
    assert client.get("/patients?q=%ff%fe").status_code == 400


def test_deep_or_huge_extra_json_in_the_patient_form(any_client: tuple[TestClient, str]) -> None:
    client, csrf = any_client
    for extra, message in (
        ('{"x": ' + "[" * 20000 + "]" * 20000 + "}", "nested deeper than 32"),
        ('{"x": ' + "1" * 5000 + "}", "at most 30 allowed"),
        ('{"x": NaN}', "JSON NaN is not a number"),
    ):
        response = client.post(
            "/patients/new", data={"csrf_token": csrf, "label": "P-EXTRA", "extra_json": extra}
        )
        assert response.status_code == 400, response.text[:300]
        assert message in response.text


def _id_routes(app: FastAPI) -> list[APIRoute]:
    routes: list[APIRoute] = []
    pending = list(app.routes)
    while pending:
        route = pending.pop()
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, APIRoute) and re.search(r"{\w+_id}", route.path):
            routes.append(route)
    return routes


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64, 10**30])
def test_ids_beyond_the_column_range_on_every_id_route(
    any_client: tuple[TestClient, str], big: int
) -> None:
    client, csrf = any_client
    routes = _id_routes(client.app)  # type: ignore[arg-type]
    assert len(routes) >= 20
    for route in routes:
        path = re.sub(r"{\w+_id}", str(big), route.path).replace("{name}", "dvh.json")
        for method in route.methods:
            response = client.request(method, path, headers={"X-CSRF-Token": csrf})
            assert response.status_code == 404, (method, path, response.status_code)
            assert "ids run from 1 to 2147483647" in response.text


def test_security_headers_on_every_answer(client: TestClient) -> None:
    for response in (
        client.get("/login"),
        client.get("/no-such-page"),
        client.get("/healthz"),
    ):
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")
        assert "camera=()" in response.headers["permissions-policy"]
        assert response.headers["x-frame-options"] == "DENY"


@pytest.fixture
def locked_app(tmp_path: Path) -> Iterator[tuple[FastAPI, Path]]:
    settings = Settings(data_dir=tmp_path / "data", secret_key="lock-test", db_busy_timeout_s=0.2)
    app = create_app(settings)
    add_accounts(app)
    yield app, tmp_path / "data" / "hccrt.sqlite3"
    app.state.engine.dispose()


def test_held_write_lock_gives_503_and_no_phi_in_the_log(
    locked_app: tuple[FastAPI, Path], caplog: pytest.LogCaptureFixture
) -> None:
    app, database = locked_app
    with TestClient(app, base_url="http://127.0.0.1") as client:
        csrf = sign_in(client, "clinician")
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.DEBUG):
                response = client.post(
                    "/api/patients",
                    json={"label": "P-LOCKED", "record": RECORD},
                    headers={"X-CSRF-Token": csrf},
                )
                health = client.get("/healthz")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert "database is busy" in response.json()["detail"]
        assert response.headers["content-security-policy"].startswith("default-src")
        assert health.status_code == 503
        logged = caplog.text
        assert "POST /api/patients -> 503: OperationalError" in logged
        assert NAME not in logged
        assert MRN not in logged
        assert "P-LOCKED" not in logged
        assert (
            client.post(
                "/api/patients",
                json={"label": "P-LOCKED", "record": RECORD},
                headers={"X-CSRF-Token": csrf},
            ).status_code
            == 201
        )


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="HCCRT_TEST_POSTGRES_URL not set")
def test_held_table_lock_on_postgres_gives_503_and_no_phi_in_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert POSTGRES_URL is not None
    wipe_database(POSTGRES_URL)
    app = create_app(
        Settings(
            data_dir=tmp_path / "d",
            database_url=POSTGRES_URL,
            secret_key="k",
            db_busy_timeout_s=0.2,
        )
    )
    add_accounts(app)
    holder_engine = make_engine(POSTGRES_URL)
    holder = holder_engine.connect()
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            csrf = sign_in(client, "clinician")
            transaction = holder.begin()
            holder.execute(text("LOCK TABLE patients IN ACCESS EXCLUSIVE MODE"))
            with caplog.at_level(logging.DEBUG):
                response = client.post(
                    "/api/patients",
                    json={"label": "P-LOCKED", "record": RECORD},
                    headers={"X-CSRF-Token": csrf},
                )
            transaction.rollback()
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert NAME not in caplog.text
        assert MRN not in caplog.text
    finally:
        holder.close()
        holder_engine.dispose()
        app.state.engine.dispose()
        wipe_database(POSTGRES_URL)


def test_unexpected_error_is_500_with_headers_and_only_its_class_logged(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom-test")
    def _boom() -> None:
        raise ValueError(f"record of {NAME} {MRN}")

    with caplog.at_level(logging.DEBUG):
        response = client.get("/boom-test")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "GET /boom-test -> 500: ValueError" in caplog.text
    assert NAME not in caplog.text
    assert NAME not in response.text


def test_health_probe_reports_low_disk_space(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "d", secret_key="k", min_free_bytes=2**62))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.get("/healthz")
    app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "disk full"
    assert response.headers["retry-after"] == "60"


def test_health_probe_writes(client: TestClient, app: FastAPI) -> None:
    with app.state.engine.connect() as connection:
        before = connection.execute(text("SELECT at FROM health_probe")).scalar_one()
    assert client.get("/healthz").json()["status"] == "ok"
    with app.state.engine.connect() as connection:
        assert connection.execute(text("SELECT at FROM health_probe")).scalar_one() != before


def test_data_dir_and_sqlite_files_are_private(tmp_path: Path, app: FastAPI) -> None:
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = sorted(data.glob("hccrt.sqlite3*"))
    assert {f.name for f in files} >= {"hccrt.sqlite3", "hccrt.sqlite3-wal"}
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name


def test_database_url_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "elsewhere" / "store.sqlite3"
    database.parent.mkdir()  # hccrt creates no folder outside the data folder (test_startup.py)
    url_file = tmp_path / "database-url"
    url_file.write_text(f"sqlite:///{database}\n")
    monkeypatch.delenv("HCCRT_DATABASE_URL", raising=False)
    monkeypatch.setenv("HCCRT_DATABASE_URL_FILE", str(url_file))
    create_app(make_settings(tmp_path / "data")).state.engine.dispose()  # migrates the file
    assert database.is_file()
    assert not (tmp_path / "data" / "hccrt.sqlite3").exists()
