"""Case inventory with a second Frame of Reference: refused without a REG, accepted with one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom.case import inventory_case
from hccrt.dicom.ct_reference import CTImageRef, CTReference, PatientStudy
from hccrt.dicom.ct_writer import CTSeriesInfo, write_ct_series
from hccrt.dicom.mr_writer import MRSeriesInfo, write_mr_series
from hccrt.dicom.rtstruct_writer import build_rtstruct, write_rtstruct
from hccrt.dicom.spatial_registration import (
    SeriesReference,
    SpatialRegistration,
    write_spatial_registration,
)
from hccrt.errors import GeometryMismatchError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid


@pytest.fixture
def case(tmp_path: Path) -> Path:
    patient = PatientStudy("TEST^FRAMES", "F-1", "1.2.4.10")
    ct_grid = Grid.from_spacing((3, 4, 4), (3.0, 2.0, 2.0), (0.0, 0.0, 0.0), "1.2.4.1")
    mr_grid = Grid.from_spacing((3, 4, 4), (4.0, 2.0, 2.0), (0.0, 0.0, 0.0), "1.2.4.2")
    write_ct_series(
        np.zeros(ct_grid.shape, np.int16),
        ct_grid,
        tmp_path / "CT",
        patient,
        CTSeriesInfo("1.2.4.11"),
    )
    write_mr_series(
        np.ones(mr_grid.shape, np.uint16),
        mr_grid,
        tmp_path / "MR",
        patient,
        MRSeriesInfo("1.2.4.21"),
    )
    return tmp_path


def test_mr_in_another_frame_without_a_registration_is_refused(case: Path) -> None:
    with pytest.raises(GeometryMismatchError, match=r"mixes 2 Frames of Reference.*hccrt register"):
        inventory_case(case)


def test_a_structure_set_on_the_mr_without_a_registration_names_the_fix(case: Path) -> None:
    mr = CTReference.from_files(sorted((case / "CT").glob("*.dcm")))  # shape of a reference
    mr_reference = SeriesReference.from_directory(case / "MR")
    square = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [4.0, 4.0, 0.0], [0.0, 4.0, 0.0]])
    structure = StructureContours(
        "GTV_MR", 1, mr_reference.frame_of_reference_uid, (PlanarContour(square),)
    )
    images = tuple(
        CTImageRef(sop_class, uid, (0.0, 0.0, 4.0 * n))
        for n, (sop_class, uid) in enumerate(mr_reference.images)
    )
    on_mr = replace(
        mr,
        series_instance_uid=mr_reference.series_instance_uid,
        frame_of_reference_uid=mr_reference.frame_of_reference_uid,
        images=images,
    )
    write_rtstruct(build_rtstruct(on_mr, [structure]), case / "MR_RS.dcm")
    write_rtstruct(build_rtstruct(mr, []), case / "RS.dcm")
    with pytest.raises(GeometryMismatchError, match="hccrt register"):
        inventory_case(case)


def test_a_registration_links_the_mr_frame(case: Path) -> None:
    fixed = SeriesReference.from_directory(case / "CT")
    moving = SeriesReference.from_directory(case / "MR")
    write_spatial_registration(SpatialRegistration(fixed, moving, np.eye(4)), case / "REG.dcm")
    inventory = inventory_case(case)
    assert inventory.frame_of_reference_uid == "1.2.4.1"
    assert inventory.registrations == (case / "REG.dcm",)
    assert len(inventory.registered_files) == 3
    assert len(inventory.ct_files) == 3


def test_a_registration_of_the_ct_onto_the_mr_is_refused(case: Path) -> None:
    fixed = SeriesReference.from_directory(case / "MR")
    moving = SeriesReference.from_directory(case / "CT")
    write_spatial_registration(SpatialRegistration(fixed, moving, np.eye(4)), case / "REG.dcm")
    with pytest.raises(GeometryMismatchError, match="the CT must be the fixed series"):
        inventory_case(case)


def _pet_case(case: Path) -> Path:
    import shutil
    from datetime import datetime

    from hccrt.dicom.pet_writer import PETSeriesInfo, write_pet_series

    shutil.rmtree(case / "MR")
    grid = Grid.from_spacing((3, 4, 4), (4.0, 4.0, 4.0), (0.0, 0.0, 0.0), "1.2.4.3")
    series = PETSeriesInfo(
        "1.2.4.31", datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 8), 2.5e8, 70.0
    )
    write_pet_series(
        np.ones(grid.shape),
        grid,
        case / "PT",
        PatientStudy("TEST^FRAMES", "F-1", "1.2.4.12"),
        series,
    )
    return case


def test_a_pet_in_another_frame_needs_a_registration(case: Path) -> None:
    _pet_case(case)
    with pytest.raises(GeometryMismatchError, match=r"mixes 2 Frames of Reference.*PET or CBCT"):
        inventory_case(case)
    fixed = SeriesReference.from_directory(case / "CT")
    moving = SeriesReference.from_directory(case / "PT")
    assert moving.modality == "PT"
    write_spatial_registration(SpatialRegistration(fixed, moving, np.eye(4)), case / "REG.dcm")
    inventory = inventory_case(case)
    assert len(inventory.registered_files) == 3
    assert any("3 PT file(s)" in w for w in inventory.warnings)
