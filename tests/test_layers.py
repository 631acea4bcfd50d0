"""Architecture rules that a code review could miss."""

from __future__ import annotations

import ast
import re
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
