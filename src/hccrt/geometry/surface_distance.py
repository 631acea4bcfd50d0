"""Separable sub-voxel surface distance: the engine behind :mod:`hccrt.geometry.margins`.

For an element ``E = {v : sum_a c_a(v_a) <= 1}`` with one-sided quadratic costs
``c_a(t) = (t / m_a+)^2`` (t >= 0) or ``(t / m_a-)^2`` (t < 0), the squared gauge distance from a
voxel centre to the structure surface is a sum of per-axis terms, so it is found by 1-D passes:
surface points found along axis ``a`` (where the occupancy crosses 0.5, placed with sub-voxel
accuracy) enter in a sparse pass along ``a`` and then spread over the voxel lattice along the two
other axes. Nothing here rounds a margin to whole voxels.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import ndimage

_INF = np.float32(np.inf)


def _shift_slices(axis: int, t: int, length: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Index pairs (target, source) with target = source + t along ``axis``."""
    target = [slice(None)] * 3
    source = [slice(None)] * 3
    if t >= 0:
        target[axis], source[axis] = slice(t, None), slice(None, length - t)
    else:
        target[axis], source[axis] = slice(None, length + t), slice(-t, None)
    return tuple(target), tuple(source)


def _lattice_pass(
    distance: npt.NDArray[np.float32], axis: int, step_mm: float, up_mm: float, down_mm: float
) -> npt.NDArray[np.float32]:
    """``out(x) = min_t distance(x - t) + c(t h)`` along ``axis`` (one separable pass)."""
    out = distance.copy()
    length = distance.shape[axis]
    for sign, margin in ((1, up_mm), (-1, down_mm)):
        if margin <= 0.0:
            continue
        reach = min(int(np.floor(margin / step_mm + 1e-9)), length - 1)
        for t in range(1, reach + 1):
            target, source = _shift_slices(axis, sign * t, length)
            view = out[target]
            cost = np.float32((t * step_mm / margin) ** 2)
            np.minimum(view, distance[source] + cost, out=view)
    return out


def _seed_pass(
    offsets_mm: npt.NDArray[np.float32],
    axis: int,
    step_mm: float,
    up_mm: float,
    down_mm: float,
    toward: int,
    away: int,
    out: npt.NDArray[np.float32],
) -> None:
    """Spread costs from sub-voxel surface points at ``y + offset`` to centres ``y + t h``.

    ``toward`` is +1 or -1: the side of the seed voxel the costs are spread to; ``away`` is -1 when
    the surface point lies on that side of the seed voxel (dilation), +1 when it lies on the
    other side (erosion). Works on the sparse seed voxels only and lowers ``out`` in place.
    """
    seeds = np.nonzero(np.isfinite(offsets_mm))
    if seeds[0].size == 0:
        return
    offsets = offsets_mm[seeds]
    length = offsets_mm.shape[axis]
    margin_to = up_mm if toward > 0 else down_mm
    margin_back = down_mm if toward > 0 else up_mm
    reach = min(int(np.floor(max(up_mm, down_mm) / step_mm)) + 1, length - 1)
    flat = out.reshape(-1)
    for t in range(reach + 1):
        position = seeds[axis] + toward * t
        valid = (position >= 0) & (position < length)
        # signed distance along ``toward`` from the surface point to the voxel centre
        gap = np.float32(t * step_mm) + np.float32(away) * offsets
        cost = np.full(gap.shape, _INF, dtype=np.float32)
        if margin_to > 0:
            ahead = gap >= 0
            cost[ahead] = (gap[ahead] / np.float32(margin_to)) ** 2
        else:
            cost[gap == 0] = 0.0
        if margin_back > 0:
            behind = gap < 0
            cost[behind] = (gap[behind] / np.float32(margin_back)) ** 2
        keep = valid & (cost <= 1.0 + 1e-6)
        if not np.any(keep):
            continue
        index = [seeds[0][keep], seeds[1][keep], seeds[2][keep]]
        index[axis] = position[keep]
        np.minimum.at(flat, np.ravel_multi_index(tuple(index), out.shape), cost[keep])


