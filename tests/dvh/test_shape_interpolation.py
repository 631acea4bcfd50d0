"""The smooth between-plane model: distances, interpolated shapes, ends, and the engine setting."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from hccrt.dvh.engine import compute_dvh
from hccrt.dvh.sampling import DvhSettings
from hccrt.dvh.shape_interpolation import signed_distance_mm, sublayer_occupancy
from hccrt.errors import InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from tests.dvh.helpers import UID, linear_dose

PIXEL_MM = 0.25
FloatArray = npt.NDArray[np.float64]


def disc_occupancy(
    radius_mm: float, half_width_mm: float = 16.0, centre_x_mm: float = 0.0
) -> FloatArray:
    """Fractional occupancy of a disc (centred unless moved along x), 8 x 8 sub-samples."""
    count = round(2 * half_width_mm / PIXEL_MM)
    sub = (np.arange(count * 8) + 0.5) * PIXEL_MM / 8 - half_width_mm
    yy, xx = np.meshgrid(sub, sub, indexing="ij")
    inside = ((xx - centre_x_mm) ** 2 + yy**2 <= radius_mm**2).astype(float)
    return inside.reshape(count, 8, count, 8).mean(axis=(1, 3))


def strip_occupancy(half_width_mm: float, half_extent_mm: float = 16.0) -> FloatArray:
    """Fractional occupancy of a strip |y| <= w (full length in x), 8 sub-samples per pixel."""
    count = round(2 * half_extent_mm / PIXEL_MM)
    sub = (np.arange(count * 8) + 0.5) * PIXEL_MM / 8 - half_extent_mm
    rows = (np.abs(sub) <= half_width_mm).astype(float).reshape(count, 8).mean(axis=1)
    return np.repeat(rows[:, None], count, axis=1)


def pixel_radius(count: int, half_width_mm: float = 16.0) -> FloatArray:
    centres = (np.arange(count) + 0.5) * PIXEL_MM - half_width_mm
    yy, xx = np.meshgrid(centres, centres, indexing="ij")
    return np.hypot(xx, yy)


def test_signed_distance_of_a_disc_matches_the_analytic_distance() -> None:
    occupancy = disc_occupancy(8.0)
    distance = signed_distance_mm(occupancy, PIXEL_MM)
    exact = pixel_radius(occupancy.shape[0]) - 8.0
    error = np.abs(distance - exact)
    assert np.max(error[np.abs(exact) < 1.0]) < 0.3 * PIXEL_MM
    assert np.max(error[np.abs(exact) < 4.0]) < 0.6 * PIXEL_MM
    assert np.all(
        np.sign(distance[np.abs(exact) > PIXEL_MM]) == np.sign(exact[np.abs(exact) > PIXEL_MM])
    )


def test_signed_distance_of_an_empty_plane_is_infinite() -> None:
    assert np.all(np.isinf(signed_distance_mm(np.zeros((5, 5)), PIXEL_MM)))


def test_sphere_sections_between_planes_have_the_true_area() -> None:
    radius_mm, gap_mm = 12.0, 3.0
    planes = np.arange(-9.0, 9.0 + 1e-9, gap_mm)
    stack = np.stack([disc_occupancy(math.sqrt(radius_mm**2 - z**2)) for z in planes])
    offsets = np.array([-0.375, -0.125, 0.125, 0.375])
    layers = sublayer_occupancy(stack, PIXEL_MM, gap_mm, offsets)
    for plane in range(1, planes.size - 1):
        for layer, offset in enumerate(offsets):
            z = planes[plane] + offset * gap_mm
            area = layers[plane, layer].sum() * PIXEL_MM**2
            assert area == pytest.approx(math.pi * (radius_mm**2 - z**2), rel=0.01)


def test_a_cylinder_lying_across_the_slices_closes_as_a_circle() -> None:
    # strip half-width w(z) = sqrt(R^2 - z^2): the square root edge at the tangent plane
    radius_mm, gap_mm = 12.0, 3.0
    planes = np.arange(0.0, 12.0 + 1e-9, gap_mm)
    stack = np.stack([strip_occupancy(math.sqrt(max(radius_mm**2 - z**2, 0.0))) for z in planes])
    stack[-1] = strip_occupancy(0.02)  # the tangent plane: a thin line of partial pixels
    offsets = np.array([-0.375, -0.125, 0.125, 0.375])
    layers = sublayer_occupancy(stack, PIXEL_MM, gap_mm, offsets)
    # strip width (mm) per sub-layer, on a column away from the grid's edges
    column = layers[..., 64].sum(axis=-1) * PIXEL_MM
    for plane in range(planes.size):
        for layer, offset in enumerate(offsets):
            z = planes[plane] + offset * gap_mm
            if 0.0 < z < radius_mm:
                expected = 2 * math.sqrt(radius_mm**2 - z**2)
                assert column[plane, layer] == pytest.approx(expected, abs=PIXEL_MM), z


def test_planes_next_to_a_missing_plane_keep_their_half_slice_caps() -> None:
    stack = np.stack([disc_occupancy(6.0), disc_occupancy(6.0), np.zeros((128, 128))])
    layers = sublayer_occupancy(stack, PIXEL_MM, 3.0, np.array([-0.25, 0.25]))
    np.testing.assert_array_equal(layers[1, 1], stack[1])  # cap towards the empty plane
    np.testing.assert_array_equal(layers[2], 0.0)
    np.testing.assert_array_equal(layers[0, 0], stack[0])  # below the first plane


def test_a_part_that_ends_keeps_its_half_slice_cap() -> None:
    # two components on the first two planes, only the large one on the next two: the small
    # one keeps its half-slice cap beyond its last plane (as a structure's own last plane
    # does), nothing appears elsewhere, and the large one, a cylinder, keeps its sections
    big, small = disc_occupancy(6.0, centre_x_mm=-8.0), disc_occupancy(3.0, centre_x_mm=9.0)
    stack = np.stack([big + small, big + small, big, big])
    layers = sublayer_occupancy(stack, PIXEL_MM, 3.0, np.array([-0.25, 0.25]))
    right = pixel_radius(128) * 0 + ((np.arange(128) + 0.5) * PIXEL_MM - 16.0 > 0.0)[None, :]
    after = layers[1, 1] * right  # a quarter spacing beyond the small one's last plane
    np.testing.assert_array_equal(after, small)
    np.testing.assert_array_equal(layers[2, 0] * right, 0.0)
    for plane, layer in ((1, 1), (2, 0), (2, 1)):
        left = layers[plane, layer] * (1.0 - right)
        assert left.sum() * PIXEL_MM**2 == pytest.approx(math.pi * 36.0, rel=0.01)


def sphere_structure(radius_mm: float, gap_mm: float, name: str = "Sphere") -> StructureContours:
    angles = np.linspace(0.0, 2 * math.pi, 181)[:-1]
    contours = []
    for z in np.arange(-radius_mm, radius_mm + 1e-9, gap_mm):
        r = math.sqrt(max(radius_mm**2 - z**2, 0.0))
        if r > 0.05:
            points = np.column_stack([r * np.cos(angles), r * np.sin(angles), np.full(180, z)])
            contours.append(PlanarContour(points))
    return StructureContours(name, 1, UID, tuple(contours))


def test_engine_smooth_model_gives_the_true_sphere_volume_where_slabs_fall_short() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.2), spacing_mm=2.0)
    sphere = sphere_structure(15.0, 3.0)
    true_cc = 4 / 3 * math.pi * 15.0**3 / 1000
    slab = compute_dvh(sphere, dose, grid)
    smooth = compute_dvh(sphere, dose, grid, settings=DvhSettings(between_planes="smooth"))
    assert slab.volume_cc < 0.992 * true_cc
    assert smooth.volume_cc == pytest.approx(true_cc, rel=0.005)
    assert smooth.dmean_gy == pytest.approx(10.0, abs=0.02)  # symmetric about z = 0
    assert "shape interpolated between planes" in smooth.method
    assert "shape interpolated" not in slab.method


def test_engine_smooth_model_subtracts_consistently() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.2), spacing_mm=2.0)
    outer, inner = sphere_structure(18.0, 3.0, "Outer"), sphere_structure(9.0, 3.0, "Inner")
    settings = DvhSettings(between_planes="smooth")
    whole = compute_dvh(outer, dose, grid, settings=settings).volume_cc
    hole = compute_dvh(inner, dose, grid, settings=settings).volume_cc
    shell = compute_dvh(outer, dose, grid, subtract=[inner], settings=settings).volume_cc
    assert shell == pytest.approx(whole - hole, rel=0.003)


def test_engine_warns_when_planes_are_not_equally_spaced() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.2), spacing_mm=2.0)
    sphere = sphere_structure(12.0, 3.0)
    uneven = StructureContours("Uneven", 1, UID, sphere.contours[:3] + sphere.contours[4:])
    result = compute_dvh(uneven, dose, grid, settings=DvhSettings(between_planes="smooth"))
    assert any("equally spaced" in w and "slabs were used" in w for w in result.warnings)
    assert "shape interpolated" not in result.method


def test_unknown_between_planes_model_is_refused() -> None:
    with pytest.raises(InputError, match=r"between_planes=round: must be one of slab, smooth"):
        DvhSettings(between_planes="round")
