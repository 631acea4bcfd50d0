"""Objects that arrive over the network: their identity, checked before they are filed.

The DICOM node (:mod:`hccrt.node`) receives objects as encoded bytes (File Meta included) and
files them by patient, study and series; this module is where those bytes are read, so pydicom
stays in the DICOM layer. Only the identity is read here; the case inventory reads the filed
objects as it reads any case folder.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pydicom

from hccrt.errors import DicomInputError

__all__ = ["ObjectIdentity", "identify_bytes", "identify_file"]


@dataclass(frozen=True)
class ObjectIdentity:
    """Who and what one DICOM object is.

    Attributes
    ----------
    patient_id, study_uid, series_uid, sop_instance_uid, sop_class_uid
        Patient ID (``""`` when empty) and the Type 1 UIDs.
    modality
        Modality (CT, RTSTRUCT, RTDOSE, RTPLAN, DOC, ...).
    transfer_syntax_uid
        Transfer syntax of the encoded object.
    """

    patient_id: str
    study_uid: str
    series_uid: str
    sop_instance_uid: str
    sop_class_uid: str
    modality: str
    transfer_syntax_uid: str


def _identity(source: str, data: io.BytesIO | Path) -> ObjectIdentity:
    try:
        ds = pydicom.dcmread(data, stop_before_pixels=True)
    except Exception as error:  # pydicom raises many types for truncated or corrupt data
        raise DicomInputError(
            source, f"unreadable DICOM ({type(error).__name__}: {error})", fix="resend the object"
        ) from error
    values = {}
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID"):
        value = str(ds.get(keyword, "") or "")
        if not value:
            raise DicomInputError(
                f"{source}:{keyword}", "missing (Type 1)", fix="resend the object with its UIDs"
            )
        values[keyword] = value
    meta = getattr(ds, "file_meta", None)
    return ObjectIdentity(
        patient_id=str(ds.get("PatientID", "") or ""),
        study_uid=values["StudyInstanceUID"],
        series_uid=values["SeriesInstanceUID"],
        sop_instance_uid=values["SOPInstanceUID"],
        sop_class_uid=values["SOPClassUID"],
        modality=str(ds.get("Modality", "") or ""),
        transfer_syntax_uid=str(meta.get("TransferSyntaxUID", "")) if meta is not None else "",
    )


def identify_bytes(encoded: bytes, source: str = "received object") -> ObjectIdentity:
    """Identity of an object encoded as a DICOM file (preamble and File Meta included).

    Raises
    ------
    DicomInputError
        Unreadable bytes or a missing study/series/instance/class UID.
    """
    return _identity(source, io.BytesIO(encoded))


def identify_file(path: str | Path) -> ObjectIdentity:
    """Identity of a DICOM file (what C-STORE needs to send it)."""
    return _identity(str(path), Path(path))
