"""One row per series from the headers of a set of files (the web upload page's table)."""

from __future__ import annotations

from pathlib import Path

import pydicom

from hccrt.dicom.series import summarize_series


def test_files_of_one_series_are_one_row(shared_data: Path, tmp_path: Path) -> None:
    plan = shared_data / "breast_boost_plan"
    for index in range(3):
        dataset = pydicom.dcmread(plan / "ct.0.dcm")
        dataset.SOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[str(index)])
        dataset.save_as(tmp_path / f"slice{index}.dcm")
    files = [*sorted(tmp_path.glob("slice*.dcm")), plan / "rtdose.dcm", plan / "rtss.dcm"]
    rows = summarize_series(files)
    assert [(r.modality, r.file_count) for r in rows] == [("CT", 3), ("RTSTRUCT", 1), ("RTDOSE", 1)]
    frame = str(pydicom.dcmread(plan / "ct.0.dcm").FrameOfReferenceUID)
    assert {r.frame_of_reference_uid for r in rows} == {frame}  # RTSTRUCT: from its reference
    assert rows[1].description == "RT Structure Set"
    assert rows[0].series_uid == str(pydicom.dcmread(plan / "ct.0.dcm").SeriesInstanceUID)


def test_a_file_that_is_not_dicom_is_counted_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "notes.dcm").write_bytes(b"not a DICOM file")
    rows = summarize_series([tmp_path / "notes.dcm"])
    assert [(r.modality, r.file_count, r.frame_of_reference_uid) for r in rows] == [
        ("unreadable", 1, "")
    ]
