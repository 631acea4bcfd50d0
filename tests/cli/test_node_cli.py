"""``hccrt listen`` as a process: it starts, answers C-ECHO, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.node.conftest import echo, free_port, wait_for

SRC = Path(__file__).resolve().parents[2] / "src"


def test_listen_runs_until_sigterm(tmp_path: Path) -> None:
    port = free_port()
    store = tmp_path / "store"
    command = [sys.executable, "-m", "hccrt", "listen", "--store", str(store), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        audit = store / "audit.jsonl"
        wait_for(lambda: audit.is_file() and "node_started" in audit.read_text(), 60, "start")
        assert echo(port, "ANY")  # no allow-list: any caller
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert f"HCCRT on 127.0.0.1:{port}" in stderr
    events = [json.loads(line)["event"] for line in audit.read_text().splitlines()]
    assert events[-1] == "node_stopped"
