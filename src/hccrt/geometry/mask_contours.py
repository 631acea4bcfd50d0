"""Masks -> planar contours with sub-voxel accuracy (the inverse of rasterisation).

Each slice of a fractional occupancy (or 0/1 mask) is contoured at level 0.5 with marching squares
(:func:`skimage.measure.find_contours`), after padding with zeros so that every contour closes.
Each closed line becomes one polygon in that slice's plane; holes come out as separate polygons
nested in their outer polygon, which the even-odd rule of
:class:`~hccrt.geometry.contours.StructureContours` turns back into holes. Vertices are
simplified with Douglas-Peucker at ``tolerance_voxels`` (default 0.05 voxel), and polygons
smaller than ``min_area_voxels`` are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from skimage import measure

from hccrt.errors import InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid

LEVEL = 0.5
_find_contours: Callable[..., list[npt.NDArray[np.float64]]] = measure.find_contours
_approximate_polygon: Callable[..., npt.NDArray[np.float64]] = measure.approximate_polygon


def _polygon_area(points: npt.NDArray[np.float64]) -> float:
    rows, cols = points[:, 0], points[:, 1]
    return float(0.5 * abs(np.dot(rows, np.roll(cols, -1)) - np.dot(cols, np.roll(rows, -1))))


def occupancy_to_contours(
    occupancy: npt.ArrayLike,
    grid: Grid,
    name: str,
    number: int,
    *,
    color_rgb: tuple[int, int, int] = (255, 0, 0),
    interpreted_type: str = "",
    tolerance_voxels: float = 0.05,
    min_area_voxels: float = 0.25,
) -> StructureContours:
    """Contour a mask slice by slice in the grid's slice planes.

    Parameters
    ----------
    occupancy
        Fractional occupancy in [0, 1] or a boolean mask shaped like ``grid``.
    grid
        Geometry of the mask; contours are placed at the slice centres in LPS mm.
    name, number, color_rgb, interpreted_type
        ROI attributes of the new structure (TG-263 style names, e.g. ``"Liver-GTV"``).
    tolerance_voxels
        Douglas-Peucker tolerance in voxels (0 keeps every marching-squares vertex).
    min_area_voxels
        Polygons with a smaller in-plane area (voxels) are dropped as noise.

    Returns
    -------
    StructureContours
        One polygon per closed iso-line at level 0.5.
    """
    values = np.asarray(occupancy, dtype=np.float64)
    if values.shape != grid.shape:
        raise InputError("occupancy", f"shape must be {grid.shape}", values.shape, "")
    contours: list[PlanarContour] = []
    for k in range(values.shape[0]):
        plane = values[k]
        if not np.any(plane >= LEVEL):
            continue
        padded = np.pad(plane, 1)
        for line in _find_contours(padded, LEVEL):
            points = line - 1.0  # undo the padding: (row, column) voxel indices
            if len(points) > 1 and np.allclose(points[0], points[-1]):
                points = points[:-1]
            if tolerance_voxels > 0 and len(points) > 8:
                closed = np.vstack([points, points[:1]])
                points = _approximate_polygon(closed, tolerance_voxels)[:-1]
            if len(points) < 3 or _polygon_area(points) < min_area_voxels:
                continue
            index = np.column_stack([np.full(len(points), float(k)), points])
            contours.append(PlanarContour(grid.index_to_world(index)))
    return StructureContours(
        name=name,
        number=number,
        frame_of_reference_uid=grid.frame_of_reference_uid,
        contours=tuple(contours),
        color_rgb=color_rgb,
        interpreted_type=interpreted_type,
    )
