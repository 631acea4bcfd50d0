"""Architecture rules that a code review could miss."""

from __future__ import annotations

import re
from pathlib import Path

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
