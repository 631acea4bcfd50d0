"""Write an MR series (one MR Image Storage file per slice), e.g. the phantom's T1-weighted MR.

Pixels are unsigned 16-bit without rescaling (MR signal has no physical unit). The acquisition
attributes describe a 3D spoiled gradient-echo T1 sequence; they are descriptive only.

References
----------
DICOM PS3.3 A.4 (MR Image IOD), C.8.3.1 (MR Image Module), C.7.6.2 (Image Plane).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from hccrt.dicom.ct_reference import CTReference, PatientStudy
from hccrt.dicom.ct_writer import format_ds, set_image_plane, write_image_slices
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
"""SOP Class UID of MR Image Storage."""


@dataclass(frozen=True)
class MRSeriesInfo:
    """Series-level attributes of an MR series to write."""

    series_instance_uid: str
    series_number: int = 2
    series_description: str = ""
    manufacturer: str = "hccrt"
    repetition_time_ms: float = 4.0
    echo_time_ms: float = 2.0
    flip_angle_deg: float = 12.0
    field_strength_t: float = 1.5


def _slice(
    patient: PatientStudy, series: MRSeriesInfo, grid: Grid, index: int, uid: str
) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(MR_IMAGE_STORAGE)
    meta.MediaStorageSOPInstanceUID = UID(uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = MR_IMAGE_STORAGE
    ds.SOPInstanceUID = uid
    patient.apply(ds)
    ds.Modality = "MR"
    ds.SeriesInstanceUID = series.series_instance_uid
    ds.SeriesNumber = series.series_number
    ds.SeriesDescription = series.series_description
    ds.PatientPosition = "HFS"
    ds.Laterality = ""
    ds.FrameOfReferenceUID = grid.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = series.manufacturer
    ds.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
    ds.InstanceNumber = index + 1
    ds.AcquisitionNumber = 1
    ds.ContentDate = patient.study_date
    ds.ContentTime = patient.study_time
    ds.ScanningSequence = "GR"
    ds.SequenceVariant = "SP"
    ds.ScanOptions = ""
    ds.MRAcquisitionType = "3D"
    ds.RepetitionTime = format_ds(series.repetition_time_ms)
    ds.EchoTime = format_ds(series.echo_time_ms)
    ds.EchoTrainLength = 1
    ds.FlipAngle = format_ds(series.flip_angle_deg)
    ds.MagneticFieldStrength = format_ds(series.field_strength_t)
    set_image_plane(ds, grid, index)
    ds.SpacingBetweenSlices = format_ds(grid.spacing_mm[0])
    return ds


def write_mr_series(
    values: npt.NDArray[np.uint16],
    grid: Grid,
    out_dir: str | Path,
    patient: PatientStudy,
    series: MRSeriesInfo,
    *,
    file_prefix: str = "MR",
) -> CTReference:
    """Write ``values[k, j, i]`` as MR Image Storage files ``PREFIX_0001.dcm``, ...

    Parameters
    ----------
    values
        Unsigned 16-bit signal on ``grid``.
    grid
        Geometry and Frame of Reference.
    out_dir
        Folder (created if missing).
    patient, series
        Identity of the patient/study and the series.

    Returns
    -------
    CTReference
        The written series (image references for an RTSTRUCT or a registration object).
    """
    volume = np.asarray(values)
    if volume.shape != grid.shape or volume.dtype != np.uint16:
        raise InputError(
            "values",
            f"must be a uint16 array of the grid shape {grid.shape}",
            f"{volume.dtype} {volume.shape}",
            "convert the signal to uint16",
        )
    return write_image_slices(
        volume,
        grid,
        Path(out_dir) / file_prefix,
        patient,
        series.series_instance_uid,
        MR_IMAGE_STORAGE,
        lambda index, uid: _slice(patient, series, grid, index, uid),
    )
