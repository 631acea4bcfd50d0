"""Architecture rules that a code review could miss."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hccrt"
PYDICOM_IMPORT = re.compile(r"^\s*(import pydicom|from pydicom)", re.MULTILINE)


def test_pydicom_is_imported_only_in_the_dicom_layer() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.parent.name != "dicom" and PYDICOM_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_rule_detects_an_import() -> None:
    assert PYDICOM_IMPORT.search("x = 1\n    from pydicom.uid import generate_uid\n")
    assert not PYDICOM_IMPORT.search("# pydicom is not imported here\n")


def _hccrt_imports(package: str) -> dict[str, set[str]]:
    """Per module of ``hccrt.<package>``: the hccrt subpackages it imports (anywhere in it)."""
    found: dict[str, set[str]] = {}
    for path in (SRC / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "hccrt" and len(parts) > 1:
                    names.add(parts[1])
        found[str(path.relative_to(SRC))] = names
    return found


def _offenders(package: str, allowed: set[str] | None, forbidden: set[str]) -> list[str]:
    result = []
    for module, names in _hccrt_imports(package).items():
        bad = names & forbidden if allowed is None else names - allowed - {package}
        result.extend(f"{module} imports hccrt.{name}" for name in sorted(bad))
    return result


ABOVE_ENGINES = {"evaluation", "report", "pipeline", "cli", "web", "cohort", "store"}


def test_planning_is_a_pure_engine() -> None:
    assert _offenders("planning", None, ABOVE_ENGINES | {"dicom"}) == []


def test_dicom_depends_on_nothing_above_it() -> None:
    assert _offenders("dicom", None, ABOVE_ENGINES | {"planning"}) == []


def test_core_imports_only_errors_and_geometry() -> None:
    assert _offenders("core", {"errors", "geometry"}, set()) == []


def test_the_import_rules_detect_an_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "planning").mkdir()
    (tmp_path / "planning" / "bad.py").write_text(
        "def f():\n    from hccrt.evaluation import evaluate_plan\n    import hccrt.core.plan\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert _offenders("planning", None, ABOVE_ENGINES) == [
        "planning/bad.py imports hccrt.evaluation"
    ]
    assert _offenders("planning", {"core"}, set()) == ["planning/bad.py imports hccrt.evaluation"]


CLI_IMPORT = re.compile(
    r"^\s*(import hccrt\.cli\b(?!nical)|from hccrt\.cli\b(?!nical)|from hccrt import cli\b)",
    re.MULTILINE,
)
TYPER_OR_RICH_IMPORT = re.compile(r"^\s*(import|from) (typer|rich)\b", re.MULTILINE)


def _outside(package: str, pattern: re.Pattern[str]) -> list[str]:
    return [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if package not in path.relative_to(SRC).parts[:-1]
        and path.name != "__main__.py"
        and pattern.search(path.read_text())
    ]


def test_only_the_cli_imports_the_cli() -> None:
    assert _outside("cli", CLI_IMPORT) == []


def test_typer_and_rich_are_imported_only_in_the_cli() -> None:
    assert _outside("cli", TYPER_OR_RICH_IMPORT) == []


def test_the_cli_rules_detect_an_import() -> None:
    assert CLI_IMPORT.search("    from hccrt.cli.output import dumps\n")
    assert CLI_IMPORT.search("from hccrt import cli\n")
    assert not CLI_IMPORT.search("from hccrt.clinical import assess\n")
    assert TYPER_OR_RICH_IMPORT.search("def f():\n    from rich.console import Console\n")
    assert not TYPER_OR_RICH_IMPORT.search("import typeguard\nfrom richtext import x\n")


def test_serialize_imports_nothing_from_hccrt() -> None:
    text = (SRC / "serialize.py").read_text()
    assert not re.search(r"^\s*(import|from) (hccrt|numpy|pydantic)\b", text, re.MULTILINE)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; sys.__stdout__.write(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return set(done.stdout.split())


def test_the_report_package_does_not_load_the_cli_toolkit() -> None:
    loaded = _loaded_after("import hccrt.report")
    assert {"typer", "rich", "hccrt.cli"} & loaded == set()


def test_import_hccrt_is_cheap() -> None:
    loaded = _loaded_after("import hccrt")
    assert {"numpy", "scipy", "pydicom", "pydantic", "typer", "matplotlib"} & loaded == set()


def test_help_loads_no_command_module_and_no_numerical_library() -> None:
    loaded = _loaded_after(
        "import contextlib, io, hccrt.cli.app as a; "
        "f = io.StringIO(); r = contextlib.redirect_stdout(f); r.__enter__(); "
        "a.app(args=['--help'], standalone_mode=False)"
    )
    heavy = {"numpy", "scipy", "pydicom", "matplotlib", "pydantic", "rich"} & loaded
    commands = {name for name in loaded if name.startswith("hccrt.cli.")} - {"hccrt.cli.app"}
    assert (heavy, commands) == (set(), set())
