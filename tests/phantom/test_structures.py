"""Per-slice contours of analytic solids against closed-form answers."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.phantom.shapes import Ellipsoid, EllipticCylinder, Sphere
from hccrt.phantom.structures import contour_structure, slice_polygons


def _area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def test_sphere_section_is_the_exact_circle() -> None:
    sphere = Sphere((3.0, -4.0, 10.0), 20.0)
    (polygon,) = slice_polygons(sphere, 22.0)
    radius = np.sqrt(20.0**2 - 12.0**2)
    distances = np.linalg.norm(polygon[:, :2] - [3.0, -4.0], axis=1)
    np.testing.assert_allclose(distances, radius, atol=0.02)
    assert np.all(polygon[:, 2] == 22.0)
    assert _area(polygon) == pytest.approx(np.pi * radius**2, rel=2e-3)
    assert slice_polygons(sphere, 31.0) == []


def test_rotated_ellipse_section_area() -> None:
    solid = Ellipsoid((0.0, 0.0, 0.0), (120.0, 40.0, 30.0), (25.0, 0.0, 0.0))
    (polygon,) = slice_polygons(solid, 0.0)
    assert _area(polygon) == pytest.approx(np.pi * 120.0 * 40.0, rel=2e-3)


def test_prism_is_traced_once_and_copied_to_every_plane() -> None:
    prism = EllipticCylinder((0.0, 10.0), (30.0, 15.0))
    structure = contour_structure("BODY", 1, prism, [-3.0, 0.0, 3.0], "1.2.3", (0, 255, 0), "")
    assert [c.points_mm[0, 2] for c in structure.contours] == [-3.0, 0.0, 3.0]
    np.testing.assert_allclose(
        structure.contours[0].points_mm[:, :2], structure.contours[2].points_mm[:, :2]
    )
    assert structure.contours[1].area_mm2 == pytest.approx(np.pi * 30 * 15, rel=2e-3)
