"""Margins: analytic spheres, brute-force asymmetric boxes, orientation, limits and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.errors import InputError
from hccrt.geometry import Grid, StructureContours, structure_occupancy
from hccrt.geometry.margins import Margins, apply_margin, contract_mask, expand_mask
from tests.geometry.shapes import FRAME, ellipsoid_structure


def sphere_case(slice_mm: float, radius_mm: float) -> tuple[Grid, np.ndarray, float]:
    """A sphere whose end planes sit half a contour spacing below its poles (exact caps)."""
    radius = (np.floor(radius_mm / slice_mm) + 0.5) * slice_mm
    count = 2 * int(np.ceil(45 / slice_mm)) + 1
    grid = Grid.from_spacing(
        (count, 91, 91), (slice_mm, 1.0, 1.0), (-45, -45, -slice_mm * (count - 1) / 2), FRAME
    )
    sphere = ellipsoid_structure((radius, radius, radius), slice_mm)
    return grid, structure_occupancy(sphere, grid), radius


def ball_volume_cc(radius_mm: float) -> float:
    return 4 / 3 * np.pi * radius_mm**3 / 1000


def radius_map(grid: Grid) -> np.ndarray:
    z, y, x = np.meshgrid(*grid.axis_coordinates_mm(), indexing="ij")
    return np.sqrt(x * x + y * y + z * z)


@pytest.mark.parametrize("slice_mm", [1.0, 2.5, 3.0])
@pytest.mark.parametrize("margin_mm", [5.0, 10.0])
def test_sphere_expansion_volume_and_surface(slice_mm: float, margin_mm: float) -> None:
    grid, occupancy, radius = sphere_case(slice_mm, 20.0)
    expanded = expand_mask(occupancy, grid, margin_mm)
    volume = expanded.sum() * grid.voxel_volume_cc
    assert volume == pytest.approx(ball_volume_cc(radius + margin_mm), rel=0.02)
    # surface within half a voxel: every centre clearly inside is in, clearly outside is out
    distance = radius_map(grid) - (radius + margin_mm)
    half = max(grid.spacing_mm) / 2
    assert expanded[distance < -half].all()
    assert not expanded[distance > half].any()


@pytest.mark.parametrize("slice_mm", [1.0, 2.5, 3.0])
def test_sphere_contraction_volume_and_surface(slice_mm: float) -> None:
    grid, occupancy, radius = sphere_case(slice_mm, 30.0)
    contracted = contract_mask(occupancy, grid, 5.0)
    volume = contracted.sum() * grid.voxel_volume_cc
    assert volume == pytest.approx(ball_volume_cc(radius - 5.0), rel=0.02)
    distance = radius_map(grid) - (radius - 5.0)
    half = max(grid.spacing_mm) / 2
    assert contracted[distance < -half].all()
    assert not contracted[distance > half].any()


def box_truth(
    grid: Grid, low: np.ndarray, high: np.ndarray, margins: Margins, erode: bool
) -> np.ndarray:
    """Brute force: gauge distance of every voxel centre to an axis-aligned box (x, y, z)."""
    z, y, x = np.meshgrid(*grid.axis_coordinates_mm(), indexing="ij")
    points = np.stack([x, y, z], axis=-1)
    plus = np.array([margins.left_mm, margins.posterior_mm, margins.superior_mm])
    minus = np.array([margins.right_mm, margins.anterior_mm, margins.inferior_mm])
    if not erode:
        gap = points - np.clip(points, low, high)
        scale = np.where(gap >= 0, plus, minus)
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = np.where(gap == 0, 0.0, (gap / scale) ** 2)
        return np.asarray(cost.sum(axis=-1) <= 1.0)
    # erosion of a box by the element: the box shrinks by the margin of each side
    return np.asarray(np.all((points - minus >= low) & (points + plus <= high), axis=-1))


def box_structure(low: np.ndarray, high: np.ndarray, slice_mm: float) -> StructureContours:
    from hccrt.geometry import PlanarContour

    planes = np.arange(low[2] + slice_mm / 2, high[2], slice_mm)
    contours = tuple(
        PlanarContour(
            np.array(
                [
                    [low[0], low[1], z],
                    [high[0], low[1], z],
                    [high[0], high[1], z],
                    [low[0], high[1], z],
                ]
            )
        )
        for z in planes
    )
    return StructureContours("Box", 1, FRAME, contours)


@pytest.mark.parametrize("erode", [False, True])
def test_asymmetric_margins_match_the_exact_box(erode: bool) -> None:
    grid = Grid.from_spacing((24, 40, 44), (2.5, 1.2, 1.0), (-22, -24, -30), FRAME)
    # faces on voxel boundaries: x -7.5..8.5, y -6.6..6.6, z -15..15 (contour planes at slices)
    low, high = np.array([-7.5, -6.6, -16.25]), np.array([8.5, 6.6, 16.25])
    occupancy = structure_occupancy(box_structure(low, high, 2.5), grid)
    assert occupancy.sum() * grid.voxel_volume_cc == pytest.approx(np.prod(high - low) / 1000)
    if erode:
        margins = Margins(1.0, 3.0, 2.0, 1.5, 5.0, 2.5)
        ours = contract_mask(occupancy, grid, margins)
    else:
        margins = Margins(3.0, 7.0, 2.0, 5.5, 10.0, 4.0)
        ours = expand_mask(occupancy, grid, margins)
    truth = box_truth(grid, low, high, margins, erode)
    assert truth.sum() > 100
    if erode:
        assert np.array_equal(ours, truth)
        return
    # faces are exact; along the box's edges the surface is sampled on voxel lines, so the
    # result lies between the exact sums of the box shrunk and grown by half a voxel
    half = np.array(grid.spacing_mm[::-1]) / 2
    assert not (box_truth(grid, low + half, high - half, margins, erode) & ~ours).any()
    assert not (ours & ~box_truth(grid, low - half, high + half, margins, erode)).any()
    assert (ours != truth).mean() < 0.01


def surface_points(mask: np.ndarray, spacing: tuple[float, float, float]) -> np.ndarray:
    """Points half-way between each inside voxel and each outside 6-neighbour (or grid edge), mm."""
    points = []
    for axis in range(3):
        for sign in (1, -1):
            neighbour = np.roll(mask, -sign, axis=axis)
            edge = [slice(None)] * 3
            edge[axis] = -1 if sign > 0 else 0
            neighbour[tuple(edge)] = False
            seeds = np.argwhere(mask & ~neighbour).astype(float)
            seeds[:, axis] += 0.5 * sign
            points.append(seeds)
    return np.concatenate(points) * np.array(spacing)


def gauge_cost(vectors: np.ndarray, plus: tuple, minus: tuple) -> np.ndarray:
    """Brute-force one-sided quadratic cost of (..., 3) vectors in (k, j, i) order."""
    scale = np.where(vectors >= 0, np.array(plus), np.array(minus))
    with np.errstate(divide="ignore", invalid="ignore"):
        # a zero margin allows no step at all in that direction
        parts = np.where(vectors == 0, 0.0, np.where(scale > 0, (vectors / scale) ** 2, np.inf))
    return np.asarray(parts.sum(axis=-1))


def brute_force_dilation(
    mask: np.ndarray, spacing: tuple[float, float, float], plus: tuple, minus: tuple
) -> np.ndarray:
    """Voxel centres within the element of a surface point half-way to an outside neighbour."""
    surface = surface_points(mask, spacing)
    centres = np.argwhere(~mask).astype(float) * np.array(spacing)
    cost = gauge_cost(centres[:, None, :] - surface[None, :, :], plus, minus).min(axis=1)
    result = mask.copy()
    result[~mask] = cost <= 1.0 + 1e-6
    return result


def brute_force_erosion(
    mask: np.ndarray, spacing: tuple[float, float, float], plus: tuple, minus: tuple
) -> np.ndarray:
    """Inside voxel centres whose element (placed on them) reaches no surface point."""
    surface = surface_points(mask, spacing)
    centres = np.argwhere(mask).astype(float) * np.array(spacing)
    # the element at x reaches p when p - x is in E
    cost = gauge_cost(surface[None, :, :] - centres[:, None, :], plus, minus).min(axis=1)
    result = np.zeros_like(mask)
    result[mask] = cost > 1.0 + 1e-6
    return result


def test_separable_construction_matches_brute_force_on_a_random_blob() -> None:
    rng = np.random.default_rng(7)
    mask = np.zeros((12, 16, 16), dtype=bool)
    mask[4:8, 5:11, 5:11] = rng.random((4, 6, 6)) < 0.7
    grid = Grid.from_spacing(mask.shape, (2.5, 1.2, 1.0), (0, 0, 0), FRAME)
    margins = Margins(2.0, 4.5, 1.5, 3.0, 6.0, 3.5)
    ours = expand_mask(mask, grid, margins, interpolate_slices=False)
    # grid axes (k, j, i) = (z, y, x): + index = Superior, Posterior, Left
    plus = (margins.superior_mm, margins.posterior_mm, margins.left_mm)
    minus = (margins.inferior_mm, margins.anterior_mm, margins.right_mm)
    assert np.array_equal(ours, brute_force_dilation(mask, grid.spacing_mm, plus, minus))


def test_directions_follow_patient_axes_on_feet_first_grid() -> None:
    # FFS: columns run to the patient's right (-x), slices to inferior (-z)
    grid = Grid.from_spacing(
        (21, 21, 21), (2.0, 1.0, 1.0), (10, -10, 20), FRAME, (-1, 0, 0), (0, 1, 0), (0, 0, -1)
    )
    mask = np.zeros(grid.shape, dtype=bool)
    mask[10, 10, 10] = True  # at x = 0, y = 0, z = 0
    grown = expand_mask(mask, grid, Margins(0, 4, 0, 0, 6, 0))  # 4 mm Left, 6 mm Superior
    points = grid.index_to_world(np.argwhere(grown))
    assert points[:, 0].max() == pytest.approx(4.0)  # surface at 0.5 mm + 4 mm towards +x
    assert points[:, 0].min() == pytest.approx(0.0)
    assert points[:, 2].max() == pytest.approx(6.0)  # surface at 1 mm + 6 mm; 2 mm slices
    assert points[:, 2].min() == pytest.approx(0.0)
    assert points[:, 1].max() == pytest.approx(0.0)


def test_limits_subtraction_and_contraction_to_nothing() -> None:
    grid, occupancy, _ = sphere_case(2.5, 10.0)
    within = np.zeros(grid.shape, dtype=bool)
    within[:, :, :45] = True
    limited = apply_margin(occupancy, grid, 5.0, within=within, subtract=occupancy)
    assert not limited[:, :, 45:].any()
    assert not limited[occupancy >= 0.5].any()
    assert limited.sum() > 0
    assert not contract_mask(occupancy, grid, 15.0).any()
    assert np.array_equal(expand_mask(occupancy, grid, 0.0), occupancy >= 0.5)


def test_margin_errors() -> None:
    with pytest.raises(InputError, match="R,L,A,P,S,I"):
        Margins.parse("5,5,5")
    with pytest.raises(InputError, match=r"margin R=-1\.0: must be 0-100 mm"):
        Margins.parse("-1,0,0,0,0,0")
    with pytest.raises(InputError, match="must be numbers in mm"):
        Margins.parse("five")
    assert Margins.parse("7").is_isotropic
    rotation = np.array([[0.8, 0.6, 0.0], [-0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    oblique = Grid.from_spacing(
        (5, 5, 5), (1, 1, 1), (0, 0, 0), FRAME, rotation @ [0, 1, 0], rotation @ [0, 0, 1]
    )
    mask = np.zeros(oblique.shape, dtype=bool)
    mask[2, 2, 2] = True
    with pytest.raises(InputError, match="per-direction margins need a grid aligned"):
        expand_mask(mask, oblique, Margins(1, 2, 1, 1, 1, 1))
    assert expand_mask(mask, oblique, 1.0).sum() == 7
    with pytest.raises(InputError, match="shape must equal the grid shape"):
        expand_mask(mask[:2], oblique, 1.0)


def test_isotropic_margin_on_an_oblique_grid() -> None:
    from hccrt.geometry import PlanarContour

    rotation = np.array([[0.8, 0.6, 0.0], [-0.6, 0.8, 0.0], [0.0, 0.0, 1.0]]) @ np.array(
        [[1.0, 0.0, 0.0], [0.0, 0.8, -0.6], [0.0, 0.6, 0.8]]
    )
    row, column = rotation @ np.array([1.0, 0.0, 0.0]), rotation @ np.array([0.0, 1.0, 0.0])
    normal = np.cross(row, column)
    origin = -(40 * row + 40 * column + 15 * 2.5 * normal)
    grid = Grid.from_spacing((31, 81, 81), (2.5, 1.0, 1.0), origin, FRAME, row, column, normal)
    radius = 16.25  # end planes half a spacing below the poles
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    contours = []
    for n in range(-6, 7):
        rho = np.sqrt(radius**2 - (2.5 * n) ** 2)
        local = np.column_stack(
            [np.full(360, 15.0 + n), 40 + rho * np.sin(angles), 40 + rho * np.cos(angles)]
        )
        contours.append(PlanarContour(grid.index_to_world(local)))
    occupancy = structure_occupancy(StructureContours("Oblique", 1, FRAME, tuple(contours)), grid)
    expanded = expand_mask(occupancy, grid, 5.0)
    assert expanded.sum() * grid.voxel_volume_cc == pytest.approx(ball_volume_cc(21.25), rel=0.02)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    margins=st.tuples(*[st.floats(0.0, 6.0) for _ in range(6)]),
    spacing=st.sampled_from([(2.5, 1.0, 1.0), (3.0, 1.2, 0.9), (1.0, 1.0, 1.0)]),
    erode=st.booleans(),
)
def test_separable_construction_property(
    seed: int, margins: tuple[float, ...], spacing: tuple[float, float, float], erode: bool
) -> None:
    rng = np.random.default_rng(seed)
    mask = np.zeros((10, 14, 14), dtype=bool)
    mask[2:8, 3:11, 3:11] = rng.random((6, 8, 8)) < (0.85 if erode else 0.6)
    if not mask.any():
        return
    grid = Grid.from_spacing(mask.shape, spacing, (0, 0, 0), FRAME)
    element = Margins(*margins)
    # grid axes (k, j, i) = (z, y, x): + index = Superior, Posterior, Left
    plus = (element.superior_mm, element.posterior_mm, element.left_mm)
    minus = (element.inferior_mm, element.anterior_mm, element.right_mm)
    if erode:
        ours = contract_mask(mask, grid, element, interpolate_slices=False)
        expected = brute_force_erosion(mask, grid.spacing_mm, plus, minus)
    else:
        ours = expand_mask(mask, grid, element, interpolate_slices=False)
        expected = brute_force_dilation(mask, grid.spacing_mm, plus, minus)
    assert np.array_equal(ours, expected)
