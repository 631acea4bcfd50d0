"""The report as an Encapsulated PDF: conformant, in the case's study, the PDF intact."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from hccrt.dicom.encapsulated_pdf import ENCAPSULATED_PDF_CLASS, write_encapsulated_pdf
from hccrt.errors import InputError
from hccrt.phantom import PhantomResult
from tests.dciodvfy import dciodvfy_errors

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF"  # odd length


def test_the_object_is_dciodvfy_clean_and_keeps_the_pdf_bytes(
    tmp_path: Path, node_phantom: PhantomResult
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(PDF)
    out = tmp_path / "report.dcm"
    uid = write_encapsulated_pdf(pdf, out, node_phantom.rtstruct_path, "hccrt report")
    assert dciodvfy_errors(out) == []
    ds = pydicom.dcmread(out)
    rtstruct = pydicom.dcmread(node_phantom.rtstruct_path, stop_before_pixels=True)
    assert ds.SOPClassUID == ENCAPSULATED_PDF_CLASS
    assert ds.SOPInstanceUID == uid
    assert ds.StudyInstanceUID == rtstruct.StudyInstanceUID
    assert ds.PatientID == rtstruct.PatientID
    assert ds.SeriesInstanceUID != rtstruct.SeriesInstanceUID
    assert ds.EncapsulatedDocumentLength == len(PDF)
    assert bytes(ds.EncapsulatedDocument)[: len(PDF)] == PDF


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path, node_phantom: PhantomResult) -> None:
    text = tmp_path / "report.pdf"
    text.write_text("not a pdf")
    with pytest.raises(InputError, match="must be an existing PDF file"):
        write_encapsulated_pdf(text, tmp_path / "x.dcm", node_phantom.rtstruct_path, "t")
    assert not (tmp_path / "x.dcm").exists()
