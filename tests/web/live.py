"""A real ``hccrt serve`` (uvicorn) subprocess on a free loopback port, for browser/load tests."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from hccrt.store import accounts
from hccrt.web.app import create_app
from tests.web.conftest import ROLES, make_settings

REPO = Path(__file__).resolve().parents[2]
SECRET = "live-test-secret-key"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A running server: base URL, data folder and the process."""

    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the server (no clean shutdown) and wait for it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def prepare(data_dir: Path, password: str, database: str | None = None) -> None:
    """Migrate the store in ``data_dir`` (or ``database``) and add one account per role."""
    settings = make_settings(data_dir)
    if database is not None:
        settings = dataclasses.replace(settings, database_url=database)
    app = create_app(settings)
    with app.state.sessions() as session:
        for role in ROLES:
            if session.query(accounts.User).filter_by(username=role).first() is None:
                accounts.create_user(session, role, password, role)
        session.commit()
    app.state.engine.dispose()


@contextmanager
def live_server(
    data_dir: Path, max_upload_mb: int = 64, workers: int = 1, database: str | None = None
) -> Iterator[LiveServer]:
    """Start ``hccrt serve`` on a free port; stops (SIGTERM, then SIGKILL) on exit.

    ``database`` (a URL, passed in the environment) replaces the SQLite file of ``data_dir``.
    """
    port = free_port()
    env = {**os.environ, "HCCRT_SECRET_KEY": SECRET, "PYTHONPATH": str(REPO / "src")}
    if database is not None:
        env["HCCRT_DATABASE_URL"] = database
    command = [
        sys.executable,
        "-m",
        "hccrt",
        "serve",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--max-upload-mb",
        str(max_upload_mb),
        "--workers",
        str(workers),
    ]
    log = (data_dir / "server.log").open("ab")
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=log)
    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"server exited: {(data_dir / 'server.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def login(client: httpx.Client, username: str, password: str) -> str:
    """Sign in an httpx client through the login form; returns the CSRF token."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    if response.status_code != 303:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    csrf: str = client.get("/api/session").json()["csrf_token"]
    return csrf
