"""Test plans built from the shared breast plan (nothing copied into the repository)."""

from __future__ import annotations

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
