"""A cohort evaluator for the tests built only from hccrt's DICOM reader and DVH engine.

It reports the mean dose of one ROI of the breast plan in the dose column, so the runner,
journal, summary and plot are exercised on real DICOM and a real DVH calculation while the plan
evaluation (``hccrt.cohort.plan``) is tested separately.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from hccrt.dicom.case import inventory_case
from hccrt.dicom.rtdose import read_rtdose
from hccrt.dicom.rtstruct import read_rtstruct
from hccrt.dvh.engine import compute_dvh

ROI = "Tumor Bed"


def tumor_bed_row(case_dir: Path, protocol: str | None) -> dict[str, Any]:
    """Dmean of the tumour bed as ``mean_normal_liver_dose_gy`` and a mock-free NTCP stand-in."""
    inventory = inventory_case(case_dir)
    if inventory.rtstruct is None or not inventory.rtdoses:
        raise ValueError(f"{case_dir.name}: needs an RTSTRUCT and an RTDOSE")
    structures = {s.name: s for s in read_rtstruct(inventory.rtstruct).structures}
    dose = read_rtdose(inventory.rtdoses[0])
    dvh = compute_dvh(structures[ROI], dose.dose_gy, dose.grid)
    delay = float(os.environ.get("HCCRT_TEST_CASE_DELAY_S", "0"))
    if delay:
        time.sleep(delay)
    return {
        "verdict": "pass" if dvh.dmean_gy < 15 else "fail",
        "mean_normal_liver_dose_gy": float(dvh.dmean_gy),
        "ntcp": float(dvh.dmean_gy) / 100.0,
        "constraints_total": 1,
        "constraints_failed": 0,
        "ruleset_version": "test-dvh-1",
        "parameters": {"roi": ROI, "protocol": protocol},
    }


def crashing_row(case_dir: Path, protocol: str | None) -> dict[str, Any]:
    """:func:`tumor_bed_row`, except that a case with a ``CRASH`` file kills its worker process.

    ``os._exit`` ends the process at once, as a segfault in a native library or the kernel's
    out-of-memory killer would; Dask then reports ``KilledWorker``.
    """
    if (case_dir / "CRASH").exists():
        os._exit(3)
    return tumor_bed_row(case_dir, protocol)
