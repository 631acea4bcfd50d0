"""DICOM readers: CT, RTSTRUCT, RTDOSE, RTPLAN on generated files and the shared edge cases."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence

from hccrt.dicom import (
    check_against_series,
    read_ct_series,
    read_rtdose,
    read_rtplan,
    read_rtstruct,
)
from hccrt.errors import DicomInputError, GeometryMismatchError, InputError
from tests.dicom.factory import circle, write_ct_series, write_rtdose, write_rtstruct

EDGE = "dicom_edge_cases"


def test_ct_slices_sorted_by_position_not_file_name(tmp_path: Path) -> None:
    positions = [(0.0, 0.0, z) for z in (10.0, -5.0, 0.0, 5.0)]
    write_ct_series(tmp_path, positions)
    ct = read_ct_series(tmp_path)
    assert ct.grid.shape == (4, 4, 5)
    assert ct.grid.spacing_mm == pytest.approx((5.0, 2.0, 1.5))
    assert ct.grid.origin_mm == pytest.approx((0.0, 0.0, -5.0))
    # slice written second (n=1, z=-5) comes first: stored 1200 -> 176 HU
    assert ct.hu[:, 1, 1].tolist() == [176.0, 276.0, 376.0, 76.0]
    assert len(set(ct.sop_instance_uids)) == 4
    assert ct.patient_id == "TEST01"


def test_ct_feet_first_orientation_gives_downward_slice_axis(tmp_path: Path) -> None:
    # FFS: rows along -x, columns along +y, normal = -z; slices written at z = 0, -3, -6
    write_ct_series(tmp_path, [(0, 0, 0), (0, 0, -3), (0, 0, -6)], orientation=(-1, 0, 0, 0, 1, 0))
    ct = read_ct_series(tmp_path)
    assert ct.grid.index_to_world([2, 0, 0]) == pytest.approx([0, 0, -6])
    assert ct.grid.index_to_world([0, 0, 1]) == pytest.approx([-1.5, 0, 0])


def test_ct_rescale_slope_and_intercept(tmp_path: Path) -> None:
    write_ct_series(tmp_path, [(0, 0, 0), (0, 0, 2)], slope=0.5, intercept=-100.0)
    assert read_ct_series(tmp_path).hu[0, 1, 1] == pytest.approx(1100 * 0.5 - 100)


def test_ct_non_uniform_spacing_is_refused(tmp_path: Path) -> None:
    write_ct_series(tmp_path, [(0, 0, 0), (0, 0, 2.5), (0, 0, 7.5)])
    with pytest.raises(
        DicomInputError, match=r"slice spacing=gaps \[2.5, 5.0\] mm: must be uniform"
    ):
        read_ct_series(tmp_path)


def test_ct_duplicate_position_and_gantry_tilt_are_refused(tmp_path: Path) -> None:
    write_ct_series(tmp_path / "dup", [(0, 0, 0), (0, 0, 0), (0, 0, 2)])
    with pytest.raises(DicomInputError, match="two slices share one position"):
        read_ct_series(tmp_path / "dup")
    write_ct_series(tmp_path / "tilt", [(0, 0, 0), (0, 1.0, 2), (0, 2.0, 4)])
    with pytest.raises(DicomInputError, match="gantry tilt"):
        read_ct_series(tmp_path / "tilt")


def test_ct_two_series_need_a_choice(tmp_path: Path) -> None:
    write_ct_series(tmp_path, [(0, 0, 0), (0, 0, 2)], series="1.2.3.1")
    write_ct_series(tmp_path, [(0, 0, 10), (0, 0, 12)], series="1.2.3.2")
    with pytest.raises(DicomInputError, match="several image series"):
        read_ct_series(tmp_path)
    assert read_ct_series(tmp_path, series_instance_uid="1.2.3.2").grid.origin_mm[2] == 10.0


def test_one_slice_series_uses_slice_thickness_or_argument(tmp_path: Path) -> None:
    write_ct_series(tmp_path / "a", [(0, 0, 0)], thickness=3.0)
    assert read_ct_series(tmp_path / "a").grid.spacing_mm[0] == 3.0
    write_ct_series(tmp_path / "b", [(0, 0, 0)])
    with pytest.raises(DicomInputError, match="one-slice series needs a slice thickness"):
        read_ct_series(tmp_path / "b")
    ct = read_ct_series(tmp_path / "b", single_slice_thickness_mm=2.0)
    assert ct.grid.voxel_volume_cc == pytest.approx(2.0 * 2.0 * 1.5 / 1000)


def test_shared_mock_series_skips_rt_files_with_warnings(shared_data: Path) -> None:
    ct = read_ct_series(shared_data / EDGE / "mock_data")
    assert ct.grid.shape == (2, 512, 512)
    assert ct.grid.spacing_mm[0] == pytest.approx(5.0)
    assert sum("skipped" in w for w in ct.warnings) == 3


def test_shared_oblique_series(shared_data: Path) -> None:
    folder = shared_data / EDGE / "oriented_data"
    with pytest.raises(DicomInputError, match="FrameOfReferenceUID: missing"):
        read_ct_series(folder)
    ct = read_ct_series(folder, frame_of_reference_uid="1.2.3.4")
    assert ct.grid.spacing_mm == pytest.approx((4.5, 3.5, 2.5), abs=1e-4)
    assert ct.grid.directions[2] == pytest.approx([0.9541666, -0.2080757, 0.2151061], abs=1e-6)
    assert not ct.grid.is_axis_aligned
    assert any("FrameOfReferenceUID missing" in w for w in ct.warnings)


def test_shared_one_slice_without_thickness(shared_data: Path) -> None:
    folder = shared_data / EDGE / "one_slice_data"
    with pytest.raises(DicomInputError, match="one-slice series needs a slice thickness"):
        read_ct_series(folder, frame_of_reference_uid="1.2.3.4")
    ct = read_ct_series(folder, frame_of_reference_uid="1.2.3.4", single_slice_thickness_mm=2.0)
    assert ct.grid.shape == (1, 50, 100)


def test_rtstruct_holes_point_and_open_contours(tmp_path: Path) -> None:
    ring = [("CLOSED_PLANAR", circle(20, z)) for z in (0.0, 2.0)]
    ring += [("CLOSED_PLANAR", circle(10, z)) for z in (0.0, 2.0)]
    path = write_rtstruct(
        tmp_path / "rs.dcm",
        {
            "Liver": ring,
            "Marker": [("POINT", np.array([[0.0, 0.0, 0.0]]))],
            "Line": [("OPEN_PLANAR", circle(5, 0.0, n=4))],
        },
    )
    rs = read_rtstruct(path)
    assert rs.names == ("Liver", "Marker", "Line")
    assert len(rs.get("  liVER ").contours) == 4
    assert rs.get("marker").is_empty
    assert any("skipped 1 POINT" in w for w in rs.warnings)
    assert any("skipped 1 OPEN_PLANAR" in w for w in rs.warnings)
    with pytest.raises(InputError, match="structure=Spleen: not in the structure set; use one of"):
        rs.get("Spleen")


def test_rtstruct_contour_items_are_read_without_converting_the_rest(tmp_path: Path) -> None:
    # The reader converts only ContourGeometricType and ContourData of a ContourSequence item
    # (hccrt.dicom.rtstruct): an invalid UID in an item's ContourImageSequence, which pydicom
    # warns about when it converts it (PS3.5 9.1: digits and dots only), is never converted,
    # so the structure reads without a warning escaping (warnings are errors in the tests).
    path = write_rtstruct(
        tmp_path / "rs.dcm", {"Liver": [("CLOSED_PLANAR", circle(20, z)) for z in (0.0, 2.0)]}
    )
    dataset = pydicom.dcmread(path)
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns on setting it too
        image.ReferencedSOPInstanceUID = "1.2.3.not-a-uid"
    dataset.ROIContourSequence[0].ContourSequence[0].ContourImageSequence = DicomSequence([image])
    dataset.save_as(path)
    rs = read_rtstruct(path)
    assert len(rs.get("Liver").contours) == 2
    assert not any("Invalid value for VR UI" in w for w in rs.warnings)


def test_rtstruct_duplicate_names_are_ambiguous(tmp_path: Path) -> None:
    path = write_rtstruct(tmp_path / "rs.dcm", {"GTV": [("CLOSED_PLANAR", circle(5, 0.0))]})
    rs = read_rtstruct(path)
    twin = type(rs)(
        structures=(*rs.structures, rs.structures[0]),
        frame_of_reference_uid=rs.frame_of_reference_uid,
        referenced_series_uid=rs.referenced_series_uid,
        sop_instance_uid=rs.sop_instance_uid,
    )
    with pytest.raises(InputError, match="several ROIs have this name"):
        twin.get("gtv")


def test_shared_rtstruct_without_file_meta(shared_data: Path) -> None:
    rs = read_rtstruct(shared_data / EDGE / "pydicom" / "rtstruct.dcm")
    assert rs.names == ("patient", "Isocenter 1", "Isocenter 2")
    assert "no DICOM File Meta header" in rs.warnings[0]
    assert len(rs.get("patient").contours) == 3


def test_shared_rtstruct_reference_problems(shared_data: Path) -> None:
    ct = read_ct_series(shared_data / EDGE / "mock_data")
    missing = read_rtstruct(shared_data / EDGE / "mock_data" / "non_existent_reference_rt.dcm")
    assert missing.referenced_series_uid is None
    assert any("no referenced image series" in w for w in missing.warnings)
    notes = check_against_series(missing, ct)
    assert any("matched by Frame of Reference" in w for w in notes)
    invalid = read_rtstruct(shared_data / EDGE / "mock_data" / "invalid_reference_rt.dcm")
    notes = check_against_series(invalid, ct)
    assert any("3 referenced image(s) are not in the CT series" in w for w in notes)
    assert any("outside the CT volume" in w for w in notes)
    other_frame = read_rtstruct(shared_data / EDGE / "mock_data" / "rt.dcm")
    with pytest.raises(GeometryMismatchError, match="one Frame of Reference"):
        check_against_series(other_frame, ct)


def test_not_an_rtstruct_is_refused(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(DicomInputError, match="Modality=RTPLAN: expected RTSTRUCT"):
        read_rtstruct(shared_data / EDGE / "pydicom" / "rtplan.dcm")
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not dicom at all" * 20)
    with pytest.raises(DicomInputError, match=r"junk\.dcm"):
        read_rtstruct(junk)
    with pytest.raises(DicomInputError, match="file not found"):
        read_rtstruct(tmp_path / "missing.dcm")


def test_rtdose_relative_absolute_and_descending_offsets(tmp_path: Path) -> None:
    dose = np.arange(3 * 2 * 2, dtype=np.float64).reshape(3, 2, 2)
    relative = read_rtdose(write_rtdose(tmp_path / "r.dcm", dose, [0, 3, 6], (0, 0, -10)))
    absolute = read_rtdose(write_rtdose(tmp_path / "a.dcm", dose, [-10, -7, -4], (0, 0, -10)))
    assert relative.grid.same_geometry(absolute.grid)
    assert relative.grid.index_to_world([2, 0, 0]) == pytest.approx([0, 0, -4])
    assert np.allclose(relative.dose_gy, dose)
    assert any("absolute GridFrameOffsetVector" in w for w in absolute.warnings)
    down = read_rtdose(write_rtdose(tmp_path / "d.dcm", dose, [0, -3, -6], (0, 0, -10)))
    assert down.grid.index_to_world([2, 0, 0]) == pytest.approx([0, 0, -16])
    with pytest.raises(DicomInputError, match="frames must be uniformly spaced"):
        read_rtdose(write_rtdose(tmp_path / "n.dcm", dose, [0, 3, 7]))
    with pytest.raises(DicomInputError, match="neither 0"):
        read_rtdose(write_rtdose(tmp_path / "x.dcm", dose, [5, 8, 11], (0, 0, -10)))


def test_rtdose_relative_units_need_a_reference(shared_data: Path) -> None:
    dose = read_rtdose(shared_data / EDGE / "pydicom" / "rtdose.dcm")
    assert "Invalid value for VR UI" in dose.warnings[0]  # pydicom's warning, captured
    assert dose.dose_units == "RELATIVE"
    assert not dose.is_absolute
    assert dose.grid.shape == (15, 10, 10)
    gy = dose.to_gy(60.0, "percent")
    assert gy.dose_units == "GY"
    assert float(gy.dose_gy.max()) == pytest.approx(float(dose.values.max()) * 0.6, rel=1e-6)
    with pytest.raises(InputError, match="already GY"):
        gy.to_gy(60.0, "fraction")


def test_rtdose_one_frame_with_inconsistent_offsets(shared_data: Path) -> None:
    with pytest.raises(DicomInputError, match="one-frame dose grid needs SliceThickness"):
        read_rtdose(shared_data / EDGE / "pydicom" / "rtdose_1frame.dcm")


def test_rtdose_stored_dvhs_of_a_clinical_plan(shared_data: Path) -> None:
    dose = read_rtdose(shared_data / "breast_boost_plan" / "rtdose.dcm")
    assert dose.grid.shape == (98, 129, 194)
    assert dose.grid.spacing_mm == pytest.approx((3.0, 2.5, 2.5))
    assert dose.summation_type == "PLAN"
    assert dose.dose_type == "PHYSICAL"
    assert len(dose.stored_dvhs) == 9
    first = dose.stored_dvhs[0]
    assert first.referenced_roi_numbers == (1,)
    assert first.dvh_type == "CUMULATIVE"
    assert first.volume_units == "CM3"
    assert first.bin_edges.size == first.cumulative_volume.size + 1
    assert first.cumulative_volume[0] == pytest.approx(13944.4228874521)
    assert first.differential_volume.sum() == pytest.approx(first.cumulative_volume[0])
    assert first.maximum_dose == pytest.approx(104.862666666667)


def test_rtplan_prescription_fractions_and_beams(shared_data: Path) -> None:
    plan = read_rtplan(shared_data / "breast_boost_plan" / "rtplan.dcm")
    assert plan.prescription_dose_gy == 14.0
    assert plan.fractions == 7
    assert plan.dose_per_fraction_gy == pytest.approx(2.0)
    assert len(plan.beams) == 4
    beam = plan.beams[0]
    assert (beam.name, beam.radiation_type, beam.gantry_angle_deg) == ("3 RAO", "PHOTON", 327.0)
    assert beam.monitor_units == 97.0
    assert beam.isocentre_mm == pytest.approx((72.5304715048, -304.3445582552, -9.3092401018882))
    assert plan.beam_dose_total_gy == pytest.approx(14.0)
    assert any("several target prescription doses" in w for w in plan.warnings)


def test_rtplan_without_frame_of_reference(shared_data: Path) -> None:
    plan = read_rtplan(shared_data / EDGE / "pydicom" / "rtplan.dcm")
    assert plan.fractions == 30
    assert plan.frame_of_reference_uid == ""
    assert any("no FrameOfReferenceUID" in w for w in plan.warnings)
    assert plan.beams[0].energy == 6.0


def test_localizer_images_are_skipped(tmp_path: Path) -> None:
    import pydicom

    paths = write_ct_series(tmp_path, [(0, 0, 0), (0, 0, 2), (0, 0, 4)])
    scout = pydicom.dcmread(paths[0])
    scout.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    scout.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
    scout.SOPInstanceUID = scout.file_meta.MediaStorageSOPInstanceUID = (
        "1.2.826.0.1.3680043.8.498.9"
    )
    scout.save_as(tmp_path / "scout.dcm", enforce_file_format=True)
    ct = read_ct_series(tmp_path)
    assert ct.grid.shape[0] == 3
    assert any("localizer" in w for w in ct.warnings)
