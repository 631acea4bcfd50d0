"""Query/Retrieve identifiers (PS3.4 Annex C): what ``hccrt pull`` asks a PACS, and its answers.

The node (:mod:`hccrt.node`) sends the C-FIND and C-GET requests with pynetdicom; the
identifiers are pydicom datasets, built and read here so pydicom stays in the DICOM layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset

__all__ = ["StudyMatch", "study_find_identifier", "study_get_identifier", "study_match"]


@dataclass(frozen=True)
class StudyMatch:
    """One study a PACS reported for a C-FIND at the STUDY level.

    Attributes
    ----------
    patient_id, study_uid
        Patient ID and Study Instance UID.
    study_date, study_description, modalities
        Study Date (YYYYMMDD, ``""`` when not returned), description and Modalities in Study.
    instances
        Number of Study Related Instances (``None`` when the PACS does not say).
    """

    patient_id: str
    study_uid: str
    study_date: str
    study_description: str
    modalities: tuple[str, ...]
    instances: int | None


def study_find_identifier(patient_id: str, study_uid: str | None = None) -> Dataset:
    """The C-FIND identifier (Study Root, STUDY level) for a patient's studies (or one study)."""
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientID = patient_id
    ds.StudyInstanceUID = study_uid or ""
    ds.StudyDate = ""
    ds.StudyDescription = ""
    ds.ModalitiesInStudy = ""
    ds.NumberOfStudyRelatedInstances = ""
    return ds


def study_get_identifier(patient_id: str, study_uid: str) -> Dataset:
    """The C-GET (or C-MOVE) identifier (Study Root, STUDY level) of one study."""
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientID = patient_id
    ds.StudyInstanceUID = study_uid
    return ds


def study_match(identifier: Any) -> StudyMatch:
    """A C-FIND response identifier read as a :class:`StudyMatch`."""
    modalities = identifier.get("ModalitiesInStudy", "") or ()
    if isinstance(modalities, str):
        modalities = tuple(m for m in modalities.split("\\") if m)
    count = identifier.get("NumberOfStudyRelatedInstances", None)
    return StudyMatch(
        patient_id=str(identifier.get("PatientID", "") or ""),
        study_uid=str(identifier.get("StudyInstanceUID", "") or ""),
        study_date=str(identifier.get("StudyDate", "") or ""),
        study_description=str(identifier.get("StudyDescription", "") or ""),
        modalities=tuple(str(m) for m in modalities),
        instances=int(count) if count not in (None, "") else None,
    )
