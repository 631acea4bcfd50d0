"""Masks -> contours -> masks: round trips, holes, grids built from contours."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry import (
    Grid,
    PlanarContour,
    StructureContours,
    structure_occupancy,
    structure_volume_cc_from_mask,
    structure_volume_cc_from_polygons,
)
from hccrt.geometry.margins import expand_mask
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.geometry.structure_grid import grid_for_structures
from tests.geometry.shapes import FRAME, ellipsoid_structure


def test_round_trip_keeps_the_volume_within_one_percent() -> None:
    sphere = ellipsoid_structure((18, 14, 12), 2.5)
    grid = grid_for_structures([sphere], padding_mm=12.0)
    occupancy = structure_occupancy(sphere, grid)
    grown = expand_mask(occupancy, grid, 5.0)
    contours = occupancy_to_contours(grown, grid, "PTV", 7, interpreted_type="PTV")
    assert contours.frame_of_reference_uid == FRAME
    back = structure_occupancy(contours, grid)
    mask_volume = float(grown.sum()) * grid.voxel_volume_cc
    assert structure_volume_cc_from_mask(back, grid) == pytest.approx(mask_volume, rel=0.01)
    assert structure_volume_cc_from_polygons(contours) == pytest.approx(mask_volume, rel=0.01)
    fractional = occupancy_to_contours(occupancy, grid, "GTV", 1)
    assert structure_volume_cc_from_polygons(fractional) == pytest.approx(
        structure_volume_cc_from_polygons(sphere), rel=0.01
    )


def test_holes_survive_as_nested_polygons() -> None:
    grid = Grid.from_spacing((3, 30, 30), (2.0, 1.0, 1.0), (0, 0, 0), FRAME)
    mask = np.zeros(grid.shape, dtype=bool)
    mask[1, 5:25, 5:25] = True
    mask[1, 10:20, 10:20] = False
    structure = occupancy_to_contours(mask, grid, "Ring", 1)
    assert len(structure.contours) == 2
    back = structure_occupancy(structure, grid)
    assert back[1, 15, 15] == 0.0
    assert back.sum() == pytest.approx(400 - 100, rel=0.01)
    assert occupancy_to_contours(np.zeros(grid.shape), grid, "Empty", 2).is_empty
    with pytest.raises(InputError, match="shape must be"):
        occupancy_to_contours(mask[:1], grid, "Bad", 3)


def test_grid_for_structures_follows_the_contour_planes() -> None:
    sphere = ellipsoid_structure((10, 10, 10), 3.0, centre_mm=(5, -4, 1.5))
    grid = grid_for_structures([sphere], padding_mm=6.0, inplane_mm=0.5)
    assert grid.spacing_mm == pytest.approx((3.0, 0.5, 0.5))
    assert grid.is_axis_aligned
    z = grid.axis_coordinates_mm()[0]
    assert np.min(np.abs(z - 1.5)) < 1e-6
    assert z[0] <= 1.5 - 9 - 6 + 1e-6
    assert z[-1] >= 1.5 + 9 + 6 - 1e-6
    other = StructureContours(
        "Other", 2, "9.9.9", (PlanarContour(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0.0]])),)
    )
    with pytest.raises(GeometryMismatchError, match="one Frame of Reference"):
        grid_for_structures([sphere, other], 5.0)
    with pytest.raises(InputError, match="have no closed contour"):
        grid_for_structures([StructureContours("Empty", 1, FRAME)], 5.0)


def test_crop_grid_keeps_the_voxels_of_the_parent_grid() -> None:
    from hccrt.geometry.structure_grid import crop_grid

    grid = Grid.from_spacing((40, 50, 60), (2.5, 1.0, 1.0), (-30, -25, -50), FRAME)
    sphere = ellipsoid_structure((5, 5, 5), 2.5)
    sub = crop_grid(grid, sphere.all_points_mm(), 3.0)
    assert sub.shape[0] < grid.shape[0]
    offset = grid.world_to_index(np.array(sub.origin_mm))
    assert np.allclose(offset, np.round(offset))
    full = structure_occupancy(sphere, grid)
    part = structure_occupancy(sphere, sub)
    assert part.sum() == pytest.approx(full.sum(), rel=1e-6)
    with pytest.raises(GeometryMismatchError, match="lie outside the grid"):
        crop_grid(grid, np.array([[500.0, 500.0, 500.0]]), 1.0)
