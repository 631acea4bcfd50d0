"""Exact-in-mm margins on voxel masks: isotropic or per direction (R, L, A, P, S, I).

Construction
------------
An expansion is the Minkowski sum of the structure with a structuring element ``E``. For
per-direction margins, ``E`` is the union of eight ellipsoid octants, the octant towards
(Left or Right, Posterior or Anterior, Superior or Inferior) having the margins of those three
directions as semi-axes. Equivalently ``E = {v : sum_a c_a(v_a) <= 1}`` with the one-sided
quadratic cost ``c_a(t) = (t / m_a+)^2`` for ``t >= 0`` and ``(t / m_a-)^2`` for ``t < 0``.
Because that cost is a sum of per-axis terms, the squared gauge distance
``D(x) = min_{p on the surface} sum_a c_a(x_a - p_a)`` separates into 1-D passes along the grid
axes (:mod:`hccrt.geometry.surface_distance`). The surface points are placed with sub-voxel
accuracy: along each grid axis, between an inside and an outside voxel, from their partial
volumes; between two contoured slices, by interpolating the in-plane signed distance
(shape-based interpolation). A voxel centre belongs to the expanded structure when ``D <= 1``.
This is exact in mm for any voxel spacing: no voxel-cube kernel, no rounding of the margin to
whole voxels. Isotropic margins use the same construction (a ball). Contraction is the dual
(``X (-) E = complement(complement(X) (+) -E)``), with everything outside the grid counting as
outside the structure.

Directions follow DICOM LPS: +x = patient Left, +y = Posterior, +z = Superior. Per-direction
margins need a grid whose axes run along the patient axes (any order and sign, e.g. HFS, FFS,
prone); isotropic margins work on any grid.

Modules: :class:`Margins` and the axis mapping in :mod:`hccrt.geometry.margin_spec`, the gauge
morphology in :mod:`hccrt.geometry.gauge_morphology`; this module re-exports their public names.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.gauge_morphology import MAX_GAUGE_SCALE, gauge_morphology
from hccrt.geometry.grid import Grid
from hccrt.geometry.margin_spec import DIRECTIONS, MARGIN_RESOLUTION_MM, MAX_MARGIN_MM, Margins

BoolMask = npt.NDArray[np.bool_]

__all__ = [
    "DIRECTIONS",
    "MARGIN_RESOLUTION_MM",
    "MAX_GAUGE_SCALE",
    "MAX_MARGIN_MM",
    "BoolMask",
    "Margins",
    "apply_margin",
    "contract_mask",
    "contract_occupancy",
    "expand_mask",
    "expand_occupancy",
]


def _as_occupancy(mask: npt.ArrayLike, grid: Grid) -> npt.NDArray[np.float32]:
    array = np.asarray(mask)
    if array.shape != grid.shape:
        raise InputError("mask", f"shape must equal the grid shape {grid.shape}", array.shape, "")
    return np.asarray(array, dtype=np.float32)


def _morphology(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    dilate: bool,
    interpolate_slices: bool,
) -> npt.NDArray[np.float32]:
    element = margins if isinstance(margins, Margins) else Margins.isotropic(margins)
    return gauge_morphology(_as_occupancy(mask, grid), grid, element, dilate, interpolate_slices)


def expand_mask(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> BoolMask:
    """Expand a structure by isotropic or per-direction margins (mm).

    Parameters
    ----------
    mask
        Fractional occupancy in [0, 1] (e.g. from
        :func:`~hccrt.geometry.rasterize.structure_occupancy`) or a boolean mask, shaped like
        ``grid``. Voxels >= 0.5 are inside; the surface is placed where the occupancy,
        interpolated linearly between neighbouring voxel centres, crosses 0.5 (sub-voxel).
    grid
        Geometry of the mask (voxel spacing and axis directions are used).
    margins
        A :class:`Margins` or an isotropic margin in mm.
    interpolate_slices
        Place the surface between two contoured slices by shape-based interpolation (default);
        ``False`` keeps the slab (staircase) model of the contours, surface half-way between
        slices.

    Returns
    -------
    numpy.ndarray
        Boolean mask: voxel centres within the Minkowski sum of the structure and the element.
    """
    return expand_occupancy(mask, grid, margins, interpolate_slices=interpolate_slices) >= 0.5


def contract_mask(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> BoolMask:
    """Contract (erode) a structure by isotropic or per-direction margins (mm).

    A voxel centre stays when the element placed on it lies entirely inside the structure
    (``right_mm`` shrinks the structure from its right side, and so on). Everything outside the
    grid counts as outside the structure.
    """
    return contract_occupancy(mask, grid, margins, interpolate_slices=interpolate_slices) >= 0.5


def expand_occupancy(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Like :func:`expand_mask`, as a float32 map whose 0.5 level is the expanded surface.

    Voxels inside are 1, voxels far outside 0; across the surface the value ramps linearly in
    the element's gauge, so contours extracted at 0.5 fall between voxel centres where the exact
    surface is (sub-voxel), and ``>= 0.5`` gives exactly :func:`expand_mask`.
    """
    return _morphology(mask, grid, margins, True, interpolate_slices)


def contract_occupancy(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Like :func:`contract_mask`, as a float32 map whose 0.5 level is the contracted surface."""
    return _morphology(mask, grid, margins, False, interpolate_slices)


def _check(mask: npt.ArrayLike, grid: Grid) -> BoolMask:
    return _as_occupancy(mask, grid) >= 0.5


def apply_margin(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    contract: bool = False,
    within: npt.ArrayLike | None = None,
    subtract: npt.ArrayLike | None = None,
) -> BoolMask:
    """Expand (or contract) a mask, then keep it inside ``within`` and remove ``subtract``.

    Typical use: CTV = expand(GTV, 5 mm) within Liver; ring structures; PTV minus OAR.
    """
    result = contract_mask(mask, grid, margins) if contract else expand_mask(mask, grid, margins)
    if within is not None:
        result &= _check(within, grid)
    if subtract is not None:
        result &= ~_check(subtract, grid)
    return result
