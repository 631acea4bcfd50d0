"""Analytic solids and CSG: exact fields, consistency, Lipschitz bound, validation."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.phantom.anatomy import build_anatomy
from hccrt.phantom.csg import Difference, Offset, Union
from hccrt.phantom.shapes import Capsule, Ellipsoid, EllipticCylinder, Sphere


def test_sphere_and_capsule_fields_are_exact_distances() -> None:
    sphere = Sphere((1.0, 2.0, 3.0), 10.0)
    assert sphere.field(np.array([21.0]), np.array([2.0]), np.array([3.0]))[0] == pytest.approx(
        10.0
    )
    capsule = Capsule((0.0, 0.0, 0.0), (0.0, 0.0, 50.0), 5.0)
    values = capsule.field(np.array([8.0, 0.0]), np.array([0.0, 0.0]), np.array([25.0, 60.0]))
    np.testing.assert_allclose(values, [3.0, 5.0])


def test_ellipsoid_field_never_exceeds_the_distance_to_its_surface() -> None:
    ellipsoid = Ellipsoid((0.0, 0.0, 0.0), (60.0, 30.0, 20.0), (30.0, 10.0, 0.0))
    rng = np.random.default_rng(3)
    surface = rng.normal(size=(4000, 3))
    surface /= np.linalg.norm(surface, axis=1, keepdims=True)
    # Map unit-sphere points to the rotated ellipsoid surface.
    local = surface * np.array([60.0, 30.0, 20.0])
    world = local @ ellipsoid._rot.T
    probes = rng.uniform(-90, 90, size=(300, 3))
    distance = np.min(np.linalg.norm(probes[:, None, :] - world[None], axis=2), axis=1)
    field = ellipsoid.field(probes[:, 0], probes[:, 1], probes[:, 2])
    assert np.all(np.abs(field) <= distance + 0.5)  # 0.5 mm: surface sampling


def test_csg_inside_agrees_with_the_sign_of_the_field() -> None:
    liver = build_anatomy().organs["Liver"].shape
    rng = np.random.default_rng(0)
    points = rng.uniform([-160, -100, -150], [80, 100, 20], size=(20000, 3))
    inside = liver.contains(points)
    field = liver.field(points[:, 0], points[:, 1], points[:, 2])
    assert 1000 < inside.sum() < 19000
    np.testing.assert_array_equal(inside, field < 0)


def test_bounds_contain_the_solid() -> None:
    solid = Union(
        (
            Ellipsoid((10.0, 0.0, 0.0), (30.0, 10.0, 5.0), (45.0, 0.0, 0.0)),
            Capsule((0.0, 0.0, 0.0), (0.0, 40.0, 0.0), 4.0),
        )
    )
    box = solid.bounds()
    rng = np.random.default_rng(1)
    points = rng.uniform(-60, 60, size=(50000, 3))
    inside = points[solid.contains(points)]
    assert np.all(inside >= box[0])
    assert np.all(inside <= box[1])


def test_difference_and_offset() -> None:
    ring = Difference(
        EllipticCylinder((0.0, 0.0), (20.0, 20.0)), (Offset(Sphere((0, 0, 0), 1), 9),)
    )
    assert not ring.contains([[0.0, 0.0, 0.0]])[0]
    assert ring.contains([[15.0, 0.0, 0.0]])[0]
    assert ring.contains([[0.0, 0.0, 40.0]])[0]
    assert ring.z_invariant is False
    assert EllipticCylinder((0.0, 0.0), (20.0, 20.0)).z_invariant


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: Ellipsoid((0, 0, 0), (1.0, 0.0, 1.0)), "semi_axes_mm"),
        (lambda: Ellipsoid((0, 0, 0), (1.0, 1.0, 1.0), exponent=1.5), "exponent"),
        (lambda: Capsule((0, 0, 0), (1, 1, 1), -1.0), "radius_mm"),
        (lambda: EllipticCylinder((0, 0), (5, 5), z_min_mm=3, z_max_mm=1), "z_max > z_min"),
    ],
)
def test_invalid_shapes_are_rejected(build: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        build()  # type: ignore[operator]
