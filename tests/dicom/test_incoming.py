"""Identity of received objects: read from the encoded bytes; damaged objects refused."""

from __future__ import annotations

import io
from pathlib import Path

import pydicom
import pytest

from hccrt.dicom.incoming import identify_bytes, identify_file
from hccrt.errors import DicomInputError
from hccrt.phantom import PhantomResult


def test_bytes_and_file_give_the_same_identity(node_phantom: PhantomResult) -> None:
    path = node_phantom.rtstruct_path
    identity = identify_bytes(path.read_bytes())
    assert identity == identify_file(path)
    assert identity.modality == "RTSTRUCT"
    assert identity.sop_class_uid == "1.2.840.10008.5.1.4.1.1.481.3"
    assert identity.patient_id == "PHANTOM-3"


def test_an_object_without_its_series_uid_is_refused(node_phantom: PhantomResult) -> None:
    ds = pydicom.dcmread(node_phantom.rtstruct_path)
    del ds.SeriesInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    with pytest.raises(DicomInputError, match="C-STORE from X:SeriesInstanceUID: missing"):
        identify_bytes(buffer.getvalue(), "C-STORE from X")


def test_garbage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DicomInputError, match="unreadable DICOM"):
        identify_bytes(b"\x00" * 200)
