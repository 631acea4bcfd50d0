"""``hccrt db upgrade``: the URL from the option, the environment or a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hccrt.store.db import current_revision, head_revision, make_engine
from tests.conftest import invoke


def test_upgrade_with_the_url_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "db" / "store.sqlite3"
    url_file = tmp_path / "url"
    url_file.write_text(f"sqlite:///{database}\n")
    monkeypatch.delenv("HCCRT_DATABASE_URL", raising=False)
    monkeypatch.setenv("HCCRT_DATABASE_URL_FILE", str(url_file))
    result = invoke(["db", "upgrade"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"database schema: empty -> {head_revision()}\n"
    engine = make_engine(f"sqlite:///{database}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
    again = invoke(["db", "upgrade"])
    assert again.stdout == f"database schema: {head_revision()} -> {head_revision()}\n"


def test_unreadable_url_file_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HCCRT_DATABASE_URL", raising=False)
    monkeypatch.setenv("HCCRT_DATABASE_URL_FILE", str(tmp_path / "missing"))
    result = invoke(["db", "upgrade"])
    assert result.exit_code == 2
    assert "HCCRT_DATABASE_URL_FILE=" in result.stderr
    assert "cannot read" in result.stderr


def test_upgrade_default_database_in_data_dir(tmp_path: Path) -> None:
    result = invoke(["db", "upgrade", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "data" / "hccrt.sqlite3").stat().st_mode & 0o777 == 0o600
