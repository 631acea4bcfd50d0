"""Exact per-slice contours of analytic solids (the RTSTRUCT of the phantom).

On each CT slice plane, the solid's signed field is sampled on a fine in-plane lattice (0.5 mm
for organs smaller than 8 cm, 1 mm for larger ones) and its zero level line is traced by
marching squares with linear interpolation. Because the fields are smooth (up to the creases
of CSG unions/cuts), the traced line lies within about 0.01 mm of the true intersection of the
surface with the plane away from creases, and within half a lattice step at a crease. The
line is then resampled to vertices 1.5 mm apart along its length (at least 32 per contour):
on a curve of radius r the chords deviate by 1.5² / (8 r) mm, 0.03 mm for a 1 cm radius.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from skimage.measure import find_contours

from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.phantom.shapes import Shape

FloatArray = npt.NDArray[np.float64]

POINT_SPACING_MM = 1.5
"""Target distance between contour vertices (arc length)."""

MIN_POINTS, MAX_POINTS = 32, 1024
"""Bounds of the vertex count of one contour."""

_MIN_AREA_MM2 = 0.5


def _lattice_step_mm(extent_mm: float) -> float:
    return 0.5 if extent_mm < 80.0 else 1.0


def _resample(points: FloatArray, spacing_mm: float) -> FloatArray:
    """Resample a closed polyline to vertices evenly spaced by arc length."""
    closed = np.vstack([points, points[:1]])
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(closed, axis=0), axis=1))])
    count = int(np.clip(round(arc[-1] / spacing_mm), MIN_POINTS, MAX_POINTS))
    targets = np.arange(count) * (arc[-1] / count)
    result: FloatArray = np.column_stack(
        [np.interp(targets, arc, closed[:, axis]) for axis in range(points.shape[1])]
    )
    return result


def _boundary_field(shape: Shape, x: FloatArray, y: FloatArray, z_mm: float) -> FloatArray:
    """Field on the lattice, computed exactly only next to the boundary (+-1 elsewhere).

    Marching squares reads values only at the corners of cells whose corners differ in sign,
    so the (costly) field is evaluated at the lattice nodes within one node of a sign change.
    """
    gx, gy = np.meshgrid(x, y)
    inside = shape.inside(gx.ravel(), gy.ravel(), np.full(gx.size, z_mm)).reshape(gx.shape)
    values = np.where(inside, -1.0, 1.0)
    if not inside.any():
        return values
    padded = np.pad(inside, 1, mode="edge")
    near = np.zeros_like(inside)
    for dj in (0, 1, 2):
        for di in (0, 1, 2):
            near |= padded[dj : dj + inside.shape[0], di : di + inside.shape[1]] != inside
    rows, cols = np.nonzero(near)
    values[rows, cols] = shape.field(x[cols], y[rows], np.full(rows.size, z_mm))
    return values


def slice_polygons(shape: Shape, z_mm: float) -> list[FloatArray]:
    """Closed polygons ``(N, 3)`` (LPS mm) where ``shape`` meets the axial plane ``z = z_mm``.

    Nested polygons are holes (even-odd rule). Polygons smaller than 0.5 mm² are dropped.
    """
    box = shape.bounds()
    if not box[0, 2] <= z_mm <= box[1, 2]:
        return []
    if not np.all(np.isfinite(box[:, :2])):
        raise ValueError("a contoured solid must be bounded in x and y")
    step = _lattice_step_mm(float(np.max(box[1, :2] - box[0, :2])))
    x = np.arange(box[0, 0] - 2 * step, box[1, 0] + 2.5 * step, step)
    y = np.arange(box[0, 1] - 2 * step, box[1, 1] + 2.5 * step, step)
    values = _boundary_field(shape, x, y, z_mm)
    if not np.any(values < 0):
        return []
    polygons: list[FloatArray] = []
    for traced in find_contours(values, 0.0):  # type: ignore[no-untyped-call]
        if len(traced) >= 2 and np.allclose(traced[0], traced[-1]):
            traced = traced[:-1]
        if len(traced) < 3:
            continue
        planar = np.column_stack([x[0] + traced[:, 1] * step, y[0] + traced[:, 0] * step])
        planar = _resample(planar, POINT_SPACING_MM)
        area = 0.5 * abs(
            float(np.dot(planar[:, 0], np.roll(planar[:, 1], -1)))
            - float(np.dot(planar[:, 1], np.roll(planar[:, 0], -1)))
        )
        if area >= _MIN_AREA_MM2:
            polygons.append(np.column_stack([planar, np.full(len(planar), z_mm)]))
    return polygons


def contour_structure(
    name: str,
    number: int,
    shape: Shape,
    z_positions_mm: Sequence[float] | FloatArray,
    frame_of_reference_uid: str,
    color_rgb: tuple[int, int, int],
    interpreted_type: str,
) -> StructureContours:
    """Contour ``shape`` on every slice plane of ``z_positions_mm`` as one ROI."""
    if shape.z_invariant:  # an axial prism: trace once, copy to every plane
        section = slice_polygons(shape, 0.0)
        contours = [
            PlanarContour(np.column_stack([p[:, :2], np.full(len(p), float(z_mm))]))
            for z_mm in z_positions_mm
            for p in section
        ]
    else:
        contours = [
            PlanarContour(points)
            for z_mm in z_positions_mm
            for points in slice_polygons(shape, float(z_mm))
        ]
    return StructureContours(
        name=name,
        number=number,
        frame_of_reference_uid=frame_of_reference_uid,
        contours=tuple(contours),
        color_rgb=color_rgb,
        interpreted_type=interpreted_type,
    )
