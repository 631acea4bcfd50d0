"""Write a PET series (one PET Image Storage file per slice), e.g. the phantom's FDG PET.

Pixels are unsigned 16-bit with one RescaleSlope for the series and RescaleIntercept 0 (the
PET Image Module requires 0), so ``stored * slope`` is the activity concentration in Bq/ml
(Units ``BQML``), decay corrected to the series start (DecayCorrection ``START``). The PET
Isotope module carries what a standardized uptake value (SUV) needs: the radiopharmaceutical
start date/time, the total injected dose (Bq) and the half-life (s); the patient's weight (kg)
is in the Patient Study module.

References
----------
DICOM PS3.3 A.21 (PET Image IOD), C.8.9.1 (PET Series), C.8.9.2 (PET Isotope), C.8.9.4 (PET
Image), C.8.4.6 (NM/PET Patient Orientation), C.7.2.2 (Patient Study: PatientWeight).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileDataset
from pydicom.sequence import Sequence as DicomSequence

from hccrt.dicom._common import file_meta
from hccrt.dicom.ct_reference import CTReference, PatientStudy
from hccrt.dicom.ct_writer import format_ds, set_image_plane, write_image_slices
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
"""SOP Class UID of Positron Emission Tomography Image Storage."""

F18_HALF_LIFE_S = 6586.2
"""Half-life of fluorine-18, s (109.77 min; NIST, Unterweger & Fitzgerald, Appl Radiat Isot
2014;87:92-94, as commonly stored in RadionuclideHalfLife)."""

F18_POSITRON_FRACTION = 0.9686
"""Positron branching fraction of fluorine-18 (DDEP/LNHB recommended data, 96.86 %)."""

_STORED_MAX = 65000


@dataclass(frozen=True)
class PETSeriesInfo:
    """Series-level attributes of a PET series to write (FDG, static whole-body).

    Parameters
    ----------
    series_instance_uid
        The series UID.
    series_datetime
        Series date/time: the start of the acquisition, the reference of the decay correction.
    injection_datetime
        Radiopharmaceutical start date/time (the injection).
    injected_dose_bq
        Radionuclide total dose at the injection, Bq.
    patient_weight_kg
        Patient weight, kg (Patient Study module).
    frame_duration_s
        Actual frame duration of each bed position, s (descriptive).
    """

    series_instance_uid: str
    series_datetime: datetime
    injection_datetime: datetime
    injected_dose_bq: float
    patient_weight_kg: float
    series_number: int = 3
    series_description: str = ""
    manufacturer: str = "hccrt"
    half_life_s: float = F18_HALF_LIFE_S
    frame_duration_s: float = 120.0

    def __post_init__(self) -> None:
        if not self.injection_datetime < self.series_datetime:
            raise InputError(
                "injection_datetime",
                "must be before the series start",
                self.injection_datetime.isoformat(),
                "give the injection time of the radiopharmaceutical",
            )
        for name, value in (
            ("injected_dose_bq", self.injected_dose_bq),
            ("patient_weight_kg", self.patient_weight_kg),
            ("half_life_s", self.half_life_s),
        ):
            if not (np.isfinite(value) and value > 0):
                raise InputError(name, "must be a finite positive number", value, "check it")


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    item.CodeMeaning = meaning
    return item


def _radiopharmaceutical(series: PETSeriesInfo) -> Dataset:
    item = Dataset()
    item.Radiopharmaceutical = "Fludeoxyglucose F^18^"
    item.RadiopharmaceuticalStartTime = series.injection_datetime.strftime("%H%M%S")
    item.RadiopharmaceuticalStartDateTime = series.injection_datetime.strftime("%Y%m%d%H%M%S")
    item.RadionuclideTotalDose = format_ds(series.injected_dose_bq)
    item.RadionuclideHalfLife = format_ds(series.half_life_s)
    item.RadionuclidePositronFraction = format_ds(F18_POSITRON_FRACTION)
    item.RadionuclideCodeSequence = DicomSequence([_code("77004003", "SCT", "^18^Fluorine")])
    item.RadiopharmaceuticalCodeSequence = DicomSequence(
        [_code("35321007", "SCT", "Fluorodeoxyglucose F^18^")]
    )
    return item


def _slice(
    patient: PatientStudy,
    series: PETSeriesInfo,
    grid: Grid,
    index: int,
    uid: str,
    slope: float,
) -> FileDataset:
    meta = file_meta(PET_IMAGE_STORAGE, uid)
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = PET_IMAGE_STORAGE
    ds.SOPInstanceUID = uid
    patient.apply(ds)
    ds.PatientWeight = format_ds(series.patient_weight_kg)
    ds.Modality = "PT"
    ds.SeriesInstanceUID = series.series_instance_uid
    ds.SeriesNumber = series.series_number
    ds.SeriesDescription = series.series_description
    ds.Laterality = ""
    ds.FrameOfReferenceUID = grid.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = series.manufacturer
    # PET Series module
    ds.SeriesDate = series.series_datetime.strftime("%Y%m%d")
    ds.SeriesTime = series.series_datetime.strftime("%H%M%S")
    ds.Units = "BQML"
    ds.CountsSource = "EMISSION"
    ds.SeriesType = ["WHOLE BODY", "IMAGE"]
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT", "DTIM", "RAN", "NORM"]
    ds.DecayCorrection = "START"
    ds.CollimatorType = "NONE"
    ds.RandomsCorrectionMethod = "DLYD"
    ds.ReconstructionMethod = "OSEM (synthetic)"
    ds.NumberOfSlices = grid.shape[0]
    # PET Isotope and NM/PET Patient Orientation modules
    ds.RadiopharmaceuticalInformationSequence = DicomSequence([_radiopharmaceutical(series)])
    orientation = _code("102538003", "SCT", "recumbent")
    orientation.PatientOrientationModifierCodeSequence = DicomSequence(
        [_code("40199007", "SCT", "supine")]
    )
    ds.PatientOrientationCodeSequence = DicomSequence([orientation])
    ds.PatientGantryRelationshipCodeSequence = DicomSequence(
        [_code("102540008", "SCT", "headfirst")]
    )
    # General Image and PET Image modules
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.InstanceNumber = index + 1
    ds.AcquisitionNumber = 1
    ds.ContentDate = ds.SeriesDate
    ds.ContentTime = ds.SeriesTime
    ds.AcquisitionDate = ds.SeriesDate
    ds.AcquisitionTime = ds.SeriesTime
    set_image_plane(ds, grid, index)
    ds.SpacingBetweenSlices = format_ds(grid.spacing_mm[0])
    ds.RescaleIntercept = "0"
    ds.RescaleSlope = format_ds(slope)
    ds.FrameReferenceTime = "0"
    ds.ImageIndex = index + 1
    ds.ActualFrameDuration = round(series.frame_duration_s * 1000)
    # DecayCorrection START: a frame that starts at the series time has factor 1
    # (PS3.3 C.8.9.4.1.3); the phantom is one static frame per slice.
    ds.DecayFactor = "1"
    return ds


def write_pet_series(
    activity_bq_ml: npt.NDArray[np.floating],
    grid: Grid,
    out_dir: str | Path,
    patient: PatientStudy,
    series: PETSeriesInfo,
    *,
    file_prefix: str = "PT",
) -> CTReference:
    """Write ``activity_bq_ml[k, j, i]`` as PET Image Storage files ``PREFIX_0001.dcm``, ...

    Parameters
    ----------
    activity_bq_ml
        Activity concentration (Bq/ml, >= 0, decay corrected to the series start) on ``grid``.
    grid
        Geometry and Frame of Reference.
    out_dir
        Folder (created if missing).
    patient, series
        Identity of the patient/study and the series (with the SUV attributes).

    Returns
    -------
    CTReference
        The written series (image references for an RTSTRUCT or a registration object).
    """
    volume = np.asarray(activity_bq_ml, dtype=np.float64)
    if volume.shape != grid.shape or not np.all(np.isfinite(volume)) or volume.min() < 0:
        raise InputError(
            "activity_bq_ml",
            f"must be a finite non-negative array of the grid shape {grid.shape}",
            f"{volume.shape}",
            "give the activity concentration in Bq/ml",
        )
    peak = float(volume.max())
    slope = float(format_ds(peak / _STORED_MAX)) if peak > 0 else 1.0
    stored = np.clip(np.rint(volume / slope), 0, 65535).astype("<u2")
    return write_image_slices(
        stored,
        grid,
        Path(out_dir) / file_prefix,
        patient,
        series.series_instance_uid,
        PET_IMAGE_STORAGE,
        lambda index, uid: _slice(patient, series, grid, index, uid, slope),
    )
