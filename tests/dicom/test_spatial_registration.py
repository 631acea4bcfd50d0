"""Spatial Registration / Deformable Spatial Registration: dciodvfy-clean and read back equal."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom.ct_reference import PatientStudy
from hccrt.dicom.ct_writer import CTSeriesInfo, write_ct_series
from hccrt.dicom.mr_writer import MRSeriesInfo, write_mr_series
from hccrt.dicom.spatial_registration import (
    DeformationField,
    SeriesReference,
    SpatialRegistration,
    check_series,
    read_spatial_registration,
    write_spatial_registration,
)
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.phantom.mr import rotation_matrix
from tests.dciodvfy import dciodvfy_errors

MOMENT = datetime(2026, 1, 5, 10, 0, 0)


@pytest.fixture
def series(tmp_path: Path) -> tuple[SeriesReference, SeriesReference]:
    ct_grid = Grid.from_spacing((4, 8, 8), (3.0, 2.0, 2.0), (-8.0, -8.0, -6.0), "1.2.3.1")
    mr_grid = Grid.from_spacing((3, 6, 6), (4.0, 2.5, 2.5), (-7.0, -7.0, -4.0), "1.2.3.2")
    ct_patient = PatientStudy("TEST^REG", "REG-1", "1.2.3.10", "20260105", "093000")
    mr_patient = PatientStudy("TEST^REG", "REG-1", "1.2.3.20", "20260104", "093000")
    write_ct_series(
        np.zeros(ct_grid.shape, np.int16),
        ct_grid,
        tmp_path / "CT",
        ct_patient,
        CTSeriesInfo("1.2.3.11"),
    )
    write_mr_series(
        np.ones(mr_grid.shape, np.uint16),
        mr_grid,
        tmp_path / "MR",
        mr_patient,
        MRSeriesInfo("1.2.3.21"),
    )
    return (
        SeriesReference.from_directory(tmp_path / "CT"),
        SeriesReference.from_directory(tmp_path / "MR"),
    )


def _matrix() -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, :3] = rotation_matrix((3.0, -4.0, 2.5))
    matrix[:3, 3] = (5.5, -12.25, 8.0)
    return matrix


def test_rigid_registration_is_clean_and_reads_back(
    series: tuple[SeriesReference, SeriesReference], tmp_path: Path
) -> None:
    fixed, moving = series
    path = write_spatial_registration(
        SpatialRegistration(fixed, moving, _matrix(), description="test"),
        tmp_path / "REG.dcm",
        content_datetime=MOMENT,
    )
    assert dciodvfy_errors(path) == []
    back = read_spatial_registration(path)
    np.testing.assert_allclose(back.moving_to_fixed, _matrix(), atol=1e-9)
    assert back.fixed.series_instance_uid == "1.2.3.11"
    assert back.moving.series_instance_uid == "1.2.3.21"
    assert back.moving.frame_of_reference_uid == "1.2.3.2"
    assert {uid for _, uid in back.moving.images} == {uid for _, uid in moving.images}


def test_deformable_registration_is_clean_and_reads_back(
    series: tuple[SeriesReference, SeriesReference], tmp_path: Path
) -> None:
    fixed, moving = series
    grid = Grid.from_spacing((3, 4, 5), (4.0, 4.0, 4.0), (-8.0, -8.0, -8.0), "1.2.3.1")
    vectors = np.random.default_rng(1).normal(0, 2, (*grid.shape, 3)).astype(np.float32)
    pre = np.linalg.inv(_matrix())
    path = write_spatial_registration(
        SpatialRegistration(fixed, moving, _matrix(), DeformationField(grid, vectors, pre)),
        tmp_path / "DREG.dcm",
    )
    assert dciodvfy_errors(path) == []
    back = read_spatial_registration(path)
    assert back.deformation is not None
    np.testing.assert_array_equal(back.deformation.vectors_mm, vectors)
    assert back.deformation.grid.same_geometry(grid)
    np.testing.assert_allclose(back.moving_to_fixed, _matrix(), atol=1e-9)
    assert back.fixed.series_instance_uid == "1.2.3.11"


def test_non_rigid_matrix_same_frame_and_unknown_series_are_refused(
    series: tuple[SeriesReference, SeriesReference],
) -> None:
    fixed, moving = series
    scaled = np.diag([1.1, 1.0, 1.0, 1.0])
    with pytest.raises(InputError, match="must be RIGID"):
        SpatialRegistration(fixed, moving, scaled)
    with pytest.raises(InputError, match="same Frame of Reference"):
        SpatialRegistration(fixed, fixed, np.eye(4))
    registration = SpatialRegistration(fixed, moving, _matrix())
    with pytest.raises(InputError, match="references a moving series/frame that is not given"):
        check_series(registration, [fixed])
