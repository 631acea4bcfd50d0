"""Case-folder inventory: modality sorting, Frame of Reference and reference checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from hccrt.dicom.case import inventory_case
from hccrt.errors import DicomInputError, GeometryMismatchError, InputError

SOP_CLASS = {
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "RTSTRUCT": "1.2.840.10008.5.1.4.1.1.481.3",
    "RTDOSE": "1.2.840.10008.5.1.4.1.1.481.2",
    "RTPLAN": "1.2.840.10008.5.1.4.1.1.481.5",
    "MR": "1.2.840.10008.5.1.4.1.1.4",
}


def write_header(path: Path, modality: str, frame: str, series: str, **extra: object) -> Path:
    """Write a header-only DICOM object of the given modality."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SOP_CLASS[modality]
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SOP_CLASS[modality]
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.SeriesInstanceUID = series
    if modality == "RTSTRUCT":
        referenced = Dataset()
        referenced.SeriesInstanceUID = str(extra.pop("referenced_series"))
        study = Dataset()
        study.RTReferencedSeriesSequence = [referenced]
        item = Dataset()
        item.FrameOfReferenceUID = frame
        item.RTReferencedStudySequence = [study]
        ds.ReferencedFrameOfReferenceSequence = [item]
    else:
        ds.FrameOfReferenceUID = frame
    for key, value in extra.items():
        setattr(ds, key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, str, str]:
    frame, ct_series = generate_uid(), generate_uid()
    for index in range(3):
        write_header(tmp_path / "images" / f"ct{index}.dcm", "CT", frame, ct_series)
    write_header(
        tmp_path / "rs.dcm", "RTSTRUCT", frame, generate_uid(), referenced_series=ct_series
    )
    write_header(tmp_path / "dose" / "rd1.dcm", "RTDOSE", frame, generate_uid())
    write_header(tmp_path / "dose" / "rd2.dcm", "RTDOSE", frame, generate_uid())
    write_header(tmp_path / "rp.dcm", "RTPLAN", frame, generate_uid())
    (tmp_path / "patient.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("free text")
    (tmp_path / "scan.bin").write_bytes(b"\x00\x01 not an image" * 10)
    return tmp_path, frame, ct_series


def test_sorts_by_modality_and_frame(case: tuple[Path, str, str]) -> None:
    folder, frame, ct_series = case
    inventory = inventory_case(folder)
    assert inventory.modalities == {"CT": 3, "RTSTRUCT": 1, "RTDOSE": 2, "RTPLAN": 1}
    assert inventory.frame_of_reference_uid == frame
    assert inventory.ct_series_uid == ct_series
    assert inventory.patient_record == folder / "patient.json"
    assert any("scan.bin: skipped, not a DICOM file" in w for w in inventory.warnings)
    assert not any("notes.txt" in w for w in inventory.warnings)


def test_unsupported_modality_and_unreferenced_series_are_reported(
    case: tuple[Path, str, str],
) -> None:
    folder, frame, _ = case
    write_header(folder / "mr.dcm", "MR", frame, generate_uid())
    write_header(folder / "other_ct.dcm", "CT", frame, "1.2.3.999")
    inventory = inventory_case(folder)
    assert any("modality MR not used" in w for w in inventory.warnings)
    assert any("1.2.3.999" in w and "not referenced" in w for w in inventory.warnings)
    assert inventory.modalities["CT"] == 3


def test_two_frames_of_reference_are_refused(case: tuple[Path, str, str]) -> None:
    folder, _, _ = case
    write_header(folder / "dose" / "foreign.dcm", "RTDOSE", "1.2.3.4.5", generate_uid())
    with pytest.raises(GeometryMismatchError, match="mixes 2 Frames of Reference"):
        inventory_case(folder)


def test_rtstruct_referencing_another_ct_is_refused(tmp_path: Path) -> None:
    frame = generate_uid()
    write_header(tmp_path / "ct.dcm", "CT", frame, generate_uid())
    write_header(tmp_path / "rs.dcm", "RTSTRUCT", frame, generate_uid(), referenced_series="9.9")
    with pytest.raises(DicomInputError, match="references a CT series that is not in the case"):
        inventory_case(tmp_path)


def test_corrupt_dicom_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.dcm").write_bytes(b"not dicom at all" * 20)
    with pytest.raises(DicomInputError, match=r"broken\.dcm: not a DICOM file"):
        inventory_case(tmp_path)


def test_truncated_dicom_file_is_named(tmp_path: Path) -> None:
    good = write_header(tmp_path / "src" / "ct.dcm", "CT", generate_uid(), generate_uid())
    data = good.read_bytes()
    good.unlink()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) // 2 + 40])
    with pytest.raises(DicomInputError, match=r"cut\.dcm: unreadable DICOM"):
        inventory_case(tmp_path)


def test_missing_folder_and_two_plans(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must be an existing folder"):
        inventory_case(tmp_path / "absent")
    frame = generate_uid()
    write_header(tmp_path / "a.dcm", "RTPLAN", frame, generate_uid())
    write_header(tmp_path / "b.dcm", "RTPLAN", frame, generate_uid())
    with pytest.raises(DicomInputError, match="more than one RTPLAN"):
        inventory_case(tmp_path)


def test_empty_folder_has_nothing(tmp_path: Path) -> None:
    inventory = inventory_case(tmp_path)
    assert inventory.patient_record is None
    assert inventory.frame_of_reference_uid == ""
    assert pydicom.__version__.startswith("3")


def test_case_reached_through_dotdot_or_under_a_dot_folder(
    case: tuple[Path, str, str], tmp_path: Path
) -> None:
    # Issue 15 item 16: "any case path with `..` or a dot-folder in it finds no DICOM".
    folder, _, _ = case
    (folder / "images" / ".hidden.dcm").write_bytes(b"skipped: hidden inside the case")
    through_dotdot = folder / "images" / ".." / "."
    assert inventory_case(through_dotdot).modalities == {
        "CT": 3, "RTSTRUCT": 1, "RTDOSE": 2, "RTPLAN": 1
    }  # fmt: skip
    hidden_parent = tmp_path.parent / f".{tmp_path.name}-cache"
    shutil.copytree(folder, hidden_parent / "case")
    try:
        assert inventory_case(hidden_parent / "case").modalities["CT"] == 3
    finally:
        shutil.rmtree(hidden_parent)
