"""Write a report as an Encapsulated PDF object (DICOM PS3.3 A.45.1) in the patient's study.

The report joins the study it was made from: patient and study attributes are copied from a
DICOM object of the case (normally its RTSTRUCT), the document gets a new series (Modality DOC).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from hccrt import __version__
from hccrt.dicom._common import file_meta, read_dataset
from hccrt.errors import InputError

__all__ = ["ENCAPSULATED_PDF_CLASS", "write_encapsulated_pdf"]

ENCAPSULATED_PDF_CLASS = "1.2.840.10008.5.1.4.1.1.104.1"
_PATIENT_STUDY = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "StudyID",
    "AccessionNumber",
    "ReferringPhysicianName",
)


def write_encapsulated_pdf(
    pdf_path: str | Path, out_path: str | Path, reference: str | Path, title: str
) -> str:
    """Wrap a PDF file in an Encapsulated PDF object of the reference object's study.

    Parameters
    ----------
    pdf_path
        The PDF report (must start with ``%PDF-``).
    out_path
        The DICOM file to write.
    reference
        A DICOM object of the case (RTSTRUCT, CT, ...): patient and study are copied from it.
    title
        Document Title (0042,0010), e.g. ``"hccrt plan evaluation"``.

    Returns
    -------
    str
        The SOPInstanceUID of the written object.

    Raises
    ------
    InputError
        The PDF file is missing or is not a PDF.
    DicomInputError
        The reference object cannot be read.
    """
    pdf = Path(pdf_path)
    document = pdf.read_bytes() if pdf.is_file() else b""
    if not document.startswith(b"%PDF-"):
        raise InputError("pdf_path", "must be an existing PDF file", str(pdf), "write the report")
    source, _ = read_dataset(
        reference, ("CT", "RTSTRUCT", "RTDOSE", "RTPLAN"), stop_before_pixels=True
    )
    meta = file_meta(ENCAPSULATED_PDF_CLASS, generate_uid())
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = ENCAPSULATED_PDF_CLASS
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    for keyword in _PATIENT_STUDY:
        setattr(ds, keyword, source.get(keyword, ""))
    now = _dt.datetime.now(_dt.UTC)
    ds.InstanceCreationDate = ds.ContentDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = ds.ContentTime = now.strftime("%H%M%S")
    ds.AcquisitionDateTime = now.strftime("%Y%m%d%H%M%S")
    ds.Modality = "DOC"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 900
    ds.Manufacturer = "hccrt"
    ds.SoftwareVersions = __version__
    ds.ConversionType = "WSD"  # workstation: made by software, not scanned
    ds.InstanceNumber = 1
    ds.BurnedInAnnotation = "YES"  # the report shows the patient's identity
    ds.DocumentTitle = title[:64]
    ds.ConceptNameCodeSequence = []
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.EncapsulatedDocumentLength = len(document)  # the PDF's own length, before padding
    ds.EncapsulatedDocument = document + b"\x00" * (len(document) % 2)  # OB: even length
    ds.save_as(Path(out_path), enforce_file_format=True)
    return str(ds.SOPInstanceUID)
