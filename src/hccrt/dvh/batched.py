"""Fast path of the DVH engine: all planes of a structure in one rasteriser and dose call.

Used when the dose grid is axis aligned and the contour planes are equally spaced (the usual
case: contours on CT slices). It gives the same samples as the plane-by-plane path of
:mod:`hccrt.dvh.engine` (same lattice, slabs, sub-layers and cell spread) with one occupancy call
on a multi-slice grid whose slices are the contour planes, and one separable trilinear dose
evaluation on every sub-layer face of every plane.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from hccrt.dvh.binning import DoseSamples
from hccrt.dvh.interpolation import (
    covered_mask,
    interpolate_at_indices,
    separable_plane_doses,
    world_to_dose_index,
)
from hccrt.dvh.sampling import (
    SMOOTH_MIN_SUBLAYERS,
    SampleLattice,
    Slab,
    contours_for_slab,
    slabs_of,
    sublayer_faces_mm,
)
from hccrt.dvh.shape_interpolation import sublayer_occupancy
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]
Occupancy = Callable[[StructureContours, Grid, int], npt.NDArray[np.floating]]
_UNIFORM_TOLERANCE_MM = 1e-3


def uniform_planes(slabs: Sequence[Slab]) -> bool:
    """True when there are at least two planes, equally spaced."""
    if len(slabs) < 2:
        return False
    gaps = np.diff([s.z_mm for s in slabs])
    return bool(np.all(np.abs(gaps - gaps[0]) <= _UNIFORM_TOLERANCE_MM))


def _stack_grid(slabs: Sequence[Slab], lattice: SampleLattice, uid: str, margin: int = 1) -> Grid:
    points = np.concatenate([c.points_mm for s in slabs for c in s.contours])
    h = lattice.pixel_mm
    i0 = math.floor((points[:, 0].min() - lattice.x0_mm) / h) - margin
    i1 = math.ceil((points[:, 0].max() - lattice.x0_mm) / h) + margin
    j0 = math.floor((points[:, 1].min() - lattice.y0_mm) / h) - margin
    j1 = math.ceil((points[:, 1].max() - lattice.y0_mm) / h) + margin
    gap = slabs[1].z_mm - slabs[0].z_mm
    return Grid.from_spacing(
        (len(slabs), j1 - j0 + 1, i1 - i0 + 1),
        (gap, h, h),
        (lattice.x0_mm + i0 * h, lattice.y0_mm + j0 * h, slabs[0].z_mm),
        uid,
    )


def moved_to_plane(contours: Sequence[PlanarContour], z_mm: float) -> list[PlanarContour]:
    """The contours with every point moved onto the axial plane ``z = z_mm`` (LPS mm)."""
    return [
        PlanarContour(np.column_stack([c.points_mm[:, :2], np.full(len(c.points_mm), z_mm)]))
        for c in contours
    ]


def sample_batched(
    structure: StructureContours,
    slabs: Sequence[Slab],
    lattice: SampleLattice,
    dose: FloatArray,
    dose_grid: Grid,
    subtract: Sequence[StructureContours],
    occupancy: Occupancy,
    subsamples: int,
    *,
    smooth: bool = False,
) -> DoseSamples:
    """All samples of a structure with equally spaced planes on an axis-aligned dose grid.

    With ``smooth`` the shape between the planes is interpolated
    (:mod:`hccrt.dvh.shape_interpolation`) instead of repeating each plane over its slab.
    """
    uid = structure.frame_of_reference_uid
    # the interpolated shape may bulge a little beyond the contours between two planes
    grid = _stack_grid(slabs, lattice, uid, margin=3 if smooth else 1)
    occ = np.asarray(occupancy(structure, grid, subsamples))
    vertices = [c.points_mm for s in slabs for c in s.contours]
    offsets = sublayer_faces_mm(
        slabs[0], dose_grid.spacing_mm[0], SMOOTH_MIN_SUBLAYERS if smooth else 1
    )
    layers = offsets.size - 1
    gap_mm = slabs[0].thickness_mm
    centres = 0.5 * (offsets[:-1] + offsets[1:]) / gap_mm

    if smooth:
        occ = sublayer_occupancy(occ, lattice.pixel_mm, gap_mm, centres)
    if subtract:
        removed = np.zeros(occ.shape)
        for other in subtract:
            moved: list[PlanarContour] = []
            own = slabs_of(other, slabs[0].thickness_mm) if not other.is_empty else ()
            for slab in slabs:
                chosen = contours_for_slab(other, slab, own)
                moved.extend(moved_to_plane(chosen, slab.z_mm))
                vertices.extend(c.points_mm for c in chosen)
            if moved:
                plane_set = StructureContours(other.name, other.number, uid, tuple(moved))
                other_occ = np.asarray(occupancy(plane_set, grid, subsamples), dtype=np.float64)
                if smooth:
                    other_occ = sublayer_occupancy(other_occ, lattice.pixel_mm, gap_mm, centres)
                removed = np.maximum(removed, other_occ)
        occ = np.clip(occ.astype(np.float64) - removed, 0.0, 1.0)
    extremes = [_surface_doses(vertices, slabs, dose, dose_grid, smooth)]
    z_planes, y_mm, x_mm = grid.axis_coordinates_mm()
    # Slabs are contiguous, so the top face of one plane is the bottom face of the next: the
    # n planes x `layers` sub-layers need n * layers + 1 distinct faces.
    step = slabs[0].thickness_mm / layers
    faces_z = z_planes[0] + offsets[0] + step * np.arange(len(slabs) * layers + 1)
    faces, inside_z, inside_y, inside_x = separable_plane_doses(
        dose, dose_grid, x_mm, y_mm, faces_z
    )
    cell_cc = lattice.pixel_mm**2 * step / 1000.0
    plane_size = faces.shape[1] * faces.shape[2]
    values = faces.reshape(-1)
    if smooth:
        # occ is (plane, layer, row, col): sub-layer (p, l) lies on face p * layers + l
        per_layer = occ.reshape(-1, *occ.shape[2:])
        face, rows, cols = np.nonzero(per_layer > 0)
        fraction = per_layer[face, rows, cols].astype(np.float64)
        face = face.astype(np.int64)
        base = rows.astype(np.int64) * faces.shape[2] + cols
        repeat = 1
    else:
        # every sub-layer repeats its plane; all at once, layer-major: sample (layer, n) lies
        # between faces planes[n] * layers + layer and the one above it
        planes, rows, cols = np.nonzero(occ > 0)
        fraction = np.tile(occ[planes, rows, cols].astype(np.float64), layers)
        face = (planes[None, :].astype(np.int64) * layers + np.arange(layers)[:, None]).ravel()
        base = np.tile(rows.astype(np.int64) * faces.shape[2] + cols, layers)
        repeat = layers
    at_lower = face * plane_size + base
    at_upper = at_lower + plane_size
    lower = values.take(at_lower)
    upper = values.take(at_upper)
    spread = _inplane_spread(faces, values, at_lower, at_upper)
    weight = fraction * cell_cc
    solid = fraction >= 0.5
    uncovered = 0.0
    if not (inside_z.all() and inside_y.all() and inside_x.all()):
        inside = inside_z[face] & inside_z[face + 1]
        inside &= np.tile(inside_y[rows] & inside_x[cols], repeat)
        uncovered = float(weight[~inside].sum())
        lower, upper, spread = lower[inside], upper[inside], spread[inside]
        weight, solid = weight[inside], solid[inside]
    # min/max on float32 and then float64: the same values as in float64, half the traffic
    low = np.minimum(lower, upper).astype(np.float64)
    high = np.maximum(lower, upper).astype(np.float64)
    del lower, upper
    if solid.any():
        # only the extremes of these samples are used (Dmin/Dmax)
        lowest = np.min(low, where=solid, initial=np.inf)
        highest = np.max(high, where=solid, initial=-np.inf)
        extremes.append(np.array([lowest, highest]))
    # middle +- width / 2 with width = sqrt((high - low)^2 + spread), computed in place
    width = np.subtract(high, low)
    np.square(width, out=width)
    width += spread
    np.sqrt(width, out=width)
    width *= 0.5
    middle = np.add(low, high, out=low)
    middle *= 0.5
    high = np.add(middle, width, out=high)
    np.subtract(middle, width, out=middle)
    low = np.maximum(middle, 0.0, out=middle)
    return DoseSamples(
        low,
        high,
        weight,
        uncovered,
        np.concatenate(extremes),
        lattice.pixel_mm,
        between_planes="smooth" if smooth else "slab",
    )


def _inplane_spread(
    faces: npt.NDArray[np.float32],
    values: npt.NDArray[np.float32],
    at_lower: npt.NDArray[np.int64],
    at_upper: npt.NDArray[np.int64],
) -> FloatArray:
    """Squared in-plane dose spread (Gy^2) of each sample cell, from central differences.

    The differences are those of the sum of a sub-layer's two faces (Gy per pixel, halved
    twice: the mean face and the central difference), at the occupied pixels only: the stack
    grid has a margin of at least one empty pixel around the contours, so every occupied pixel
    has both neighbours along rows and columns. When the samples fill much of the stack the
    differences are taken on the whole stack (contiguous) and gathered once per axis, instead
    of four gathers per axis; both give the same float32 differences.
    """
    spread = np.zeros(at_lower.size)
    n_faces, n_rows, n_cols = faces.shape
    dense = 3 * at_lower.size >= (n_faces - 1) * n_rows * n_cols
    sums = faces[:-1] + faces[1:] if dense else None
    for axis, stride in ((1, n_cols), (2, 1)):
        if faces.shape[axis] <= 1:
            continue
        if sums is not None:
            differences = np.zeros(sums.shape, dtype=sums.dtype)
            if axis == 1:
                np.subtract(sums[:, 2:, :], sums[:, :-2, :], out=differences[:, 1:-1, :])
            else:
                np.subtract(sums[:, :, 2:], sums[:, :, :-2], out=differences[:, :, 1:-1])
            difference = differences.reshape(-1).take(at_lower)
        else:
            ahead = values.take(at_lower + stride) + values.take(at_upper + stride)
            behind = values.take(at_lower - stride) + values.take(at_upper - stride)
            difference = ahead - behind
        spread += (0.25 * difference.astype(np.float64)) ** 2
    return spread


def _surface_doses(
    vertices: Sequence[FloatArray],
    slabs: Sequence[Slab],
    dose: FloatArray,
    dose_grid: Grid,
    smooth: bool,
) -> FloatArray:
    points = np.concatenate(vertices)
    below, above = slabs[0].below_mm, slabs[0].above_mm
    if smooth:
        # between the planes the surface is interpolated: the vertices on their planes, and
        # the slab faces only at the end caps
        first = np.concatenate([c.points_mm for c in slabs[0].contours])
        last = np.concatenate([c.points_mm for c in slabs[-1].contours])
        layered = np.concatenate(
            [points, first - np.array([0.0, 0.0, below]), last + np.array([0.0, 0.0, above])]
        )
    else:
        layered = np.concatenate([points + np.array([0.0, 0.0, dz]) for dz in (-below, above)])
    index = world_to_dose_index(dose_grid, layered)
    covered = covered_mask(dose_grid, index)
    return interpolate_at_indices(dose, index[covered])
