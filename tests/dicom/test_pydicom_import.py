"""pydicom is imported without requests and tqdm (hccrt.dicom._pydicom), and only then."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(code: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_hccrt_dicom_loads_pydicom_without_the_download_stack() -> None:
    found = _run(
        "import json, sys, hccrt.dicom, pydicom.data.download as d; "
        "print(json.dumps({'loaded': sorted({'requests', 'tqdm'} & set(sys.modules)), "
        "'have_requests': d.HAVE_REQUESTS, "
        "'finders': [type(f).__name__ for f in sys.meta_path]}))"
    )
    assert found == {"loaded": [], "have_requests": False, "finders": found["finders"]}
    assert "_Skip" not in found["finders"]  # the block ends with the import


def test_the_packages_import_as_usual_afterwards() -> None:
    pytest.importorskip("requests")
    found = _run(
        "import json, hccrt.dicom, requests; print(json.dumps({'ok': bool(requests.get)}))"
    )
    assert found == {"ok": True}


def test_nothing_changes_when_pydicom_was_imported_first() -> None:
    pytest.importorskip("requests")
    found = _run(
        "import json, sys, pydicom, hccrt.dicom, pydicom.data.download as d; "
        "print(json.dumps({'have_requests': d.HAVE_REQUESTS}))"
    )
    assert found == {"have_requests": True}


def test_the_finder_refuses_only_its_names() -> None:
    from hccrt.dicom._pydicom import _Skip

    finder = _Skip(["requests"])
    with pytest.raises(ImportError, match=r"requests\.adapters is not imported with pydicom"):
        finder.find_spec("requests.adapters", None)
    assert finder.find_spec("requestsx", None) is None
    assert finder.find_spec("numpy", None) is None
