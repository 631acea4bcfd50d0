"""Contours grouped into planes of a grid, each standing for a slab (half-slice end caps).

The plane and end-cap conventions are those of :mod:`hccrt.geometry.rasterize` (its module
docstring): planes within :data:`PLANE_TOLERANCE_MM` merge, each plane's slab reaches half-way
to its neighbours, and a gap over :data:`GAP_FACTOR` times the nominal spacing is a real gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.errors import GeometryMismatchError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid, require_same_frame
from hccrt.geometry.polygon_fill import even_odd_area, newell_normal

FloatArray = npt.NDArray[np.float64]

PLANE_TOLERANCE_MM = 0.05
"""Contours whose positions along the slice axis differ by less than this share one plane (mm)."""
GAP_FACTOR = 1.5
"""A gap between planes larger than this times the nominal spacing is a gap in the structure."""
EndCaps = Literal["half", "none"]
_PARALLEL_TOLERANCE = 1e-3


@dataclass(frozen=True)
class ContourPlane:
    """Polygons of one plane in continuous grid indices, with the slab they represent.

    Attributes
    ----------
    position
        Plane position as a continuous slice index ``k`` of the grid.
    slab
        ``(low, high)`` slab limits in continuous ``k`` (half-slice end caps).
    polygons
        ``(N, 2)`` arrays of ``(j, i)`` vertex positions (continuous row/column indices).
    area_mm2
        Even-odd area of the plane (holes subtracted).
    """

    position: float
    slab: tuple[float, float]
    polygons: tuple[FloatArray, ...]
    area_mm2: float


def median(values: FloatArray) -> float:
    """The median of a non-empty 1-D array, as :func:`numpy.median` computes it.

    :func:`numpy.median` imports :mod:`numpy.ma` (about 40 ms) on its first call, which is a
    tenth of a short command's run.
    """
    ordered = np.sort(values)
    middle = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2.0)


def _slabs(
    positions: FloatArray, single_thickness: float, end_caps: EndCaps = "half"
) -> list[tuple[float, float]]:
    """Slabs around sorted plane positions (all in one unit), with the given end caps."""
    if positions.size == 1:
        half = single_thickness / 2.0
        return [(float(positions[0] - half), float(positions[0] + half))]
    gaps = np.diff(positions)
    nominal = median(gaps)
    cap = nominal / 2.0 if end_caps == "half" else 0.0
    reach = np.where(gaps <= GAP_FACTOR * nominal, gaps / 2.0, cap)
    below = np.concatenate([[cap], reach])
    above = np.concatenate([reach, [cap]])
    return [(float(p - b), float(p + a)) for p, b, a in zip(positions, below, above, strict=True)]


def contour_planes(
    structure: StructureContours,
    grid: Grid,
    single_plane_thickness_mm: float | None = None,
    end_caps: EndCaps = "half",
) -> list[ContourPlane]:
    """Group a structure's contours into planes in the grid's index space, with their slabs.

    Raises
    ------
    GeometryMismatchError
        Different Frame of Reference, or contours not parallel to the grid's slices.
    """
    require_same_frame(
        structure.frame_of_reference_uid,
        grid.frame_of_reference_uid,
        f"structure '{structure.name}' on grid {grid.shape}",
    )
    if structure.is_empty:
        return []
    slice_axis = grid.directions[0]
    sizes = [len(c.points_mm) for c in structure.contours]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    along = np.concatenate([c.points_mm for c in structure.contours]) @ slice_axis
    # A contour whose vertices share one position along the slice axis is parallel to the
    # slices by construction; only the others need their normal.
    flat = np.maximum.reduceat(along, starts) - np.minimum.reduceat(along, starts) <= 1e-9
    for contour, is_flat in zip(structure.contours, flat, strict=True):
        if is_flat:
            continue
        normal = newell_normal(contour.points_mm)
        if abs(abs(float(normal @ slice_axis)) - 1.0) > _PARALLEL_TOLERANCE and (
            contour.area_mm2 > 1e-6
        ):
            raise GeometryMismatchError(
                f"structure '{structure.name}'",
                "contours must be parallel to the grid's slices",
                f"contour normal {np.round(normal, 3).tolist()} vs slice axis "
                f"{np.round(slice_axis, 3).tolist()}",
                "use a grid with the orientation of the contoured image series",
            )
    dz = grid.spacing_mm[0]
    tolerance = PLANE_TOLERANCE_MM / dz
    # One affine transform for all vertices, then split per contour.
    every = grid.world_to_index(np.concatenate([c.points_mm for c in structure.contours]))
    mean_k = np.add.reduceat(every[:, 0], starts) / np.asarray(sizes, dtype=np.float64)
    indexed = sorted(
        (
            (float(mean_k[n]), every[start : start + size], contour)
            for n, (start, size, contour) in enumerate(
                zip(starts, sizes, structure.contours, strict=True)
            )
        ),
        key=lambda item: item[0],
    )
    groups: list[list[tuple[float, FloatArray, PlanarContour]]] = []
    for k, points, contour in indexed:
        if groups and abs(k - groups[-1][-1][0]) <= tolerance:
            groups[-1].append((k, points, contour))
        else:
            groups.append([(k, points, contour)])
    positions = np.array([sum(k for k, _, _ in g) / len(g) for g in groups])
    thickness = (single_plane_thickness_mm or dz) / dz
    slabs = _slabs(positions, thickness, end_caps)
    _, row_mm, col_mm = grid.spacing_mm
    planes = []
    for group, position, slab in zip(groups, positions, slabs, strict=True):
        polygons = tuple(np.ascontiguousarray(points[:, 1:]) for _, points, _ in group)
        area = even_odd_area(list(polygons)) * row_mm * col_mm
        planes.append(ContourPlane(float(position), slab, polygons, area))
    return planes
