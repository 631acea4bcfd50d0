"""RTSTRUCT writer: new structure sets and copies with added ROIs, read back with pydicom."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from hccrt.dicom.ct_writer import CTReference, CTSeriesInfo, PatientStudy, make_uid, write_ct_series
from hccrt.dicom.rtstruct import read_rtstruct
from hccrt.dicom.rtstruct_items import CONTOUR_DATA
from hccrt.dicom.rtstruct_writer import add_rois, add_structures, build_rtstruct, write_rtstruct
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid

FOR = make_uid(["rt-for"])


def _square(z_mm: float, half_mm: float) -> PlanarContour:
    h = half_mm
    return PlanarContour(np.array([[-h, -h, z_mm], [h, -h, z_mm], [h, h, z_mm], [-h, h, z_mm]]))


def _roi(name: str, number: int, half_mm: float, frame: str = FOR) -> StructureContours:
    contours = tuple(_square(z, half_mm) for z in (0.0, 3.0, 6.0))
    return StructureContours(name, number, frame, contours, (255, 0, 0), "ORGAN")


@pytest.fixture
def ct(tmp_path: Path) -> CTReference:
    grid = Grid.from_spacing((3, 8, 8), (3.0, 5.0, 5.0), (-17.5, -17.5, 0.0), FOR)
    patient = PatientStudy("TEST^RS", "RS-1", make_uid(["rs-study"]), "20260105", "100000")
    hu = np.zeros((3, 8, 8), dtype=np.int16)
    return write_ct_series(hu, grid, tmp_path / "CT", patient, CTSeriesInfo(make_uid(["rs-ct"])))


def test_new_structure_set_references_every_image(ct: CTReference, tmp_path: Path) -> None:
    ds = build_rtstruct(
        ct,
        [_roi("Liver", 1, 10.0), _roi("GTV", 2, 4.0)],
        structure_set_datetime=datetime(2026, 1, 5),
    )
    path = write_rtstruct(ds, tmp_path / "rs.dcm")
    back = pydicom.dcmread(path)
    assert back.file_meta.MediaStorageSOPClassUID == "1.2.840.10008.5.1.4.1.1.481.3"
    assert [r.ROIName for r in back.StructureSetROISequence] == ["Liver", "GTV"]
    assert back.PatientID == "RS-1"
    assert back.StudyInstanceUID == ct.study_instance_uid
    frame = back.ReferencedFrameOfReferenceSequence[0]
    assert frame.FrameOfReferenceUID == FOR
    series = frame.RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == ct.series_instance_uid
    assert [i.ReferencedSOPInstanceUID for i in series.ContourImageSequence] == [
        i.sop_instance_uid for i in ct.images
    ]
    for k, item in enumerate(back.ROIContourSequence[0].ContourSequence):
        assert (
            item.ContourImageSequence[0].ReferencedSOPInstanceUID == ct.images[k].sop_instance_uid
        )
        np.testing.assert_allclose(
            np.asarray(item.ContourData, float).reshape(-1, 3), _square(3.0 * k, 10.0).points_mm
        )
    read = read_rtstruct(path)  # the project's reader agrees
    assert read.get("GTV").contours[0].area_mm2 == pytest.approx(64.0)


def test_add_structures_keeps_originals_and_numbers_new_rois(
    ct: CTReference, tmp_path: Path
) -> None:
    original = build_rtstruct(ct, [_roi("Liver", 1, 10.0), _roi("GTV", 2, 4.0)])
    source = write_rtstruct(original, tmp_path / "rs.dcm")
    added = add_structures(source, [_roi("PTV", 2, 8.0), _roi("Ring", 7, 9.0)], ct)
    assert added.SOPInstanceUID != original.SOPInstanceUID
    assert added.SeriesInstanceUID == original.SeriesInstanceUID
    assert [(r.ROIName, r.ROINumber) for r in added.StructureSetROISequence] == [
        ("Liver", 1),
        ("GTV", 2),
        ("PTV", 3),
        ("Ring", 7),
    ]
    assert added.ROIContourSequence[:2] == original.ROIContourSequence[:2]
    new_ref = added.ROIContourSequence[2].ContourSequence[1].ContourImageSequence[0]
    assert new_ref.ReferencedSOPInstanceUID == ct.images[1].sop_instance_uid
    assert len(pydicom.dcmread(source).StructureSetROISequence) == 2  # input untouched
    # Without the CT, images are found through the existing contours of the same plane.
    uid = add_rois(source, [_roi("PTV", 3, 8.0)], tmp_path / "rs2.dcm")
    again = pydicom.dcmread(tmp_path / "rs2.dcm")
    assert again.SOPInstanceUID == uid
    item = again.ROIContourSequence[2].ContourSequence[2]
    assert item.ContourImageSequence[0].ReferencedSOPInstanceUID == ct.images[2].sop_instance_uid


def test_writer_refuses_inconsistent_input(ct: CTReference, tmp_path: Path) -> None:
    with pytest.raises(GeometryMismatchError, match="FrameOfReferenceUID"):
        build_rtstruct(ct, [_roi("Liver", 1, 10.0, frame="1.2.3.4")])
    with pytest.raises(InputError, match=r"ROIName.*unique"):
        build_rtstruct(ct, [_roi("Liver", 1, 10.0), _roi("Liver", 2, 5.0)])
    with pytest.raises(InputError, match=r"ROINumber.*unique"):
        build_rtstruct(ct, [_roi("Liver", 1, 10.0), _roi("GTV", 1, 5.0)])
    source = write_rtstruct(build_rtstruct(ct, [_roi("Liver", 1, 10.0)]), tmp_path / "rs.dcm")
    with pytest.raises(InputError, match="already in the structure set"):
        add_structures(source, [_roi("Liver", 5, 3.0)])
    other = CTReference(ct.patient, make_uid(["other"]), FOR, ct.images, ct.slice_normal)
    with pytest.raises(GeometryMismatchError, match="not the series the RTSTRUCT references"):
        add_structures(source, [_roi("GTV", 5, 3.0)], other)


def _bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_add_structures_leaves_the_dataset_passed_in_unmodified(
    ct: CTReference, tmp_path: Path
) -> None:
    original = build_rtstruct(ct, [_roi("Liver", 1, 10.0), _roi("GTV", 2, 4.0)])
    before = _bytes(original)
    sop_uid = str(original.SOPInstanceUID)
    added = add_structures(original, [_roi("PTV", 1, 8.0)], ct, sop_instance_uid="1.2.826.0.1")
    write_rtstruct(added, tmp_path / "added.dcm")  # writing the copy must not touch the source
    assert _bytes(original) == before
    assert original.SOPInstanceUID == sop_uid
    assert original.file_meta.MediaStorageSOPInstanceUID == sop_uid
    assert len(original.StructureSetROISequence) == 2
    back = pydicom.dcmread(tmp_path / "added.dcm")
    assert back.SOPInstanceUID == back.file_meta.MediaStorageSOPInstanceUID == "1.2.826.0.1"
    assert [(r.ROIName, r.ROINumber) for r in back.StructureSetROISequence] == [
        ("Liver", 1),
        ("GTV", 2),
        ("PTV", 3),
    ]
    assert [o.ReferencedROINumber for o in back.RTROIObservationsSequence] == [1, 2, 3]
    assert back.ReferencedFrameOfReferenceSequence == original.ReferencedFrameOfReferenceSequence
    assert back.SeriesInstanceUID == original.SeriesInstanceUID
    assert back.ROIContourSequence[:2] == original.ROIContourSequence[:2]
    read = read_rtstruct(tmp_path / "added.dcm")
    assert read.get("PTV").contours[0].area_mm2 == pytest.approx(256.0)
    assert read.get("Liver").contours[2].area_mm2 == pytest.approx(400.0)


def test_plane_lookup_without_ct_does_not_decode_existing_contours(
    ct: CTReference, tmp_path: Path
) -> None:
    source = write_rtstruct(build_rtstruct(ct, [_roi("Liver", 1, 10.0)]), tmp_path / "rs.dcm")
    raw = pydicom.dcmread(source)
    added = add_structures(raw, [_roi("PTV", 2, 8.0)])
    contours = raw.ROIContourSequence[0].ContourSequence
    assert all(isinstance(c.get_item(CONTOUR_DATA), RawDataElement) for c in contours)
    decoded = pydicom.dcmread(source)
    for item in decoded.ROIContourSequence[0].ContourSequence:
        assert len(item.ContourData) == 12  # decode: the lookup must read decoded values too
    again = add_structures(decoded, [_roi("PTV", 2, 8.0)])
    for result in (added, again):
        refs = [
            c.ContourImageSequence[0].ReferencedSOPInstanceUID
            for c in result.ROIContourSequence[1].ContourSequence
        ]
        assert refs == [image.sop_instance_uid for image in ct.images]


def test_add_structures_to_a_dataset_without_roi_sequences(ct: CTReference) -> None:
    empty = build_rtstruct(ct, [])
    for name in ("StructureSetROISequence", "ROIContourSequence", "RTROIObservationsSequence"):
        del empty[name]
    added = add_structures(empty, [_roi("GTV", 0, 4.0)], ct)
    assert [(r.ROIName, r.ROINumber) for r in added.StructureSetROISequence] == [("GTV", 1)]
    assert "StructureSetROISequence" not in empty
