"""Starting the server: a busy port, a database folder that does not exist, the first admin."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.store import accounts
from hccrt.web.app import create_app
from hccrt.web.settings import Settings
from hccrt.web.startup import require_free_port
from tests.conftest import invoke
from tests.web.conftest import TestClient, make_settings
from tests.web.live import free_port, live_server


def test_port_in_use_is_one_line_before_the_banner(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(["serve", "--data-dir", str(tmp_path / "data"), "--port", str(port)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: --port={port}: cannot listen on 127.0.0.1:{port}")
    assert "choose another --port" in lines[0]
    assert "hccrt web on" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing started, nothing created


def test_free_port_passes_the_check() -> None:
    require_free_port("127.0.0.1", free_port())


def test_sqlite_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "deeper"
    url = f"sqlite:///{missing}/hccrt.sqlite3"
    with pytest.raises(InputError, match=r"--database=.*typo/deeper: the folder of the SQLite"):
        create_app(_with_db(tmp_path, url))
    assert not (tmp_path / "typo").exists()
    result = invoke(
        ["serve", "--data-dir", str(tmp_path / "d2"), "--port", str(free_port()), "--database", url]
    )
    assert result.exit_code == 2
    assert "the folder of the SQLite file does not exist" in result.stderr
    assert f"mkdir -p {missing}" in result.stderr
    assert not (tmp_path / "typo").exists()


def _with_db(tmp_path: Path, url: str) -> Settings:
    return dataclasses.replace(make_settings(tmp_path / "data"), database_url=url)


def test_sqlite_in_an_existing_folder_or_the_data_dir_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    create_app(
        _with_db(tmp_path, f"sqlite:///{tmp_path}/elsewhere/db.sqlite3")
    ).state.engine.dispose()
    inside = f"sqlite:///{tmp_path}/data/sub/db.sqlite3"  # a folder inside the data dir: made
    create_app(_with_db(tmp_path, inside)).state.engine.dispose()
    assert (tmp_path / "data" / "sub" / "db.sqlite3").is_file()


def test_login_page_says_how_to_create_the_first_admin(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "data"))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/login")
        assert 'id="first-run"' in page.text
        assert "hccrt serve --create-admin NAME" in page.text
        with app.state.sessions() as session:
            accounts.create_user(session, "boss", "a-long-admin-password-1", "admin")
            session.commit()
        assert 'id="first-run"' not in client.get("/login").text  # the negative case


@pytest.mark.slow
def test_console_says_how_to_create_the_first_admin(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with live_server(data):
        log = (data / "server.log").read_text()
    banner = log.index("hccrt web on")
    hint = log.index("No account exists yet. Create the first administrator with: hccrt serve")
    assert banner < hint
    assert f"--create-admin NAME --data-dir {data}" in log
