"""A real app on a temporary SQLite store, with one account per role."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # starlette 1.x prefers httpx2 for its test client; httpx (pinned) works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from hccrt.store import accounts
from hccrt.web.app import create_app
from hccrt.web.settings import Settings, UploadLimits

PASSWORD = "test-password-123"
ROLES = ("admin", "clinician", "physicist", "viewer")


def make_settings(data_dir: Path, **limits: int | float) -> Settings:
    """Settings for a test server in ``data_dir`` (fixed secret, optional upload limits)."""
    return Settings(
        data_dir=data_dir,
        secret_key="test-secret-key-not-for-production",
        limits=UploadLimits(**limits),  # type: ignore[arg-type]
    )


def add_accounts(app: FastAPI) -> None:
    """One account per role, named after the role, password :data:`PASSWORD`."""
    with app.state.sessions() as session:
        for role in ROLES:
            accounts.create_user(session, role, PASSWORD, role)
        session.commit()


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    """A migrated app with the four accounts."""
    application = create_app(make_settings(tmp_path / "data"))
    add_accounts(application)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client that is not signed in."""
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    csrf: str = client.get("/api/session").json()["csrf_token"]
    return csrf


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Cheap argon2 parameters for new test accounts (the default is RFC 9106 low-memory)."""
    from hccrt.store import accounts as _accounts

    _accounts.use_password_profile("cheapest-for-tests")
    yield
    _accounts.use_password_profile("rfc9106-low-memory")


def finished_job(client: TestClient, queued: Any, timeout_s: float = 120.0) -> dict[str, Any]:
    """Poll the job of an evaluation (its 202, or a job status 200) until done or failed."""
    assert queued.status_code in (200, 202), queued.text
    url = queued.json()["url"]
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(url).json()
        if job["status"] in ("done", "error"):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} after {timeout_s} s"
        time.sleep(0.05)
