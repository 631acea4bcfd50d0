"""Run dicom3tools' ``dciodvfy`` (Debian package ``dicom3tools``) on a written DICOM file.

``scripts/ci_services.sh`` installs it in CI. Outside CI a test that needs it is skipped with the
install hint; under ``CI=true`` its absence is a failure, so the check cannot silently vanish.

dciodvfy aborts (an assertion on BitsAllocated) on 32-bit pixel data, which every RTDOSE writer
uses. Such a file is checked through a 16-bit copy with the same attributes, and any abort of the
tool is itself reported as an error, never as a clean file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pydicom
import pytest


def _sixteen_bit_copy(path: Path, folder: Path) -> Path:
    dataset = pydicom.dcmread(path)
    stored = dataset.pixel_array.astype(np.uint32)
    dataset.PixelData = (stored >> 16).astype(np.uint16).tobytes()
    dataset.BitsAllocated = dataset.BitsStored = 16
    dataset.HighBit = 15
    if "DoseGridScaling" in dataset:
        dataset.DoseGridScaling = f"{float(dataset.DoseGridScaling) * 65536:.8g}"
    copy = folder / "sixteen_bit.dcm"
    dataset.save_as(copy)
    return copy


def dciodvfy_errors(path: Path) -> list[str]:
    """Return the ``Error`` lines that ``dciodvfy`` prints for ``path`` (empty when clean).

    Warnings are not returned: dciodvfy warns about optional attributes that the standard allows
    to be absent. A crash of the tool is returned as an error line.
    """
    tool = shutil.which("dciodvfy")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("dciodvfy not installed: scripts/ci_services.sh installs dicom3tools")
        pytest.skip("dciodvfy not installed (apt-get install dicom3tools)")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(path)
        header = pydicom.dcmread(target, stop_before_pixels=True)
        if int(header.get("BitsAllocated", 0)) == 32:
            target = _sixteen_bit_copy(target, Path(folder))
        completed = subprocess.run(
            [tool, "-new", str(target)], capture_output=True, text=True, timeout=120, check=False
        )
    lines = (completed.stdout + completed.stderr).splitlines()
    errors = [line for line in lines if line.startswith("Error")]
    if completed.returncode < 0 or completed.returncode > 1:
        errors.append(f"Error - dciodvfy exited with {completed.returncode}: {lines[-1:]}")
    return errors
