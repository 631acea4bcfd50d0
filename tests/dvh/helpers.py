"""Synthetic structures and dose grids with analytic DVHs for the DVH tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid

UID = "1.2.3.4"


def box_structure(
    name: str = "Box",
    x: tuple[float, float] = (-10.0, 10.0),
    y: tuple[float, float] = (-10.0, 10.0),
    planes_mm: npt.ArrayLike = (0.0, 2.0, 4.0, 6.0, 8.0, 10.0),
    uid: str = UID,
    number: int = 1,
) -> StructureContours:
    """A rectangular prism contoured on axial planes (half-slice end caps extend it)."""
    contours = [
        PlanarContour(
            np.array([[x[0], y[0], z], [x[1], y[0], z], [x[1], y[1], z], [x[0], y[1], z]])
        )
        for z in np.asarray(planes_mm, dtype=float)
    ]
    return StructureContours(name, number, uid, tuple(contours))


def linear_dose(
    gradient_gy_per_mm: tuple[float, float, float],
    offset_gy: float = 10.0,
    spacing_mm: float = 2.0,
    half_extent_mm: float = 30.0,
    uid: str = UID,
) -> tuple[npt.NDArray[np.float64], Grid]:
    """Dose ``offset + g . (x, y, z)`` on an axis-aligned grid centred on the origin."""
    count = round(2 * half_extent_mm / spacing_mm) + 1
    grid = Grid.from_spacing((count, count, count), (spacing_mm,) * 3, (-half_extent_mm,) * 3, uid)
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    gx, gy, gz = gradient_gy_per_mm
    return offset_gy + gx * xx + gy * yy + gz * zz, grid
