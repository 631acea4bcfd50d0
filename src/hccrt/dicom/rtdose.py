"""Read an RTDOSE into a :class:`DoseDistribution` (dose array + grid) with its stored DVHs.

GridFrameOffsetVector (3004,000C): when its first value is 0 the offsets are relative to
ImagePositionPatient along the slice normal; otherwise they are absolute positions along the
normal (allowed for axial grids) and are converted to relative offsets. Offsets may decrease
(frames ordered against the normal): the grid's slice axis then points along -normal. Frames must
be uniformly spaced. Dose = stored value x DoseGridScaling. ``RELATIVE`` dose units are kept as
they are: :meth:`DoseDistribution.to_gy` needs the reference dose from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset

from hccrt.dicom._common import decimal_values, floats, pixel_array, read_dataset, require, text
from hccrt.errors import DicomInputError, InputError
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]
OFFSET_TOLERANCE_MM = 0.01


@dataclass(frozen=True)
class StoredDVH:
    """One DVH of the DVHSequence as the planning system stored it.

    Attributes
    ----------
    referenced_roi_numbers
        ROI numbers (RTSTRUCT ROINumber) the DVH was computed for.
    dvh_type
        ``CUMULATIVE``, ``DIFFERENTIAL`` or ``NATURAL``.
    dose_units, dose_type, volume_units
        As stored (``GY``/``RELATIVE``; ``PHYSICAL``/``EFFECTIVE``; ``CM3``/``PERCENT``/``PER_U``).
    bin_edges
        ``n + 1`` dose bin edges from 0 (Gy when dose_units is GY; widths x DVHDoseScaling).
    cumulative_volume
        Volume receiving at least ``bin_edges[i]`` (cc when volume_units is CM3).
    differential_volume
        Volume with dose in ``[bin_edges[i], bin_edges[i+1])``.
    minimum_dose, maximum_dose, mean_dose
        The planning system's own statistics (``None`` if absent).
    """

    referenced_roi_numbers: tuple[int, ...]
    dvh_type: str
    dose_units: str
    dose_type: str
    volume_units: str
    bin_edges: FloatArray = field(repr=False)
    cumulative_volume: FloatArray = field(repr=False)
    differential_volume: FloatArray = field(repr=False)
    minimum_dose: float | None = None
    maximum_dose: float | None = None
    mean_dose: float | None = None


@dataclass(frozen=True)
class DoseDistribution:
    """A 3-D dose grid.

    Attributes
    ----------
    grid
        Geometry of the dose voxels.
    dose_gy
        ``float32 [k, j, i]``; Gy when ``dose_units == "GY"``, otherwise relative values.
    dose_type, dose_units, summation_type
        DoseType, DoseUnits, DoseSummationType as stored.
    referenced_plan_uid
        SOPInstanceUID of the RTPLAN the dose belongs to (``None`` if absent).
    stored_dvhs
        The DVHSequence, if any.
    sop_instance_uid, warnings
        Identification and anything unusual met while reading.
    """

    grid: Grid
    dose_gy: npt.NDArray[np.float32] = field(repr=False)
    dose_type: str
    dose_units: str
    summation_type: str
    referenced_plan_uid: str | None = None
    stored_dvhs: tuple[StoredDVH, ...] = ()
    sop_instance_uid: str = ""
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        dose = np.asarray(self.dose_gy, dtype=np.float32)
        if dose.shape != self.grid.shape:
            raise InputError("dose_gy", f"shape must be {self.grid.shape}", dose.shape, "check")
        dose.setflags(write=False)
        object.__setattr__(self, "dose_gy", dose)

    @property
    def is_absolute(self) -> bool:
        """True when the values are in Gy."""
        return self.dose_units == "GY"

    def to_gy(
        self, reference_dose_gy: float, relative_unit: Literal["fraction", "percent"]
    ) -> DoseDistribution:
        """Convert RELATIVE dose to Gy with a reference dose given by the caller.

        Parameters
        ----------
        reference_dose_gy
            Dose (Gy) that a relative value of 1 (``"fraction"``) or 100 (``"percent"``) means,
            typically the prescription; DICOM leaves this reference implicit.
        relative_unit
            How the stored relative values are scaled.
        """
        if self.is_absolute:
            raise InputError("dose_units", "is already GY", self.dose_units, "use dose_gy as is")
        if not reference_dose_gy > 0:
            raise InputError("reference_dose_gy", "must be > 0 Gy", reference_dose_gy, "")
        factor = reference_dose_gy / (100.0 if relative_unit == "percent" else 1.0)
        return DoseDistribution(
            grid=self.grid,
            dose_gy=self.dose_gy * np.float32(factor),
            dose_type=self.dose_type,
            dose_units="GY",
            summation_type=self.summation_type,
            referenced_plan_uid=self.referenced_plan_uid,
            stored_dvhs=self.stored_dvhs,
            sop_instance_uid=self.sop_instance_uid,
            warnings=(
                *self.warnings,
                f"RELATIVE dose converted with reference {reference_dose_gy} Gy ({relative_unit})",
            ),
        )


def read_rtdose(path: str | Path) -> DoseDistribution:
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
    dose = stored.astype(np.float64) * scaling
    return DoseDistribution(
        grid=grid,
        dose_gy=dose.astype(np.float32),
        dose_type=text(dataset, "DoseType").upper(),
        dose_units=units,
        summation_type=text(dataset, "DoseSummationType").upper(),
        referenced_plan_uid=_plan_uid(dataset),
        stored_dvhs=tuple(_stored_dvh(item, name) for item in dataset.get("DVHSequence", [])),
        sop_instance_uid=text(dataset, "SOPInstanceUID"),
        warnings=tuple(notes),
    )


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
