"""Contour propagation: a sphere drawn on the MR lands on the CT planes with its analytic
volume and shape (rigid transform of 5 deg rotations and a 15 mm shift, no registration error)."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from hccrt.geometry.rasterize import structure_occupancy, structure_volume_cc_from_polygons
from hccrt.phantom.mr import rotation_matrix
from hccrt.phantom.shapes import Sphere
from hccrt.phantom.structures import contour_structure
from hccrt.registration import RegistrationResult
from hccrt.registration.propagate import propagate_structure

RADIUS_MM = 20.0
CENTRE_MR = np.array([-60.0, 10.0, -80.0])


def _setup() -> tuple[StructureContours, RegistrationResult, Grid, np.ndarray]:
    matrix = np.eye(4)
    matrix[:3, :3] = rotation_matrix((4.0, -3.0, 5.0))
    matrix[:3, 3] = (8.0, -12.0, 6.0)
    planes = np.arange(-120.0, -38.0, 4.0)  # MR planes every 4 mm
    sphere = contour_structure(
        "GTV_MR", 1, Sphere(tuple(CENTRE_MR), RADIUS_MM), planes, "mr", (255, 0, 0), "GTV"
    )
    registration = RegistrationResult("rigid", matrix, "ct", "mr")
    ct = Grid.from_spacing((60, 256, 256), (3.0, 0.98, 0.98), (-125.0, -125.0, -200.0), "ct")
    centre_ct = matrix[:3, :3] @ CENTRE_MR + matrix[:3, 3]
    return sphere, registration, ct, centre_ct


def test_propagated_sphere_matches_the_analytic_sphere() -> None:
    sphere, registration, ct, centre_ct = _setup()
    result = propagate_structure(sphere, registration, ct, name="GTV_from_MR")
    analytic_cc = 4.0 / 3.0 * np.pi * RADIUS_MM**3 / 1000.0
    volume = structure_volume_cc_from_polygons(result, grid=ct)
    assert result.frame_of_reference_uid == "ct"
    z_planes = {round(float(c.points_mm[0, 2]), 3) for c in result.contours}
    ct_z = set(np.round(ct.axis_coordinates_mm()[0], 3))
    assert z_planes <= ct_z  # every contour on a CT plane
    assert volume == pytest.approx(analytic_cc, rel=0.03)
    fine = Grid.from_spacing((40, 100, 100), (1.0, 0.5, 0.5), centre_ct - [25, 25, 20], "ct")
    truth_fine = contour_structure(
        "t",
        1,
        Sphere(tuple(centre_ct), RADIUS_MM),
        fine.axis_coordinates_mm()[0],
        "ct",
        (0, 0, 0),
        "",
    )
    a = structure_occupancy(result, fine, axial="centre", on_outside="clip") >= 0.5
    b = structure_occupancy(truth_fine, fine, axial="centre") >= 0.5
    dice = 2 * np.sum(a & b) / (a.sum() + b.sum())
    assert dice > 0.95


def test_wrong_frame_and_empty_roi_are_refused() -> None:
    sphere, registration, ct, _ = _setup()
    other = RegistrationResult("rigid", np.eye(4), "ct", "older-ct")
    with pytest.raises(GeometryMismatchError, match="Frame of Reference"):
        propagate_structure(sphere, other, ct)
    with pytest.raises(InputError, match="has no contour"):
        propagate_structure(StructureContours("E", 1, "mr"), registration, ct)
