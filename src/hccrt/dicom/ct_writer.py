"""Write a CT series (one CT Image Storage file per slice) and describe a series by reference.

:class:`CTReference` is what an RTSTRUCT (or any object that points at CT images) needs: the
patient/study identity, the series and Frame of Reference UIDs, and each image's SOP Class/
Instance UID and position. It comes back from :func:`write_ct_series` or is read from the
headers of existing files with :meth:`CTReference.from_files`.

Pixels are stored unsigned 16-bit with RescaleIntercept -1024 and RescaleSlope 1, so HU in
[-1024, 64511] are representable; the writer accepts HU in [-1024, 3071] (12-bit CT range).

References
----------
DICOM PS3.3 A.3 (CT Image IOD), C.7.6.2 (Image Plane), C.8.2.1 (CT Image); PS3.10 7.1 (File Meta).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from hccrt.dicom._common import read_dataset
from hccrt.errors import DicomInputError, InputError
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
class PatientStudy:
    """Patient and study identity shared by every object of one study (DICOM Type 2 may be '')."""

    patient_name: str
    patient_id: str
    study_instance_uid: str
    study_date: str = ""
    study_time: str = ""
    patient_birth_date: str = ""
    patient_sex: str = ""
    study_id: str = ""
    accession_number: str = ""
    referring_physician_name: str = ""
    study_description: str = ""

    def __post_init__(self) -> None:
        if not self.patient_id or not self.study_instance_uid:
            raise InputError(
                "patient_id/study_instance_uid",
                "must not be empty",
                (self.patient_id, self.study_instance_uid),
                "give the patient ID and a Study Instance UID",
            )
        if self.patient_sex not in ("", "M", "F", "O"):
            raise InputError("patient_sex", "must be M, F, O or ''", self.patient_sex, "fix it")

    def apply(self, dataset: Dataset) -> None:
        """Set the Patient and General Study module attributes on ``dataset`` (in place)."""
        dataset.PatientName = self.patient_name
        dataset.PatientID = self.patient_id
        dataset.PatientBirthDate = self.patient_birth_date
        dataset.PatientSex = self.patient_sex
        dataset.StudyInstanceUID = self.study_instance_uid
        dataset.StudyDate = self.study_date
        dataset.StudyTime = self.study_time
        dataset.StudyID = self.study_id
        dataset.AccessionNumber = self.accession_number
        dataset.ReferringPhysicianName = self.referring_physician_name
        if self.study_description:
            dataset.StudyDescription = self.study_description

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> PatientStudy:
        """Read the patient/study identity of an existing object."""

        def text(keyword: str) -> str:
            return str(dataset.get(keyword, "") or "")

        return cls(
            patient_name=text("PatientName"),
            patient_id=text("PatientID") or "(unknown)",
            study_instance_uid=text("StudyInstanceUID"),
            study_date=text("StudyDate"),
            study_time=text("StudyTime"),
            patient_birth_date=text("PatientBirthDate"),
            patient_sex=text("PatientSex"),
            study_id=text("StudyID"),
            accession_number=text("AccessionNumber"),
            referring_physician_name=text("ReferringPhysicianName"),
            study_description=text("StudyDescription"),
        )


@dataclass(frozen=True)
class CTImageRef:
    """One image of a series: SOP Class/Instance UID and ImagePositionPatient (LPS mm)."""

    sop_class_uid: str
    sop_instance_uid: str
    position_mm: tuple[float, float, float]


@dataclass(frozen=True)
class CTReference:
    """What other objects need to reference a CT series (see module docstring).

    Parameters
    ----------
    patient
        Patient/study identity.
    series_instance_uid, frame_of_reference_uid
        UIDs of the series and its Frame of Reference.
    images
        The images, sorted along ``slice_normal``.
    slice_normal
        Unit normal of the image planes (row x column direction cosines).
    """

    patient: PatientStudy
    series_instance_uid: str
    frame_of_reference_uid: str
    images: tuple[CTImageRef, ...]
    slice_normal: tuple[float, float, float] = (0.0, 0.0, 1.0)

    def __post_init__(self) -> None:
        if not self.images:
            raise DicomInputError("images", "a CT reference needs at least one image", 0, "")
        uids = [image.sop_instance_uid for image in self.images]
        if len(set(uids)) != len(uids):
            raise DicomInputError(
                "SOPInstanceUID", "must be unique within the series", len(uids), "re-export"
            )
        normal = np.asarray(self.slice_normal, dtype=np.float64)
        order = np.argsort([float(np.dot(image.position_mm, normal)) for image in self.images])
        object.__setattr__(self, "images", tuple(self.images[i] for i in order))

    @property
    def study_instance_uid(self) -> str:
        """Study Instance UID of the series."""
        return self.patient.study_instance_uid

    def image_at(
        self, point_mm: Sequence[float], tolerance_mm: float | None = None
    ) -> CTImageRef | None:
        """The image whose plane contains ``point_mm`` (within ``tolerance_mm``), else ``None``.

        The default tolerance is a quarter of the smallest gap between image planes (0.5 mm for
        a single image).
        """
        normal = np.asarray(self.slice_normal, dtype=np.float64)
        offsets = np.array([np.dot(image.position_mm, normal) for image in self.images])
        if tolerance_mm is None:
            gaps = np.diff(offsets)
            tolerance_mm = 0.25 * float(gaps.min()) if gaps.size and gaps.min() > 0 else 0.5
        distance = np.abs(offsets - float(np.dot(np.asarray(point_mm, dtype=np.float64), normal)))
        best = int(np.argmin(distance))
        return self.images[best] if distance[best] <= tolerance_mm else None

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> CTReference:
        """Read the headers of CT files of one series (pixels are not loaded).

        Raises
        ------
        DicomInputError
            No files, non-CT files, several series or Frames of Reference in the files.
        """
        datasets = [read_dataset(path, "CT", stop_before_pixels=True)[0] for path in paths]
        if not datasets:
            raise DicomInputError("CT", "no CT files given", None, "pass the CT series files")
        for keyword in ("SeriesInstanceUID", "FrameOfReferenceUID", "StudyInstanceUID"):
            values = {str(ds.get(keyword, "")) for ds in datasets}
            if len(values) != 1 or "" in values:
                raise DicomInputError(
                    keyword,
                    "all CT files must share one non-empty value",
                    sorted(values),
                    "pass the files of one series",
                )
        first = datasets[0]
        orientation = np.array([float(v) for v in first.ImageOrientationPatient])
        normal = np.cross(orientation[:3], orientation[3:])
        images = tuple(
            CTImageRef(
                str(ds.SOPClassUID),
                str(ds.SOPInstanceUID),
                (
                    float(ds.ImagePositionPatient[0]),
                    float(ds.ImagePositionPatient[1]),
                    float(ds.ImagePositionPatient[2]),
                ),
            )
            for ds in datasets
        )
        return cls(
            patient=PatientStudy.from_dataset(first),
            series_instance_uid=str(first.SeriesInstanceUID),
            frame_of_reference_uid=str(first.FrameOfReferenceUID),
            images=images,
            slice_normal=(float(normal[0]), float(normal[1]), float(normal[2])),
        )

    @classmethod
    def from_directory(cls, directory: str | Path) -> CTReference:
        """Read the headers of every ``*.dcm`` file of a directory holding one CT series."""
        files = sorted(Path(directory).glob("*.dcm"))
        if not files:
            raise DicomInputError(
                str(directory), "contains no .dcm file", None, "give the CT folder"
            )
        return cls.from_files(files)


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
        if self.patient_position not in (
            "HFS",
            "HFP",
            "FFS",
            "FFP",
            "HFDL",
            "HFDR",
            "FFDL",
            "FFDR",
        ):
            raise InputError(
                "patient_position",
                "not a DICOM patient position",
                self.patient_position,
                "e.g. HFS",
            )


def _slice_dataset(
    patient: PatientStudy, series: CTSeriesInfo, grid: Grid, index: int, sop_instance_uid: str
) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(CT_IMAGE_STORAGE)
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
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
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stored = (volume.astype(np.int32) - _INTERCEPT).astype("<u2")
    images = []
    for index in range(grid.shape[0]):
        uid = make_uid([series.series_instance_uid, "slice", str(index)])
        ds = _slice_dataset(patient, series, grid, index, uid)
        ds.PixelData = stored[index].tobytes()
        ds.save_as(directory / f"{file_prefix}_{index + 1:04d}.dcm", enforce_file_format=True)
        position = grid.index_to_world([index, 0, 0])
        x_mm, y_mm, z_mm = (float(v) for v in position)
        images.append(CTImageRef(CT_IMAGE_STORAGE, uid, (x_mm, y_mm, z_mm)))
        if advance is not None:
            advance(1)
    normal = grid.directions[0]
    return CTReference(
        patient=patient,
        series_instance_uid=series.series_instance_uid,
        frame_of_reference_uid=grid.frame_of_reference_uid,
        images=tuple(images),
        slice_normal=(float(normal[0]), float(normal[1]), float(normal[2])),
    )
