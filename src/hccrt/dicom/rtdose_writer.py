"""Write a 3D RT Dose (multi-frame, GY, PHYSICAL, PLAN) with pydicom.

Pixel values are unsigned 32-bit integers times DoseGridScaling (Gy); frames are the dose grid's
slices with GridFrameOffsetVector relative to the first frame (ImagePositionPatient). The dose
references its RT Plan and shares the plan's Frame of Reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence

from hccrt.dicom.rtplan_writer import RTPLAN_CLASS, PatientReference, new_dataset
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid, require_same_frame

RTDOSE_CLASS = "1.2.840.10008.5.1.4.1.1.481.2"
_MAX_STORED = 2**32 - 1


def write_rtdose(
    path: str | Path,
    dose_gy: npt.NDArray[np.floating],
    grid: Grid,
    reference: PatientReference,
    plan_uid: str,
    comment: str = "",
) -> str:
    """Write the dose (Gy, whole course) on an axis-aligned grid; return the SOPInstanceUID."""
    dose = np.asarray(dose_gy, dtype=np.float64)
    if dose.shape != grid.shape:
        raise InputError("dose_gy", f"shape must equal the grid {grid.shape}", dose.shape, "")
    if not np.all(np.isfinite(dose)) or dose.min() < 0:
        raise InputError("dose_gy", "must be finite and >= 0 Gy", float(np.nanmin(dose)), "")
    require_same_frame(grid.frame_of_reference_uid, reference.frame_of_reference_uid, "RTDOSE")
    if not grid.is_axis_aligned:
        raise InputError("grid", "RTDOSE writing needs an axis-aligned grid", "oblique", "")
    ds = new_dataset(RTDOSE_CLASS, "RTDOSE", reference)
    peak = float(dose.max())
    scaling = peak / 4.0e9 if peak > 0 else 1.0
    stored = np.clip(np.rint(dose / scaling), 0, _MAX_STORED).astype(np.uint32)
    nz, ny, nx = grid.shape
    dz, dy, dx = grid.spacing_mm
    ds.ImagePositionPatient = [round(v, 4) for v in grid.origin_mm]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.PixelSpacing = [round(dy, 4), round(dx, 4)]
    ds.SliceThickness = round(dz, 4)
    ds.NumberOfFrames = nz
    ds.FrameIncrementPointer = (0x3004, 0x000C)
    ds.GridFrameOffsetVector = [round(float(k * dz), 4) for k in range(nz)]
    ds.Rows, ds.Columns = ny, nx
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 32
    ds.BitsStored = 32
    ds.HighBit = 31
    ds.PixelRepresentation = 0
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    ds.DoseGridScaling = f"{scaling:.10g}"
    ds.DoseComment = comment[:64]
    ref = Dataset()
    ref.ReferencedSOPClassUID = RTPLAN_CLASS
    ref.ReferencedSOPInstanceUID = plan_uid
    ds.ReferencedRTPlanSequence = DicomSequence([ref])
    ds.InstanceNumber = 1
    ds.PixelData = stored.tobytes()
    ds.save_as(Path(path), enforce_file_format=True)
    return str(ds.SOPInstanceUID)
