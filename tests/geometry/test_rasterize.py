"""Contours -> fractional occupancy and volumes: exact squares, holes, end caps, spheres, speed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom import read_rtdose, read_rtstruct
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry import (
    Grid,
    PlanarContour,
    StructureContours,
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)
from tests.geometry.shapes import FRAME, ellipsoid_structure


def square(x0: float, x1: float, y0: float, y1: float, z: float) -> PlanarContour:
    return PlanarContour(np.array([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]]))


def grid_1mm(shape: tuple[int, int, int] = (5, 10, 10), dz: float = 2.0) -> Grid:
    return Grid.from_spacing(shape, (dz, 1.0, 1.0), (0.0, 0.0, 0.0), FRAME)


def test_voxel_aligned_square_is_exact() -> None:
    # voxel i covers [i-0.5, i+0.5]: the square covers columns 2-5 and rows 3-4 exactly
    structure = StructureContours("Box", 1, FRAME, (square(1.5, 5.5, 2.5, 4.5, 4.0),))
    occupancy = structure_occupancy(structure, grid_1mm())
    assert occupancy[2].sum() == pytest.approx(8.0)
    assert set(np.unique(occupancy).tolist()) == {0.0, 1.0}
    assert occupancy[2, 3:5, 2:6].min() == 1.0
    assert structure_volume_cc_from_mask(occupancy, grid_1mm()) == pytest.approx(8 * 2 / 1000)


def test_partial_voxels_get_their_area_fraction() -> None:
    structure = StructureContours("Box", 1, FRAME, (square(2.0, 4.0, 2.0, 3.0, 4.0),))
    occupancy = structure_occupancy(structure, grid_1mm(), subsamples=4)
    # x in [2, 4]: column 2 half, column 3 full, column 4 half; y in [2, 3]: rows 2 and 3 half
    assert occupancy[2, 2, 2:5].tolist() == pytest.approx([0.25, 0.5, 0.25])
    assert occupancy[2].sum() == pytest.approx(2.0)


def test_nested_polygon_is_a_hole() -> None:
    outer = square(0.5, 8.5, 0.5, 8.5, 4.0)
    inner = square(2.5, 6.5, 2.5, 6.5, 4.0)
    structure = StructureContours("Ring", 1, FRAME, (outer, inner))
    occupancy = structure_occupancy(structure, grid_1mm())
    assert occupancy[2].sum() == pytest.approx(64 - 16)
    assert occupancy[2, 4, 4] == 0.0
    volume = structure_volume_cc_from_polygons(structure, single_plane_thickness_mm=2.0)
    assert volume == pytest.approx(48 * 2 / 1000)


def test_half_slice_end_caps_and_gaps() -> None:
    planes = [square(0.5, 4.5, 0.5, 4.5, z) for z in (0.0, 2.0, 4.0, 12.0, 14.0)]
    structure = StructureContours("Two parts", 1, FRAME, tuple(planes))
    # nominal spacing 2 mm; the 8 mm gap is a gap: every plane stands for 2 mm
    assert structure_volume_cc_from_polygons(structure) == pytest.approx(5 * 16 * 2 / 1000)
    grid = Grid.from_spacing((20, 6, 6), (1.0, 1.0, 1.0), (0.0, 0.0, -2.0), FRAME)
    occupancy = structure_occupancy(structure, grid)
    per_slice = occupancy.sum(axis=(1, 2))
    # slab of z=0 is [-1, 1]: grid slices at z=-1 (half), 0 (full), 1 (half)
    assert per_slice[:5].tolist() == pytest.approx([0.0, 8.0, 16.0, 16.0, 16.0])
    assert per_slice[5:10].tolist() == pytest.approx([16.0, 16.0, 8.0, 0.0, 0.0])
    assert per_slice[12:18].tolist() == pytest.approx([0.0, 8.0, 16.0, 16.0, 16.0, 8.0])
    assert structure_volume_cc_from_mask(occupancy, grid) == pytest.approx(0.16)


def test_centre_mode_is_binary_in_z() -> None:
    structure = StructureContours("Box", 1, FRAME, (square(0.5, 4.5, 0.5, 4.5, 0.0),))
    grid = Grid.from_spacing((5, 6, 6), (1.0, 1.0, 1.0), (0.0, 0.0, -2.0), FRAME)
    centre = structure_occupancy(structure, grid, axial="centre", single_plane_thickness_mm=3.0)
    assert centre.sum(axis=(1, 2)).tolist() == [0.0, 16.0, 16.0, 16.0, 0.0]
    with pytest.raises(InputError, match="one-plane structure has no thickness"):
        structure_volume_cc_from_polygons(structure)
    assert structure_volume_cc_from_polygons(structure, single_plane_thickness_mm=3.0) == 0.048


@pytest.mark.parametrize("slice_mm", [1.0, 2.5, 3.0])
def test_sphere_mask_matches_polygon_volume(slice_mm: float) -> None:
    sphere = ellipsoid_structure((20.0, 20.0, 20.0), slice_mm)
    grid = Grid.from_spacing((60, 50, 50), (slice_mm, 1.0, 1.0), (-25, -25, -30 * slice_mm), FRAME)
    polygons = structure_volume_cc_from_polygons(sphere)
    mask = structure_volume_cc_from_mask(structure_occupancy(sphere, grid), grid)
    assert mask == pytest.approx(polygons, rel=2e-3)
    assert polygons == pytest.approx(4 / 3 * np.pi * 20**3 / 1000, rel=0.01)


def test_dose_grid_with_other_slice_spacing_keeps_the_volume() -> None:
    sphere = ellipsoid_structure((15.0, 15.0, 15.0), 2.0)
    grid = Grid.from_spacing((14, 15, 15), (3.0, 2.5, 2.5), (-17.5, -17.5, -20.0), FRAME)
    mask = structure_volume_cc_from_mask(structure_occupancy(sphere, grid), grid)
    assert mask == pytest.approx(structure_volume_cc_from_polygons(sphere), rel=5e-3)


def test_oblique_grid_and_contours_in_its_planes() -> None:
    rotation = np.array([[0.8, 0.6, 0.0], [-0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    row, col = rotation @ np.array([0.0, 1.0, 0.0]), rotation @ np.array([0.0, 0.0, 1.0])
    normal = np.cross(row, col)
    grid = Grid.from_spacing((10, 10, 10), (2.0, 1.0, 1.0), (0, 0, 0), FRAME, row, col, normal)
    # a 4 x 3 mm rectangle in the slice planes k = 3, 4, 5, voxel-aligned
    contours = []
    for k in (3, 4, 5):
        corners = [(k, 2.5, 1.5), (k, 2.5, 5.5), (k, 5.5, 5.5), (k, 5.5, 1.5)]
        contours.append(PlanarContour(grid.index_to_world(corners)))
    structure = StructureContours("Oblique", 1, FRAME, tuple(contours))
    occupancy = structure_occupancy(structure, grid)
    assert occupancy.sum() == pytest.approx(36.0)
    assert structure_volume_cc_from_polygons(structure) == pytest.approx(0.072)
    axial = Grid.from_spacing((10, 10, 10), (2.0, 1.0, 1.0), (0, 0, 0), FRAME)
    with pytest.raises(GeometryMismatchError, match="parallel to the grid's slices"):
        structure_occupancy(structure, axial)


def test_frame_of_reference_and_coverage_are_checked() -> None:
    sphere = ellipsoid_structure((5.0, 5.0, 5.0), 2.0, frame="1.2.3")
    with pytest.raises(GeometryMismatchError, match="one Frame of Reference"):
        structure_occupancy(sphere, grid_1mm())
    shifted = ellipsoid_structure((5.0, 5.0, 5.0), 2.0, centre_mm=(9.0, 5.0, 4.0))
    with pytest.raises(GeometryMismatchError, match="extends outside the grid"):
        structure_occupancy(shifted, grid_1mm())
    clipped = structure_occupancy(shifted, grid_1mm(), on_outside="clip")
    assert 0 < structure_volume_cc_from_mask(clipped, grid_1mm()) < 0.6 * 4 / 3 * np.pi * 0.125


def test_large_liver_rasterises_to_its_volume() -> None:
    # ~1500 cc ellipsoid (semi-axes 90, 70, 57 mm) on a 2.5 mm grid; speed goal (< 1 s):
    # benchmarks/bench_goals.py.
    liver = ellipsoid_structure((90.0, 70.0, 57.0), 2.5, name="Liver")
    grid = Grid.from_spacing((52, 64, 80), (2.5, 2.5, 2.5), (-99, -79, -64), FRAME)
    occupancy = structure_occupancy(liver, grid)
    volume = structure_volume_cc_from_mask(occupancy, grid)
    assert volume == pytest.approx(4 / 3 * np.pi * 90 * 70 * 57 / 1000, rel=0.01)


def test_nelms_sphere_polygon_volume(shared_data: Path) -> None:
    rs = read_rtstruct(shared_data / "nelms_dvh_benchmark" / "STRUCTURES" / "Sphere_20_0.dcm")
    sphere = rs.get("Sphere_20_0")
    # 13 planes 2 mm apart through a 12 mm sphere: 2 mm * sum of pi (144 - u^2), u = -12..12
    expected = 2 * np.pi * (13 * 144 - 728) / 1000
    assert structure_volume_cc_from_polygons(sphere) == pytest.approx(expected, rel=2e-3)
    dose = read_rtdose(
        shared_data / "nelms_dvh_benchmark" / "DOSE_GRIDS" / "Linear_SupInf_1mm_Aligned.dcm"
    )
    mask = structure_volume_cc_from_mask(structure_occupancy(sphere, dose.grid), dose.grid)
    assert mask == pytest.approx(expected, rel=3e-3)


@pytest.mark.parametrize("spacing", ["02", "10", "20", "30"])
def test_nelms_cylinder_end_caps_match_the_benchmark(shared_data: Path, spacing: str) -> None:
    import csv

    folder = shared_data / "nelms_dvh_benchmark"
    with (folder / "analytical" / "endpoints.csv").open() as handle:
        volumes = {
            row["Structure name"]: float(row["Total Volume (cc)"]) for row in csv.DictReader(handle)
        }
    name = f"Cylinder_{spacing}_0"
    structure = read_rtstruct(folder / "STRUCTURES" / f"{name}.dcm").get(name)
    assert structure_volume_cc_from_polygons(structure) == pytest.approx(volumes[name], rel=5e-4)


def test_end_caps_none_stops_at_the_outer_planes() -> None:
    planes = [square(0.5, 4.5, 0.5, 4.5, z) for z in (0.0, 2.0, 4.0)]
    structure = StructureContours("Box", 1, FRAME, tuple(planes))
    assert structure_volume_cc_from_polygons(structure) == pytest.approx(3 * 2 * 16 / 1000)
    assert structure_volume_cc_from_polygons(structure, end_caps="none") == pytest.approx(
        2 * 2 * 16 / 1000
    )
    grid = Grid.from_spacing((10, 6, 6), (1.0, 1.0, 1.0), (0.0, 0.0, -3.0), FRAME)
    occupancy = structure_occupancy(structure, grid, end_caps="none")
    assert occupancy.sum(axis=(1, 2)).tolist() == pytest.approx([0, 0, 0, 8, 16, 16, 16, 8, 0, 0])
