"""A voxel grid for structure work when no CT is given: slices on the contour planes.

The slices sit on the contour planes of the structures (their spacing is the median gap between
planes); the in-plane spacing is ``inplane_mm`` (1 mm by default, finer than most CT); the box
covers every contour plus ``padding_mm`` on all sides (the largest margin to be applied plus two
voxels), so margins and set operations see the full structures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid, require_same_frame

_PLANE_DECIMALS = 2


def grid_for_structures(
    structures: Sequence[StructureContours], padding_mm: float, inplane_mm: float = 1.0
) -> Grid:
    """Build a grid whose slices are the contour planes of ``structures``.

    Raises
    ------
    InputError
        No contours at all, or contours not all parallel.
    GeometryMismatchError
        Structures in different Frames of Reference.
    """
    used = [s for s in structures if not s.is_empty]
    if not used:
        raise InputError(
            "structures", "have no closed contour", [s.name for s in structures], "draw them first"
        )
    for other in used[1:]:
        require_same_frame(
            used[0].frame_of_reference_uid, other.frame_of_reference_uid, "structures"
        )
    normal = used[0].contours[0].normal
    if normal[np.argmax(np.abs(normal))] < 0:
        normal = -normal
    for structure in used:
        for contour in structure.contours:
            if abs(abs(float(contour.normal @ normal)) - 1.0) > 1e-3 and contour.area_mm2 > 1e-6:
                raise GeometryMismatchError(
                    f"structure '{structure.name}'",
                    "contours are not all parallel",
                    np.round(contour.normal, 3).tolist(),
                    "give the CT series (--ct) to work on its grid",
                )
    axis = int(np.argmax(np.abs(normal)))
    helper = np.eye(3)[0] if axis != 0 else np.eye(3)[1]
    row = helper - (helper @ normal) * normal
    row /= np.linalg.norm(row)
    column = np.cross(normal, row)
    points = np.concatenate([s.all_points_mm() for s in used])
    along = np.unique(np.round(points @ normal, _PLANE_DECIMALS))
    gaps = np.diff(along)
    step = float(np.median(gaps)) if gaps.size else 2.0
    step = max(step, 0.1)
    first = float(along[0]) - np.ceil(padding_mm / step) * step
    last = float(along[-1]) + np.ceil(padding_mm / step) * step
    count = round((last - first) / step) + 1
    in_row, in_col = points @ row, points @ column
    low = np.array([in_row.min(), in_col.min()]) - padding_mm
    high = np.array([in_row.max(), in_col.max()]) + padding_mm
    shape_in = np.ceil((high - low) / inplane_mm).astype(int) + 1
    origin = first * normal + low[0] * row + low[1] * column
    return Grid.from_spacing(
        (count, int(shape_in[1]), int(shape_in[0])),
        (step, inplane_mm, inplane_mm),
        origin,
        used[0].frame_of_reference_uid,
        row_direction=row,
        column_direction=column,
        slice_direction=normal,
    )


def crop_grid(grid: Grid, points_mm: npt.ArrayLike, padding_mm: float) -> Grid:
    """The part of ``grid`` around ``points_mm`` plus ``padding_mm`` (and 2 voxels) on all sides.

    The voxels of the result are voxels of ``grid`` (same spacing, directions and Frame of
    Reference), so masks computed on it sit exactly on the original grid.

    Raises
    ------
    GeometryMismatchError
        When the points lie entirely outside the grid.
    """
    index = grid.world_to_index(np.asarray(points_mm, dtype=np.float64).reshape(-1, 3))
    pad = np.array([padding_mm / step for step in grid.spacing_mm]) + 2.0
    low = np.maximum(np.floor(index.min(axis=0) - pad), 0).astype(int)
    high = np.minimum(np.ceil(index.max(axis=0) + pad), np.array(grid.shape) - 1).astype(int)
    if np.any(high < low):
        raise GeometryMismatchError(
            "structures", "lie outside the grid", None, "check the CT series and the RTSTRUCT"
        )
    affine = np.array(grid.affine)
    affine[:3, 3] = grid.index_to_world(low.astype(np.float64))
    shape = (high - low + 1).tolist()
    return Grid((shape[0], shape[1], shape[2]), affine, grid.frame_of_reference_uid)
