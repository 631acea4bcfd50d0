"""Analytic test shapes contoured like a planning system: ellipsoids cut into axial polygons."""

from __future__ import annotations

import numpy as np

from hccrt.geometry.contours import PlanarContour, StructureContours

FRAME = "1.2.826.0.1.3680043.8.498.77"


def ellipsoid_structure(
    semi_axes_mm: tuple[float, float, float],
    slice_mm: float,
    centre_mm: tuple[float, float, float] = (0.0, 0.0, 0.0),
    name: str = "Sphere",
    points: int = 720,
    frame: str = FRAME,
    number: int = 1,
) -> StructureContours:
    """Axial contours of an ellipsoid (x, y, z semi-axes) on planes ``centre_z + n * slice_mm``."""
    ax, ay, az = semi_axes_mm
    cx, cy, cz = centre_mm
    count = int(np.floor(az / slice_mm))
    angles = np.linspace(0.0, 2 * np.pi, points, endpoint=False)
    contours = []
    for n in range(-count, count + 1):
        dz = n * slice_mm
        scale = 1.0 - (dz / az) ** 2
        if scale <= 1e-9:
            continue
        r = np.sqrt(scale)
        contours.append(
            PlanarContour(
                np.column_stack(
                    [
                        cx + ax * r * np.cos(angles),
                        cy + ay * r * np.sin(angles),
                        np.full(points, cz + dz),
                    ]
                )
            )
        )
    return StructureContours(name, number, frame, tuple(contours))
