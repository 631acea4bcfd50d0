"""Four servers started at once on a fresh database all come up (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hccrt.store.db import current_revision, head_revision, make_engine
from tests.backends import BACKENDS, POSTGRES_URL, wipe_database

pytestmark = pytest.mark.slow

# What `hccrt serve` does before it listens: build the app, which migrates the database.
_START = """
import sys, time
from pathlib import Path
from hccrt.web.app import create_app
from hccrt.web.settings import Settings
ready, go = Path(sys.argv[3]), Path(sys.argv[4])
ready.touch()
while not go.exists():
    time.sleep(0.002)
create_app(Settings(data_dir=Path(sys.argv[1]), database_url=sys.argv[2] or None,
                    secret_key="concurrent-start-test"))
"""


def _start_at_once(
    tmp_path: Path, url: str, count: int = 4
) -> list[subprocess.CompletedProcess[str]]:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _START,
                str(tmp_path / "data"),
                url,
                str(tmp_path / f"ready{i}"),
                str(go),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{i}").exists() for i in range(count)):
        assert time.monotonic() < deadline, "servers did not get ready"
        time.sleep(0.01)
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


@pytest.mark.parametrize("backend", BACKENDS)
def test_four_servers_start_at_once_on_a_fresh_database(tmp_path: Path, backend: str) -> None:
    if backend == "postgresql":
        assert POSTGRES_URL is not None
        url = POSTGRES_URL
        wipe_database(url)
    else:
        url = f"sqlite:///{tmp_path / 'data' / 'hccrt.sqlite3'}"
    try:
        results = _start_at_once(tmp_path, url if backend == "postgresql" else "")
        assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr[-800:] for r in results]
        engine = make_engine(url)
        assert current_revision(engine) == head_revision()
        engine.dispose()
    finally:
        if backend == "postgresql":
            wipe_database(url)
