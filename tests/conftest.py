"""Shared test fixtures: paths to the shared data and a CLI runner that returns the exit code."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from hccrt.cli.app import main
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class CliResult:
    """What a CLI call returned."""

    exit_code: int
    stdout: str
    stderr: str


def invoke(args: list[str]) -> CliResult:
    """Run ``hccrt ARGS`` in-process and capture exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[[list[str]], CliResult]:
    """The ``invoke`` function as a fixture."""
    return invoke


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project (read-only third-party test data)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


if sys.platform == "win32":  # pragma: no cover - the project targets Linux
    raise RuntimeError("hccrt tests run on Linux")


@pytest.fixture(scope="session")
def node_phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """A reduced-size phantom (128 x 128, 6 mm slices; one 4 cm tumour, Child-Pugh A)."""
    out: Path = tmp_path_factory.mktemp("node_phantom")
    options = PhantomOptions(seed=3, matrix_size=128, slice_thickness_mm=6.0)
    return generate_phantom(out, options)


TESTS = Path(__file__).resolve().parent

SHARED_SERVICE_TESTS = (
    "store/",
    "node/test_orthanc.py",
    "node/test_pull.py",
    "cli/test_store_cli.py",
    "web/test_concurrent_start.py",
    "web/test_hardening.py",
    "web/test_postgres.py",
)
"""Test files that use the one PostgreSQL database or the one Orthanc of
``scripts/ci_services.sh`` (they wipe and fill it): under ``pytest -n`` they run in one worker,
one after the other."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """The scheduler of ``pytest -n N`` (``make unit``): each test file runs in one worker (its
    module fixtures are built once), and the shared-service files in one worker together.

    (xdist's own ``--dist loadgroup`` cannot be used: it renames the test ids through an
    attribute that pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            name = path.removeprefix("tests/")
            shared = any(name.startswith(prefix) for prefix in SHARED_SERVICE_TESTS)
            return "services" if shared else path

    return FileScheduling(config, log)
