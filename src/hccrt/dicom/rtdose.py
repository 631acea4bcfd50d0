"""Read an RTDOSE into a :class:`hccrt.core.Dose` (dose array + grid) with its stored DVHs.

GridFrameOffsetVector (3004,000C): when its first value is 0 the offsets are relative to
ImagePositionPatient along the slice normal; otherwise they are absolute positions along the
normal (allowed for axial grids) and are converted to relative offsets. Offsets may decrease
(frames ordered against the normal): the grid's slice axis then points along -normal. Frames must
be uniformly spaced. Dose = stored value x DoseGridScaling. ``RELATIVE`` dose units are kept as
they are: :meth:`hccrt.core.Dose.to_gy` needs the reference dose from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset

from hccrt.core import Dose, StoredDVH, StructureSet, dose_in_gy
from hccrt.dicom._common import decimal_values, floats, pixel_array, read_dataset, require, text
from hccrt.errors import DicomInputError
from hccrt.geometry.grid import Grid, require_same_frame

FloatArray = npt.NDArray[np.float64]
OFFSET_TOLERANCE_MM = 0.01


DoseDistribution = Dose
"""The dose type under its historical name (:class:`hccrt.core.Dose`)."""


def read_rtdose(path: str | Path) -> Dose:
    """Read a (multi-frame) RTDOSE file.

    Raises
    ------
    DicomInputError
        Missing geometry, GridFrameOffsetVector inconsistent with the frames, non-uniform frame
        spacing, unknown dose units.
    """
    dataset, read_notes = read_dataset(path, "RTDOSE")
    notes = list(read_notes)
    name = Path(path).name
    orientation = floats(
        require(dataset, "ImageOrientationPatient", name), 6, "ImageOrientationPatient"
    )
    origin = floats(require(dataset, "ImagePositionPatient", name), 3, "ImagePositionPatient")
    spacing = floats(require(dataset, "PixelSpacing", name), 2, "PixelSpacing")
    frame = str(require(dataset, "FrameOfReferenceUID", name))
    stored = pixel_array(dataset, name)
    if stored.ndim == 2:
        stored = stored[np.newaxis]
    frames = stored.shape[0]
    row_dir, col_dir = orientation[:3], orientation[3:]
    normal = np.cross(row_dir, col_dir)
    slice_step = _frame_step(dataset, frames, origin, normal, name, notes)
    direction = normal if slice_step > 0 else -normal
    grid = Grid.from_spacing(
        stored.shape,
        (abs(slice_step), float(spacing[0]), float(spacing[1])),
        origin,
        frame,
        row_direction=row_dir,
        column_direction=col_dir,
        slice_direction=direction,
    )
    scaling = float(dataset.get("DoseGridScaling", 1.0) or 1.0)
    if "DoseGridScaling" not in dataset:
        notes.append(f"{name}: no DoseGridScaling; 1.0 assumed")
    units = text(dataset, "DoseUnits").upper()
    if units not in ("GY", "RELATIVE"):
        raise DicomInputError(
            f"{name}:DoseUnits", "must be GY or RELATIVE", units or "(missing)", "check the export"
        )
    if units == "RELATIVE":
        notes.append(f"{name}: RELATIVE dose units; give the reference dose to convert to Gy")
    # the stored integers times the scaling in float64 (one pass), then rounded to float32
    dose = np.multiply(stored, scaling, dtype=np.float64)
    return Dose(
        grid=grid,
        values=dose.astype(np.float32),
        dose_type=text(dataset, "DoseType").upper(),
        dose_units="GY" if units == "GY" else "RELATIVE",
        summation_type=text(dataset, "DoseSummationType").upper(),
        referenced_plan_uid=_plan_uid(dataset),
        stored_dvhs=tuple(_stored_dvh(item, name) for item in dataset.get("DVHSequence", [])),
        sop_instance_uid=text(dataset, "SOPInstanceUID"),
        warnings=tuple(notes),
    )


def read_doses_gy(
    paths: Sequence[Path],
    structure_set: StructureSet,
    rtstruct_name: str,
    reference_dose_gy: float | None,
    relative_unit: Literal["fraction", "percent"] | None,
    warnings: list[str],
) -> list[Dose]:
    """Read every RTDOSE in Gy, each checked against the structure set's Frame of Reference.

    Parameters
    ----------
    paths
        The RTDOSE files.
    structure_set, rtstruct_name
        The structure set the doses must share a Frame of Reference with, and its file name.
    reference_dose_gy, relative_unit
        For RELATIVE dose (:func:`hccrt.core.dose_in_gy`).
    warnings
        The readers' warnings are appended here.

    Returns
    -------
    list of Dose
        One dose in Gy per file.

    The readers' warnings are appended to ``warnings`` (``hccrt dvh`` and ``hccrt evaluate``
    both read doses here, so neither drops them).

    Raises
    ------
    InputError
        Unreadable file, another Frame of Reference, RELATIVE dose without its reference.
    """
    doses = []
    for path in paths:
        dose = read_rtdose(path)
        warnings.extend(dose.warnings)
        require_same_frame(
            dose.grid.frame_of_reference_uid, structure_set.frame_of_reference_uid,
            f"RTDOSE {Path(path).name} with RTSTRUCT {rtstruct_name}",
        )  # fmt: skip
        doses.append(dose_in_gy(dose, reference_dose_gy, relative_unit, Path(path).name))
    return doses


def _frame_step(
    dataset: Dataset,
    frames: int,
    origin: FloatArray,
    normal: FloatArray,
    name: str,
    notes: list[str],
) -> float:
    if "GridFrameOffsetVector" not in dataset or dataset.GridFrameOffsetVector is None:
        if frames == 1:
            thickness = dataset.get("SliceThickness")
            if thickness not in (None, "") and float(thickness) > 0:
                return float(thickness)
        raise DicomInputError(
            f"{name}:GridFrameOffsetVector", "missing", None, "re-export the dose grid"
        )
    offsets = floats(dataset.GridFrameOffsetVector, None, "GridFrameOffsetVector")
    if offsets.size != frames:
        if frames == 1 and offsets.size > 1:
            notes.append(
                f"{name}: one frame but {offsets.size} GridFrameOffsetVector values; "
                "only the first is used"
            )
            offsets = offsets[:1]
        else:
            raise DicomInputError(
                f"{name}:GridFrameOffsetVector",
                f"must have one value per frame ({frames})",
                offsets.size,
                "re-export the dose grid",
            )
    if offsets[0] != 0.0:
        start = float(origin @ normal)
        if abs(offsets[0] - start) > OFFSET_TOLERANCE_MM:
            raise DicomInputError(
                f"{name}:GridFrameOffsetVector",
                "first value is neither 0 (relative) nor the first frame position (absolute)",
                f"{offsets[0]} vs {start}",
                "re-export the dose grid",
            )
        notes.append(f"{name}: absolute GridFrameOffsetVector converted to relative offsets")
        offsets = offsets - offsets[0]
    if frames == 1:
        thickness = dataset.get("SliceThickness")
        if thickness not in (None, "") and float(thickness) > 0:
            return float(thickness)
        raise DicomInputError(
            f"{name}:SliceThickness",
            "a one-frame dose grid needs SliceThickness",
            None,
            "re-export the dose grid",
        )
    steps = np.diff(offsets)
    step = float(np.mean(steps))
    if abs(step) < OFFSET_TOLERANCE_MM or np.max(np.abs(steps - step)) > OFFSET_TOLERANCE_MM:
        raise DicomInputError(
            f"{name}:GridFrameOffsetVector",
            "frames must be uniformly spaced",
            sorted({round(float(s), 3) for s in steps})[:6],
            "resample the dose onto a regular grid",
        )
    return step


def _plan_uid(dataset: Dataset) -> str | None:
    for item in dataset.get("ReferencedRTPlanSequence", []):
        uid = text(item, "ReferencedSOPInstanceUID")
        if uid:
            return uid
    return None


def _stored_dvh(item: Dataset, name: str) -> StoredDVH:
    data = decimal_values(item, "DVHData")
    if data is None:
        raise DicomInputError(f"{name}:DVHData", "missing or empty", None, "re-export the dose")
    if data.size % 2:
        raise DicomInputError(f"{name}:DVHData", "must hold (width, volume) pairs", data.size, "")
    widths = data[0::2] * float(item.get("DVHDoseScaling", 1.0) or 1.0)
    volumes = data[1::2]
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    kind = text(item, "DVHType").upper()
    if kind == "CUMULATIVE":
        cumulative = volumes
        differential = volumes - np.append(volumes[1:], 0.0)
    else:
        differential = volumes if kind == "DIFFERENTIAL" else volumes * widths
        cumulative = np.cumsum(differential[::-1])[::-1]
    roi_numbers = tuple(
        int(ref.ReferencedROINumber)
        for ref in item.get("DVHReferencedROISequence", [])
        if "ReferencedROINumber" in ref
    )

    def _maybe(keyword: str) -> float | None:
        value = item.get(keyword)
        return None if value in (None, "") else float(value)

    return StoredDVH(
        referenced_roi_numbers=roi_numbers,
        dvh_type=kind,
        dose_units=text(item, "DoseUnits").upper(),
        dose_type=text(item, "DoseType").upper(),
        volume_units=text(item, "DVHVolumeUnits").upper(),
        bin_edges=edges,
        cumulative_volume=np.asarray(cumulative, dtype=np.float64),
        differential_volume=np.asarray(differential, dtype=np.float64),
        minimum_dose=_maybe("DVHMinimumDose"),
        maximum_dose=_maybe("DVHMaximumDose"),
        mean_dose=_maybe("DVHMeanDose"),
    )
