"""Dose at the sample cells of one contour plane (the plane-by-plane path of the DVH engine).

Each occupied pixel of a plane's sample lattice is split into sub-layers along the slab normal;
a cell's dose runs from its lower-face to its upper-face dose, and its in-plane spread is the
squared dose span across one pixel. :func:`cells_separable` serves axis-aligned dose grids
(separable trilinear interpolation on whole planes); :func:`cells_general` serves any
orientation by point interpolation with :class:`InPlaneGradients`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hccrt.dvh.interpolation import covered_mask, interpolate_at_indices, separable_plane_doses
from hccrt.dvh.sampling import Slab
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]
CellDoses = tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]


def cells_separable(
    dose: FloatArray,
    dose_grid: Grid,
    grid: Grid,
    faces_z: FloatArray,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
) -> CellDoses:
    """Face doses, squared in-plane spread and coverage of occupied cells (axis-aligned grid).

    Returns
    -------
    tuple
        Low and high dose (Gy) and squared in-plane spread (Gy^2) of the covered cells, and
        the coverage mask over all cells (sub-layer-major).
    """
    _, y_mm, x_mm = grid.axis_coordinates_mm()
    faces, inside_z, inside_y, inside_x = separable_plane_doses(
        dose, dose_grid, x_mm, y_mm, faces_z
    )
    middle = 0.5 * (faces[:-1] + faces[1:])
    spread = np.zeros_like(middle)
    for axis in (1, 2):
        if middle.shape[axis] > 1:
            spread += (np.gradient(middle, axis=axis)) ** 2
    low = faces[:-1][:, rows, cols]
    high = faces[1:][:, rows, cols]
    inside = (inside_z[:-1] & inside_z[1:])[:, None] & (inside_y[rows] & inside_x[cols])[None, :]
    flat = inside.reshape(-1)
    return (
        np.minimum(low, high).reshape(-1)[flat],
        np.maximum(low, high).reshape(-1)[flat],
        spread[:, rows, cols].reshape(-1)[flat],
        flat,
    )


def cells_general(
    dose: FloatArray,
    dose_grid: Grid,
    grid: Grid,
    faces_z: FloatArray,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    to_dose_index: FloatArray,
    gradients: InPlaneGradients,
) -> CellDoses:
    """The same as :func:`cells_separable` for any grid orientation (point interpolation)."""
    centres = grid.index_to_world(np.column_stack([np.zeros_like(rows), rows, cols]))
    centres[:, 2] = 0.0
    base_index = centres @ to_dose_index[:3, :3].T + to_dose_index[:3, 3]
    per_mm = to_dose_index[:3, 2]  # index change per mm along z
    lower = (base_index[None, :, :] + faces_z[:-1, None, None] * per_mm).reshape(-1, 3)
    upper = (base_index[None, :, :] + faces_z[1:, None, None] * per_mm).reshape(-1, 3)
    inside = covered_mask(dose_grid, lower) & covered_mask(dose_grid, upper)
    low = interpolate_at_indices(dose, lower[inside])
    high = interpolate_at_indices(dose, upper[inside])
    inplane = gradients.spread_gy(0.5 * (lower[inside] + upper[inside]), grid.spacing_mm[2])
    return np.minimum(low, high), np.maximum(low, high), inplane, inside


class InPlaneGradients:
    """Dose gradients along LPS x and y (Gy/mm) on the dose voxels around a structure.

    Parameters
    ----------
    dose
        Dose array ``[k, j, i]`` (Gy).
    slabs
        The structure's contour slabs; the gradients are kept on the dose voxels around them.
    to_dose_index
        Inverse of the dose grid's affine (LPS mm -> dose index).
    """

    def __init__(self, dose: FloatArray, slabs: tuple[Slab, ...], to_dose_index: FloatArray):
        points = np.concatenate([c.points_mm for s in slabs for c in s.contours])
        thickness = max(s.thickness_mm for s in slabs)
        lift = np.array([0.0, 0.0, thickness])
        points = np.concatenate([points - lift, points + lift])
        index = points @ to_dose_index[:3, :3].T + to_dose_index[:3, 3]
        shape = np.asarray(dose.shape)
        low = np.clip(np.floor(index.min(axis=0)).astype(int) - 2, 0, shape - 1)
        high = np.clip(np.ceil(index.max(axis=0)).astype(int) + 3, low + 1, shape)
        self.offset = low.astype(np.float64)
        crop = dose[low[0] : high[0], low[1] : high[1], low[2] : high[2]]
        per_index = [
            np.gradient(crop, axis=a) if crop.shape[a] > 1 else np.zeros_like(crop)
            for a in range(3)
        ]
        self.gx = sum(g * to_dose_index[a, 0] for a, g in enumerate(per_index))
        self.gy = sum(g * to_dose_index[a, 1] for a, g in enumerate(per_index))

    def spread_gy(self, index: FloatArray, pixel_mm: float) -> FloatArray:
        """Squared in-plane dose span ``(g_x h)^2 + (g_y h)^2`` of cells at dose indices."""
        if index.shape[0] == 0:
            return np.zeros(0)
        local = (index - self.offset).T
        upper = np.asarray(self.gx.shape)[:, None] - 1
        at = tuple(np.clip(np.rint(local), 0, upper).astype(np.intp))
        gx, gy = self.gx[at], self.gy[at]
        result: FloatArray = (gx * pixel_mm) ** 2 + (gy * pixel_mm) ** 2
        return result
