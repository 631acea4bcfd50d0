"""Identity and image references of a CT series: what objects pointing at CT images need.

:class:`PatientStudy` holds the patient/study identity shared by every object of a study;
:class:`CTReference` adds the series and Frame of Reference UIDs and each image's SOP Class/
Instance UID and position. A reference comes back from
:func:`hccrt.dicom.ct_writer.write_ct_series` or is read from the headers of existing files with
:meth:`CTReference.from_files` (pixels are not loaded).

References
----------
DICOM PS3.3 C.7.1.1 (Patient), C.7.2.1 (General Study), C.7.6.2 (Image Plane),
C.7.4.1 (Frame of Reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from hccrt.dicom._common import read_dataset
from hccrt.errors import DicomInputError, InputError


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


__all__ = ["CTImageRef", "CTReference", "PatientStudy"]
