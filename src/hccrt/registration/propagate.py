"""Map ROIs drawn on the moving image (e.g. MR) onto the planning CT through a registration.

Method (rigid and deformable alike): the ROI is rasterised on a fine grid of its own contour
planes (0.5 mm in-plane, exact polygon fill, :func:`~hccrt.geometry.rasterize.structure_occupancy`);
every point of a CT-plane grid around the target (the CT's own slice planes, half the CT pixel
in-plane) is mapped to the moving frame (``fixed_to_moving``: the inverse rigid matrix, or the
deformation grid) and the occupancy there is interpolated trilinearly (linear between the source
planes, ending half a plane gap beyond the first and last plane, as the DVH volumes do); the
0.5 iso-line on each CT plane becomes the new contour
(:func:`~hccrt.geometry.mask_contours.occupancy_to_contours`). The contours therefore lie exactly
on the CT planes; the accuracy is measured in ``docs/validation/fusion.md`` (a sphere propagated
through a rotated, shifted MR).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid, require_same_frame
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.geometry.rasterize import structure_occupancy
from hccrt.geometry.structure_grid import grid_for_structures
from hccrt.registration.result import RegistrationResult

SOURCE_INPLANE_MM = 0.5
TARGET_SUBDIVISION = 2
_PADDING_MM = 6.0


def _target_grid(ct_grid: Grid, points_ct: npt.NDArray[np.float64]) -> Grid:
    """CT planes around ``points_ct``, in-plane spacing divided by TARGET_SUBDIVISION."""
    index = ct_grid.world_to_index(points_ct)
    low = np.floor(index.min(axis=0) - _PADDING_MM / np.asarray(ct_grid.spacing_mm)).astype(int)
    high = np.ceil(index.max(axis=0) + _PADDING_MM / np.asarray(ct_grid.spacing_mm)).astype(int)
    low = np.maximum(low, 0)
    high = np.minimum(high, np.asarray(ct_grid.shape) - 1)
    if np.any(high < low):
        raise InputError(
            "--to-ct",
            "the propagated structure lies outside the CT",
            np.round(points_ct.mean(axis=0), 1).tolist(),
            "check the registration and the CT series",
        )
    n = TARGET_SUBDIVISION
    affine = ct_grid.affine.copy()
    affine[:3, 1:3] /= n
    origin = ct_grid.index_to_world(low - np.array([0.0, (n - 1) / (2 * n), (n - 1) / (2 * n)]))
    affine[:3, 3] = origin
    shape = (
        int(high[0] - low[0] + 1),
        int((high[1] - low[1] + 1) * n),
        int((high[2] - low[2] + 1) * n),
    )
    return Grid(shape, affine, ct_grid.frame_of_reference_uid)


def propagate_structure(
    structure: StructureContours,
    registration: RegistrationResult,
    ct_grid: Grid,
    *,
    name: str | None = None,
    number: int | None = None,
) -> StructureContours:
    """The ROI ``structure`` (moving frame) as contours on the CT planes (fixed frame).

    Parameters
    ----------
    structure
        ROI in the registration's moving Frame of Reference.
    registration
        Rigid or deformable registration (moving -> fixed).
    ct_grid
        Grid of the planning CT (fixed frame): the contours are put on its slice planes.
    name, number
        Name and number of the new ROI (the source's by default).

    Raises
    ------
    InputError
        Empty ROI, wrong Frame of Reference, or a result outside the CT.
    """
    if structure.is_empty:
        raise InputError(
            "--rtstruct", f"ROI '{structure.name}' has no contour", structure.name, "draw it"
        )
    require_same_frame(
        structure.frame_of_reference_uid, registration.moving_frame_uid, "ROI and registration"
    )
    require_same_frame(ct_grid.frame_of_reference_uid, registration.fixed_frame_uid, "CT and REG")
    source_grid = grid_for_structures([structure], _PADDING_MM, SOURCE_INPLANE_MM)
    occupancy = structure_occupancy(structure, source_grid, 8, axial="centre")
    corners = source_grid.index_to_world(
        np.array(
            [
                [a, b, c]
                for a in (0, source_grid.shape[0] - 1)
                for b in (0, source_grid.shape[1] - 1)
                for c in (0, source_grid.shape[2] - 1)
            ]
        )
    )
    target = _target_grid(ct_grid, registration.moving_to_fixed_points(corners))
    k, j, i = np.meshgrid(*(np.arange(n) for n in target.shape), indexing="ij")
    points = target.index_to_world(np.column_stack([k.ravel(), j.ravel(), i.ravel()]))
    index = source_grid.world_to_index(registration.fixed_to_moving_points(points))
    values = ndimage.map_coordinates(occupancy, index.T, order=1, mode="constant", cval=0.0)
    return occupancy_to_contours(
        values.reshape(target.shape),
        target,
        name or structure.name,
        structure.number if number is None else number,
        color_rgb=structure.color_rgb,
        interpreted_type=structure.interpreted_type,
    )


def propagate_structures(
    structures: Sequence[StructureContours], registration: RegistrationResult, ct_grid: Grid
) -> list[StructureContours]:
    """:func:`propagate_structure` for each ROI, numbered 1, 2, ... in order."""
    return [
        propagate_structure(s, registration, ct_grid, number=n)
        for n, s in enumerate(structures, start=1)
    ]
