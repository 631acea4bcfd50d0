"""Gauge-distance morphology of a fractional mask: the construction of the margins module.

The squared gauge distance to the structure's surface (:mod:`hccrt.geometry.surface_distance`)
is turned into a fractional map: 1 inside the expanded (or contracted) structure, 0 outside, a
linear ramp across its surface so that contours at 0.5 fall between voxel centres.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hccrt.geometry.grid import Grid
from hccrt.geometry.margin_spec import Margins, axis_margins
from hccrt.geometry.surface_distance import surface_distance

BoolMask = npt.NDArray[np.bool_]

MAX_GAUGE_SCALE = 3.0
"""The gauge is computed out to this multiple of the margin (for the sub-voxel ramp only)."""
MARGIN_RESOLUTION_MM = 1e-3
"""Margins below 1 micrometre count as 0 mm."""
_ON_SURFACE = np.float32(1.0 + 1e-6)
"""Gauge of the result's surface; the tolerance keeps voxel centres exactly at the margin in."""


def _crop_box(inside: BoolMask, pads: list[int]) -> tuple[tuple[slice, ...], list[tuple[int, int]]]:
    """Bounding box of ``inside`` grown by ``pads``, and the zero-padding needed past the grid."""
    where = [
        np.nonzero(inside.any(axis=tuple(a for a in range(3) if a != axis)))[0] for axis in range(3)
    ]
    box = []
    extra = []
    for idx, pad, n in zip(where, pads, inside.shape, strict=True):
        low, high = int(idx.min()) - pad, int(idx.max()) + pad + 1
        box.append(slice(max(low, 0), min(high, n)))
        extra.append((max(-low, 0), max(high - n, 0)))
    return tuple(box), extra


def gauge_morphology(
    occupancy: npt.NDArray[np.float32],
    grid: Grid,
    margins: Margins,
    dilate: bool,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Fractional result: 1 inside, 0 outside, a linear ramp in the gauge across the surface.

    The gauge ``g`` (1 on the result's surface) is computed with an element enlarged by
    ``scale`` so that the voxels up to one voxel beyond the surface get their value; the ramp
    ``0.5 + (1 - g) k`` (expansion) or ``0.5 + (g - 1) k`` (contraction) is >= 0.5 exactly where
    the voxel centre is in the result, and lets marching squares place the surface between voxel
    centres.
    """
    inside = occupancy >= 0.5
    if margins.is_zero or not inside.any():
        return inside.astype(np.float32)
    element = margins if dilate else margins.reflected()
    positive = [m for m in element.as_tuple() if m > 0]
    # contours are drawn in-plane: the ramp spans about one in-plane voxel for a typical margin
    spacing = max(grid.spacing_mm[1], grid.spacing_mm[2])
    typical = float(np.median(positive))
    scale = min(1.0 + 1.05 * spacing / typical, MAX_GAUGE_SCALE)
    slope = np.float32(0.5 * typical / spacing)
    per_axis = [(up * scale, down * scale) for up, down in axis_margins(grid, element)]
    pads = _pad_list(grid, per_axis)
    box, extra = _crop_box(inside, pads)
    local = np.pad(occupancy[box], extra) if not dilate else occupancy[box]
    distance = surface_distance(
        local, grid.spacing_mm, per_axis, outward=dilate, interpolate_slices=interpolate_slices
    )
    gauge = np.float32(scale) * np.sqrt(distance)
    result = np.zeros(inside.shape, dtype=np.float32)
    if dilate:
        ramp = np.clip(np.float32(0.5) + (_ON_SURFACE - gauge) * slope, 0.0, 1.0)
        ramp[inside[box]] = 1.0
        result[box] = _snap_off_plane(ramp)
        return result
    with np.errstate(invalid="ignore"):
        ramp = np.clip(np.float32(0.5) + (gauge - _ON_SURFACE) * slope, 0.0, 1.0)
    ramp[local < 0.5] = 0.0
    core = tuple(slice(a, ramp.shape[i] - b) for i, (a, b) in enumerate(extra))
    result[box] = _snap_off_plane(ramp[core])
    return result


def _snap_off_plane(ramp: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Keep ramp values only next to an in-plane neighbour across 0.5; snap the others to 0/1.

    Contours are drawn per slice, so only in-plane neighbours place the surface; a ramp value
    with no in-plane neighbour on the other side of 0.5 (the surface lies between two slices)
    is snapped so that the occupancy sums to the volume of the contours.
    """
    above = ramp >= 0.5
    padded = np.pad(above, ((0, 0), (1, 1), (1, 1)), mode="edge")
    neighbours = [
        padded[:, :-2, 1:-1],
        padded[:, 2:, 1:-1],
        padded[:, 1:-1, :-2],
        padded[:, 1:-1, 2:],
    ]
    mixed = np.zeros_like(above)
    for neighbour in neighbours:
        mixed |= neighbour != above
    return np.where(mixed, ramp, above.astype(np.float32))


def _pad_list(grid: Grid, per_axis: list[tuple[float, float]]) -> list[int]:
    return [
        int(np.floor(max(up, down) / step + 1e-9)) + 2
        for (up, down), step in zip(per_axis, grid.spacing_mm, strict=True)
    ]
