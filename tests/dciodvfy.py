"""Run dicom3tools' ``dciodvfy`` (Debian package ``dicom3tools``) on a written DICOM file.

``scripts/ci_services.sh`` installs it in CI. Outside CI a test that needs it is skipped with the
install hint; under ``CI=true`` its absence is a failure, so the check cannot silently vanish.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def dciodvfy_errors(path: Path) -> list[str]:
    """Return the ``Error`` lines that ``dciodvfy`` prints for ``path`` (empty when clean).

    Warnings are not returned: dciodvfy warns about optional attributes that the standard allows
    to be absent.
    """
    tool = shutil.which("dciodvfy")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("dciodvfy not installed: scripts/ci_services.sh installs dicom3tools")
        pytest.skip("dciodvfy not installed (apt-get install dicom3tools)")
    completed = subprocess.run(
        [tool, "-new", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    lines = (completed.stdout + completed.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]
