"""De-identification of DICOM files on export (DICOM PS3.15 Annex E, basic profile subset).

What is done to every data set, recursively through sequences:

- PatientName and PatientID become the case label (the clinic's pseudonym);
- every other person name (VR PN: physicians, operators, reviewers, ROI interpreters) is emptied;
- the identifying attributes of :data:`EMPTIED` are emptied and those of :data:`REMOVED` removed
  (birth date, addresses, other IDs, institution, station, accession number, ...);
- all dates, times and date-times (VR DA, TM, DT) are emptied;
- private tags are removed;
- PatientIdentityRemoved = YES and DeidentificationMethod names this profile.

UIDs are kept (PS3.15 "Retain UIDs" option) so the RTSTRUCT still references its CT and every
object keeps its Frame of Reference; geometry, doses and contours are untouched. Burned-in text in
pixel data is not inspected: CT images with burned-in annotations need a separate review.

This module is the only place outside :mod:`hccrt.dicom` that reads DICOM with pydicom; it
belongs to export and depends on nothing else of the web app.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

METHOD = "hccrt PS3.15 basic subset, retain UIDs"

EMPTIED = (
    "PatientBirthDate",
    "PatientSex",
    "AccessionNumber",
    "StudyID",
    "ReferringPhysicianName",
)
REMOVED = (
    "PatientAddress",
    "PatientTelephoneNumbers",
    "PatientBirthTime",
    "PatientBirthName",
    "PatientMotherBirthName",
    "OtherPatientIDs",
    "OtherPatientIDsSequence",
    "OtherPatientNames",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "MedicalRecordLocator",
    "EthnicGroup",
    "Occupation",
    "AdditionalPatientHistory",
    "PatientComments",
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "StationName",
    "DeviceSerialNumber",
    "RequestingPhysician",
    "PhysiciansOfRecord",
    "PerformingPhysicianName",
    "NameOfPhysiciansReadingStudy",
    "OperatorsName",
    "RequestAttributesSequence",
    "StudyDescription",
    "SeriesDescription",
    "ReferencedPatientSequence",
    "IssuerOfPatientID",
)
_TEMPORAL = frozenset({"DA", "TM", "DT"})


def _clean(dataset: Dataset) -> None:
    for keyword in REMOVED:
        if keyword in dataset:
            delattr(dataset, keyword)
    for keyword in EMPTIED:
        if keyword in dataset:
            dataset.data_element(keyword).value = ""  # type: ignore[union-attr]

    def visit(_ds: Dataset, element: DataElement) -> None:
        if element.VR == "PN" or element.VR in _TEMPORAL:
            element.value = ""

    dataset.walk(visit)


def deidentify_bytes(data: bytes, pseudonym: str) -> bytes:
    """A de-identified copy of one DICOM Part 10 file (see the module docstring)."""
    dataset = pydicom.dcmread(io.BytesIO(data), force=False)
    dataset.remove_private_tags()
    _clean(dataset)
    dataset.PatientName = pseudonym
    dataset.PatientID = pseudonym
    dataset.PatientIdentityRemoved = "YES"
    dataset.DeidentificationMethod = METHOD
    out = io.BytesIO()
    dataset.save_as(out, enforce_file_format=True)
    return out.getvalue()


def identifying_values(data: bytes) -> Iterable[str]:
    """Person names and patient identifiers left in a file (for checks after export)."""
    dataset = pydicom.dcmread(io.BytesIO(data))
    found: list[str] = []

    def visit(_ds: Dataset, element: DataElement) -> None:
        if element.VR == "PN" and str(element.value):
            found.append(f"{element.keyword}={element.value}")

    dataset.walk(visit)
    return found