def _crossings(
    occupancy: npt.NDArray[np.float32], axis: int, step_mm: float
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Sub-voxel surface offsets (mm) from inside voxels towards + and - along ``axis``.

    The surface position follows from the partial volumes of the two voxels on either side of it
    (exact for a face perpendicular to the axis; beyond the array the occupancy is 0). ``inf``
    where there is no crossing.
    """
    padded = np.pad(occupancy, [(1, 1) if a == axis else (0, 0) for a in range(3)])
    n = occupancy.shape[axis]
    centre = occupancy
    result = []
    for shift in (1, -1):
        neighbour = np.take(padded, np.arange(1 + shift, n + 1 + shift), axis=axis)
        edge = (centre >= 0.5) & (neighbour < 0.5)
        # partial-volume position of a face crossing the line: inside voxel y (f_y >= 0.5) and
        # outside neighbour (f_n < 0.5) put the surface f_y + f_n - 0.5 voxels beyond y's centre
        fraction = centre + neighbour - np.float32(0.5)
        offsets = np.where(edge, np.clip(fraction, 0.0, 1.0) * np.float32(step_mm), _INF)
        result.append(offsets.astype(np.float32))
    return result[0], result[1]


def _shape_based_slice_crossings(
    occupancy: npt.NDArray[np.float32],
    spacing: tuple[float, float, float],
    plus: npt.NDArray[np.float32],
    minus: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Place the surface between two non-empty slices by interpolating in-plane signed distances.

    Between two contoured slices the structure's outline is interpolated linearly (shape-based
    interpolation), which removes the staircase of the slab model from the margin; towards an
    empty slice the half-slice end cap (occupancy crossing) is kept.
    """
    inside = occupancy >= 0.5
    huge = 1e6 * max(spacing)
    sampling = (huge, spacing[1], spacing[2])  # a huge slice step makes the transform 2-D
    outside_distance = ndimage.distance_transform_edt(~inside, sampling=sampling)
    inside_distance = ndimage.distance_transform_edt(inside, sampling=sampling)
    half = 0.5 * min(spacing[1], spacing[2])
    signed = np.where(inside, half - inside_distance, outside_distance - half).astype(np.float32)
    filled = inside.any(axis=(1, 2))
    result = []
    for offsets, shift in ((plus, 1), (minus, -1)):
        neighbour = np.roll(signed, -shift, axis=0)
        neighbour_filled = np.roll(filled, -shift)
        if shift > 0:
            neighbour_filled[-1] = False
        else:
            neighbour_filled[0] = False
        usable = np.isfinite(offsets) & neighbour_filled[:, None, None] & (neighbour < huge / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = -signed / (neighbour - signed)
        shaped = np.clip(ratio, 0.0, 1.0) * np.float32(spacing[0])
        result.append(np.where(usable, shaped, offsets).astype(np.float32))
    return result[0], result[1]


def surface_distance(
    occupancy: npt.NDArray[np.float32],
    grid_spacing: tuple[float, float, float],
    per_axis: list[tuple[float, float]],
    outward: bool,
    interpolate_slices: bool,
) -> npt.NDArray[np.float32]:
    """Squared gauge distance from each voxel centre to the sub-voxel surface samples.

    Surface samples found along axis ``a`` enter with their sub-voxel offset in a sparse pass
    along ``a``, then spread over the lattice along the two other axes:
    ``D = T1 T2 P0 + T0 T2 P1 + T0 T1 P2``, evaluated as ``T2 (T1 P0 + T0 P1) + T0 T1 P2``
    (min-plus passes along different axes commute). ``outward`` spreads costs from the surface
    to the outside (dilation), otherwise to the inside (erosion, where ``per_axis`` already
    holds the reflected element).
    """
    seeded = []
    for axis in range(3):
        up, down = per_axis[axis]
        plus, minus = _crossings(occupancy, axis, grid_spacing[axis])
        if axis == 0 and interpolate_slices and occupancy.shape[0] > 1:
            plus, minus = _shape_based_slice_crossings(occupancy, grid_spacing, plus, minus)
        first = np.full(occupancy.shape, _INF, dtype=np.float32)
        away = -1 if outward else 1
        _seed_pass(plus, axis, grid_spacing[axis], up, down, 1 if outward else -1, away, first)
        _seed_pass(minus, axis, grid_spacing[axis], up, down, -1 if outward else 1, away, first)
        seeded.append(first)

    def lattice(values: npt.NDArray[np.float32], axis: int) -> npt.NDArray[np.float32]:
        up, down = per_axis[axis]
        return _lattice_pass(values, axis, grid_spacing[axis], up, down)

    pair = np.minimum(lattice(seeded[0], 1), lattice(seeded[1], 0))
    total = lattice(pair, 2)
    np.minimum(total, lattice(lattice(seeded[2], 0), 1), out=total)
    return total
