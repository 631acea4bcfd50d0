"""Write a CT series (one CT Image Storage file per slice).

:func:`write_ct_series` returns the :class:`~hccrt.dicom.ct_reference.CTReference` of the written
series (what an RTSTRUCT needs to reference its images). :class:`CTReference`,
:class:`PatientStudy` and :class:`CTImageRef` live in :mod:`hccrt.dicom.ct_reference` and are
re-exported here.

Pixels are stored unsigned 16-bit with RescaleIntercept -1024 and RescaleSlope 1, so HU in
[-1024, 64511] are representable; the writer accepts HU in [-1024, 3071] (12-bit CT range).

References
----------
DICOM PS3.3 A.3 (CT Image IOD), C.7.6.2 (Image Plane), C.8.2.1 (CT Image); PS3.10 7.1 (File Meta).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileDataset
from pydicom.uid import generate_uid

from hccrt.dicom._common import file_meta
from hccrt.dicom.ct_reference import CTImageRef, CTReference, PatientStudy
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
"""SOP Class UID of CT Image Storage."""

_INTERCEPT = -1024
_PATIENT_POSITIONS = ("HFS", "HFP", "FFS", "FFP", "HFDL", "HFDR", "FFDL", "FFDR")
HU_RANGE = (-1024, 3071)
"""HU values :func:`write_ct_series` accepts."""


def format_ds(value: float) -> str:
    """Decimal String of at most 16 characters (DICOM DS), without a negative zero."""
    text = format(float(value), ".10g")
    return "0" if text in ("-0", "0") else text


def make_uid(entropy_sources: Sequence[str] | None = None) -> str:
    """A new UID under the pydicom root: random, or a hash of ``entropy_sources`` (reproducible)."""
    return str(
        generate_uid(entropy_srcs=None if entropy_sources is None else list(entropy_sources))
    )


@dataclass(frozen=True)
class CTSeriesInfo:
    """Series-level attributes of a CT series to write."""

    series_instance_uid: str
    series_number: int = 1
    series_description: str = ""
    patient_position: str = "HFS"
    manufacturer: str = "hccrt"
    kvp: float = 120.0
    content_date: str = ""
    content_time: str = ""

    def __post_init__(self) -> None:
        if self.patient_position not in _PATIENT_POSITIONS:
            raise InputError(
                "patient_position",
                "not a DICOM patient position",
                self.patient_position,
                "e.g. HFS",
            )


def _slice_dataset(
    patient: PatientStudy, series: CTSeriesInfo, grid: Grid, index: int, sop_instance_uid: str
) -> FileDataset:
    meta = file_meta(CT_IMAGE_STORAGE, sop_instance_uid)
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = CT_IMAGE_STORAGE
    ds.SOPInstanceUID = sop_instance_uid
    ds.InstanceCreationDate = series.content_date or patient.study_date
    ds.InstanceCreationTime = series.content_time or patient.study_time
    patient.apply(ds)
    ds.Modality = "CT"
    ds.SeriesInstanceUID = series.series_instance_uid
    ds.SeriesNumber = series.series_number
    ds.SeriesDescription = series.series_description
    ds.PatientPosition = series.patient_position
    ds.FrameOfReferenceUID = grid.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = series.manufacturer
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
    ds.InstanceNumber = index + 1
    ds.AcquisitionNumber = 1
    ds.ContentDate = series.content_date or patient.study_date
    ds.ContentTime = series.content_time or patient.study_time
    set_image_plane(ds, grid, index)
    ds.RescaleIntercept = str(_INTERCEPT)
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.KVP = format_ds(series.kvp)
    ds.WindowCenter = "40"
    ds.WindowWidth = "400"
    return ds


def write_ct_series(
    hu: npt.NDArray[np.integer],
    grid: Grid,
    out_dir: str | Path,
    patient: PatientStudy,
    series: CTSeriesInfo,
    *,
    file_prefix: str = "CT",
    advance: Callable[[int], None] | None = None,
) -> CTReference:
    """Write ``hu[k, j, i]`` as one CT Image Storage file per slice (``PREFIX_0001.dcm``, ...).

    SOP Instance UIDs are derived from the Series Instance UID and the slice index, so the same
    inputs give byte-identical files.

    Parameters
    ----------
    hu
        Integer HU volume on ``grid`` (index ``[slice, row, column]``), within :data:`HU_RANGE`.
    grid
        Geometry and Frame of Reference of the volume.
    out_dir
        Directory to write into (created if missing).
    patient, series
        Identity of the patient/study and the series.
    file_prefix
        File name prefix.
    advance
        Progress callback (called with 1 per slice written).

    Returns
    -------
    CTReference
        The written series, ready for :func:`hccrt.dicom.rtstruct_writer.build_rtstruct`.
    """
    volume = np.asarray(hu)
    if volume.shape != grid.shape or not np.issubdtype(volume.dtype, np.integer):
        raise InputError(
            "hu",
            f"must be an integer array of the grid shape {grid.shape}",
            f"{volume.dtype} {volume.shape}",
            "round the HU volume and check the grid",
        )
    low, high = int(volume.min()), int(volume.max())
    if low < HU_RANGE[0] or high > HU_RANGE[1]:
        raise InputError(
            "hu", f"must lie in {HU_RANGE} HU", (low, high), "clip the volume to the CT range"
        )
    stored = (volume.astype(np.int32) - _INTERCEPT).astype("<u2")
    return write_image_slices(
        stored,
        grid,
        Path(out_dir) / file_prefix,
        patient,
        series.series_instance_uid,
        CT_IMAGE_STORAGE,
        lambda index, uid: _slice_dataset(patient, series, grid, index, uid),
        advance=advance,
    )


def write_image_slices(
    stored: npt.NDArray[np.uint16],
    grid: Grid,
    prefix: Path,
    patient: PatientStudy,
    series_instance_uid: str,
    sop_class_uid: str,
    slice_dataset: Callable[[int, str], Dataset],
    *,
    advance: Callable[[int], None] | None = None,
) -> CTReference:
    """Write one image file per slice of ``stored`` (``PREFIX_0001.dcm``, ...).

    Parameters
    ----------
    stored
        Stored pixel values (``[slice, row, column]``, little-endian 16-bit unsigned).
    grid
        Geometry and Frame of Reference of the volume.
    prefix
        Folder and file-name prefix (the folder is created if missing).
    patient
        Identity of the patient and study.
    series_instance_uid, sop_class_uid
        The series and the image storage SOP class.
    slice_dataset
        Builds the dataset of a slice from its index and SOP Instance UID (without PixelData).
    advance
        Progress callback (called with 1 per slice written).

    Returns
    -------
    CTReference
        The written series (image references for an RTSTRUCT or a registration object). The
        SOP Instance UIDs derive from the series UID and the slice index, so the same inputs
        give byte-identical files.
    """
    pixels = np.asarray(stored, dtype="<u2")  # no copy when already little-endian uint16
    prefix.parent.mkdir(parents=True, exist_ok=True)
    images = []
    for index in range(grid.shape[0]):
        uid = make_uid([series_instance_uid, "slice", str(index)])
        ds = slice_dataset(index, uid)
        ds.PixelData = pixels[index].tobytes()
        ds.save_as(f"{prefix}_{index + 1:04d}.dcm", enforce_file_format=True)
        x_mm, y_mm, z_mm = (float(v) for v in grid.index_to_world([index, 0, 0]))
        images.append(CTImageRef(sop_class_uid, uid, (x_mm, y_mm, z_mm)))
        if advance is not None:
            advance(1)
    normal = grid.directions[0]
    return CTReference(
        patient=patient,
        series_instance_uid=series_instance_uid,
        frame_of_reference_uid=grid.frame_of_reference_uid,
        images=tuple(images),
        slice_normal=(float(normal[0]), float(normal[1]), float(normal[2])),
    )


__all__ = [
    "CT_IMAGE_STORAGE",
    "HU_RANGE",
    "CTImageRef",
    "CTReference",
    "CTSeriesInfo",
    "PatientStudy",
    "format_ds",
    "make_uid",
    "write_ct_series",
    "write_image_slices",
]


def set_image_plane(ds: Dataset, grid: Grid, index: int) -> None:
    """Image Plane and 16-bit unsigned Image Pixel attributes of slice ``index`` of ``grid``."""
    directions = grid.directions  # rows: slice, row (j) and column (i) axes
    spacing = grid.spacing_mm
    position = grid.index_to_world([index, 0, 0])
    ds.ImagePositionPatient = [format_ds(v) for v in position]
    ds.ImageOrientationPatient = [format_ds(v) for v in (*directions[2], *directions[1])]
    ds.PixelSpacing = [format_ds(spacing[1]), format_ds(spacing[2])]
    ds.SliceThickness = format_ds(spacing[0])
    ds.SliceLocation = format_ds(float(np.dot(position, directions[0])))
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = grid.shape[1], grid.shape[2]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
