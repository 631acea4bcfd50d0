"""Test plans built from the shared breast plan (nothing copied into the repository)."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom

RENAMED = {"Heart": "Liver"}


def liver_like_plan(shared_data: Path, folder: Path) -> dict[str, Path]:
    """The breast plan with its 'Heart' ROI renamed 'Liver' (no GTV).

    A real dose on real contours, so the HCC evaluation finds a liver, computes the Liver-GTV
    DVH, the mean normal-liver dose and NTCP. Returns ``{rtss, rtdose, rtplan}`` paths.
    """
    plan = shared_data / "breast_boost_plan"
    folder.mkdir(parents=True, exist_ok=True)
    dataset = pydicom.dcmread(plan / "rtss.dcm")
    for roi in dataset.StructureSetROISequence:
        roi.ROIName = RENAMED.get(roi.ROIName, roi.ROIName)
    dataset.save_as(folder / "rtss.dcm")
    return {
        "rtss": folder / "rtss.dcm",
        "rtdose": plan / "rtdose.dcm",
        "rtplan": plan / "rtplan.dcm",
    }


def small_liver_plan(shared_data: Path) -> dict[str, bytes]:
    """A small plan for load tests: the Nelms 20 mm sphere (renamed 'Liver') on a 3 mm grid.

    Analytic benchmark data (linear dose gradient); the plan has no RTPLAN, so evaluations
    pass ``fractions`` and ``prescription_gy``. Returns ``{file name: bytes}``.
    """
    nelms = shared_data / "nelms_dvh_benchmark"
    dataset = pydicom.dcmread(nelms / "STRUCTURES" / "Sphere_20_0.dcm")
    for roi in dataset.StructureSetROISequence:
        if roi.ROIName.startswith("Sphere"):
            roi.ROIName = "Liver"
    buffer = io.BytesIO()
    dataset.save_as(buffer)
    dose = (nelms / "DOSE_GRIDS" / "Linear_AntPost_3mm_Aligned.dcm").read_bytes()
    return {"rtss.dcm": buffer.getvalue(), "rtdose.dcm": dose}
