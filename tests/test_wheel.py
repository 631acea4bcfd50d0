"""The built wheel installs in a fresh venv from local wheels and runs (scripts/wheel_check.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "wheel_check.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wheel_check", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_requirement_reads_the_spdx_license_and_is_pinned() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["build-system"]["requires"] == ["setuptools>=77"]
    assert project["project"]["license"] == "BSD-3-Clause"
    pinned = _script().pinned_setuptools()
    assert int(pinned.split(".")[0]) >= 77, pinned


def test_the_check_without_a_folder_prints_its_usage() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Usage: ``python scripts/wheel_check.py WORK_DIR" in done.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_installs_offline_and_runs_assess_and_serve(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT / "src")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "--web"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "built hccrt-" in done.stdout
    assert "hccrt assess single_hcc_child_a.json: exit 0" in done.stdout
    assert "protocol liver mean limit 22.0 Gy" in done.stdout
    assert "hccrt schema patient: " in done.stdout
    assert "exit 2, error: hccrt serve: needs the web extra" in done.stdout
    assert "pip install 'hccrt[web]'" in done.stdout
    assert "hccrt db without [web]: exit 2, names the extra" in done.stdout
    assert "hccrt cohort without [web]: exit 2, names the extra" in done.stdout
    assert "hccrt[web]: hccrt serve answered /healthz with 200" in done.stdout
