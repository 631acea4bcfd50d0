"""DVH engine: structures + dose grid -> :class:`DoseVolumeHistogram`.

Algorithm (see :mod:`hccrt.dvh.sampling` for the geometry model and
:mod:`hccrt.dvh.interpolation` for the dose convention)

1. Group the contours into axial planes; each plane is a slab with half-slice end caps.
2. Rasterise each plane with fractional occupancy on an adaptive pixel lattice (the geometry
   module's ``structure_occupancy``); structures to subtract (e.g. GTVs from the liver) are
   rasterised on the same pixels and removed: ``occ = clip(occ_base - max(occ_subtracted))``.
3. Split each slab into sub-layers and interpolate the dose trilinearly at every occupied
   sample; samples outside the dose grid are counted as uncovered volume, never as 0 Gy.
4. Histogram the samples into fine bins (default 20 000 between 0 and Dmax), weights = occupied
   volume. Dmean is the exact weighted sample mean. Dmin/Dmax come from the samples whose pixel
   is at least half inside and from the surface points (every contour vertex on its plane and on
   both slab faces), where the extremes of a near-linear dose lie.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.dvh.batched import sample_batched, uniform_planes
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.interpolation import (
    check_dose_array,
    covered_mask,
    interpolate_at_indices,
    separable_plane_doses,
)
from hccrt.dvh.sampling import (
    DvhSettings,
    Slab,
    choose_lattice,
    contours_for_slab,
    slabs_of,
    sublayer_faces_mm,
)
from hccrt.errors import GeometryMismatchError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid, require_same_frame

FloatArray = npt.NDArray[np.float64]
OccupancyFunction = Callable[[StructureContours, Grid, int], npt.NDArray[np.floating]]


def default_occupancy() -> OccupancyFunction:
    """The geometry module's fractional rasteriser (imported lazily)."""
    from hccrt.geometry.rasterize import structure_occupancy

    def occupancy(structure: StructureContours, grid: Grid, subsamples: int) -> FloatArray:
        # The sample grids are built around the contours, so nothing can fall outside them;
        # "clip" only avoids the area check tripping on sub-pixel polygons (e.g. sphere poles).
        result = structure_occupancy(structure, grid, subsamples, on_outside="clip")
        return np.asarray(result, dtype=np.float64)

    return occupancy


@dataclass(frozen=True)
class DoseSamples:
    """Raw dose samples of one structure (before binning).

    Parameters
    ----------
    dose_low_gy, dose_high_gy
        Lowest and highest dose of each covered sample cell (Gy); the cell's volume is spread
        uniformly between them (exact for a dose linear along the slab normal).
    volume_cc
        Volume each sample stands for (cc).
    uncovered_volume_cc
        Volume of samples outside the dose grid (cc).
    extreme_doses_gy
        Doses at surface points and (their extremes or all of) the well-inside samples,
        used only through their minimum and maximum (Dmin/Dmax).
    pixel_mm
        In-plane sample spacing used.
    """

    dose_low_gy: FloatArray
    dose_high_gy: FloatArray
    volume_cc: FloatArray
    uncovered_volume_cc: float
    extreme_doses_gy: FloatArray
    pixel_mm: float


def sample_structure(
    structure: StructureContours,
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    *,
    subtract: Sequence[StructureContours] = (),
    settings: DvhSettings | None = None,
    occupancy: OccupancyFunction | None = None,
    dose_checked: bool = False,
) -> DoseSamples:
    """Sample the dose inside a structure (optionally minus other structures).

    Raises
    ------
    GeometryMismatchError
        When the structure (or a subtracted one) is in another Frame of Reference.
    InputError
        When the structure has no closed contour or non-axial contours.
    """
    settings = settings or DvhSettings()
    occupancy = occupancy or default_occupancy()
    dose = (
        np.asarray(dose_gy, dtype=np.float64)
        if dose_checked
        else check_dose_array(dose_gy, dose_grid)
    )
    context = f"structure '{structure.name}' with the dose grid"
    require_same_frame(structure.frame_of_reference_uid, dose_grid.frame_of_reference_uid, context)
    for other in subtract:
        require_same_frame(
            other.frame_of_reference_uid,
            structure.frame_of_reference_uid,
            f"structure '{other.name}' subtracted from '{structure.name}'",
        )
    slabs = slabs_of(structure, default_thickness_mm=dose_grid.spacing_mm[0])
    lattice = choose_lattice(slabs, dose_grid, settings)
    to_dose_index: FloatArray = np.linalg.inv(dose_grid.affine).astype(np.float64)
    doses_low: list[FloatArray] = []
    doses_high: list[FloatArray] = []
    weights: list[FloatArray] = []
    extremes: list[FloatArray] = []
    uncovered = 0.0
    fast = dose_grid.is_axis_aligned
    if fast and uniform_planes(slabs):
        batch = sample_batched(
            structure, slabs, lattice, dose, dose_grid, subtract, occupancy, settings.subsamples
        )
        if batch.low.size == 0 and batch.uncovered_cc == 0.0:
            raise GeometryMismatchError(
                f"structure '{structure.name}'",
                "no occupied sample (the structure is empty after subtraction)",
                [s.name for s in subtract],
                "check the structures subtracted from it",
            )
        return DoseSamples(
            batch.low, batch.high, batch.weight, batch.uncovered_cc, batch.extremes,
            lattice.pixel_mm,
        )  # fmt: skip
    gradients = None if fast else _InPlaneGradients(dose, slabs, to_dose_index)
    for slab in slabs:
        plane = StructureContours(
            structure.name, structure.number, structure.frame_of_reference_uid, slab.contours
        )
        grid = lattice.plane_grid(slab, structure.frame_of_reference_uid)
        occ = np.asarray(occupancy(plane, grid, settings.subsamples), dtype=np.float64)[0]
        occ = _subtract(occ, subtract, slab, grid, settings, occupancy, structure)
        extremes.append(_surface_doses(slab, subtract, dose, dose_grid, to_dose_index))
        rows, cols = np.nonzero(occ > 0)
        if rows.size == 0:
            continue
        faces_z = slab.z_mm + sublayer_faces_mm(slab, dose_grid.spacing_mm[0])
        layers = faces_z.size - 1
        if fast:
            low, high, inplane, inside = _cells_separable(
                dose, dose_grid, grid, faces_z, rows, cols
            )
        else:
            assert gradients is not None
            low, high, inplane, inside = _cells_general(
                dose, dose_grid, grid, faces_z, rows, cols, to_dose_index, gradients
            )
        cell_cc = lattice.pixel_mm**2 * (slab.thickness_mm / layers) / 1000.0
        weight = np.tile(occ[rows, cols] * cell_cc, layers)
        uncovered += float(weight[~inside].sum())
        solid = np.tile(occ[rows, cols] >= 0.5, layers)[inside]
        extremes.append(low[solid])
        extremes.append(high[solid])
        # In-plane, a cell of h x h mm spans |g_x| h and |g_y| h Gy; spread the cell uniformly
        # over a width with the same variance as the sum of the three uniform spreads.
        middle, along_z = 0.5 * (low + high), np.abs(high - low)
        width = np.sqrt(along_z**2 + inplane)
        doses_low.append(np.maximum(middle - 0.5 * width, 0.0))
        doses_high.append(middle + 0.5 * width)
        weights.append(weight[inside])
    if not doses_low:
        raise GeometryMismatchError(
            f"structure '{structure.name}'",
            "no occupied sample (the structure is empty after subtraction)",
            [s.name for s in subtract],
            "check the structures subtracted from it",
        )
    return DoseSamples(
        np.concatenate(doses_low),
        np.concatenate(doses_high),
        np.concatenate(weights),
        uncovered,
        np.concatenate(extremes),
        lattice.pixel_mm,
    )


def _cells_separable(
    dose: FloatArray,
    dose_grid: Grid,
    grid: Grid,
    faces_z: FloatArray,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Face doses, squared in-plane spread and coverage of occupied cells (axis-aligned grid)."""
    _, y_mm, x_mm = grid.axis_coordinates_mm()
    faces, inside_z, inside_y, inside_x = separable_plane_doses(
        dose, dose_grid, x_mm, y_mm, faces_z
    )
    pixel = grid.spacing_mm[2]
    middle = 0.5 * (faces[:-1] + faces[1:])
    spread = np.zeros_like(middle)
    for axis in (1, 2):
        if middle.shape[axis] > 1:
            spread += (np.gradient(middle, axis=axis)) ** 2
    low = faces[:-1][:, rows, cols]
    high = faces[1:][:, rows, cols]
    inside = (inside_z[:-1] & inside_z[1:])[:, None] & (inside_y[rows] & inside_x[cols])[None, :]
    flat = inside.reshape(-1)
    del pixel
    return (
        np.minimum(low, high).reshape(-1)[flat],
        np.maximum(low, high).reshape(-1)[flat],
        spread[:, rows, cols].reshape(-1)[flat],
        flat,
    )


def _cells_general(
    dose: FloatArray,
    dose_grid: Grid,
    grid: Grid,
    faces_z: FloatArray,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
    to_dose_index: FloatArray,
    gradients: _InPlaneGradients,
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """The same as :func:`_cells_separable` for any grid orientation (point interpolation)."""
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


class _InPlaneGradients:
    """Dose gradients along LPS x and y (Gy/mm) on the dose voxels around a structure."""

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
        local = np.clip(np.rint(local), 0, upper)
        gx = ndimage.map_coordinates(self.gx, local, order=0, mode="nearest")
        gy = ndimage.map_coordinates(self.gy, local, order=0, mode="nearest")
        result: FloatArray = (gx * pixel_mm) ** 2 + (gy * pixel_mm) ** 2
        return result


def _subtract(
    occ: FloatArray,
    subtract: Sequence[StructureContours],
    slab: Slab,
    grid: Grid,
    settings: DvhSettings,
    occupancy: OccupancyFunction,
    base: StructureContours,
) -> FloatArray:
    removed = np.zeros_like(occ)
    for other in subtract:
        contours = contours_for_slab(other, slab)
        if not contours:
            continue
        # Move the chosen plane onto the base plane so that the rasteriser sees one coplanar
        # slab (the half-slice choice was made by contours_for_slab).
        moved = tuple(
            PlanarContour(
                np.column_stack([c.points_mm[:, :2], np.full(len(c.points_mm), slab.z_mm)])
            )
            for c in contours
        )
        plane = StructureContours(other.name, other.number, base.frame_of_reference_uid, moved)
        other_occ = np.asarray(occupancy(plane, grid, settings.subsamples), dtype=np.float64)[0]
        removed = np.maximum(removed, other_occ)
    if not subtract:
        return occ
    result: FloatArray = np.clip(occ - removed, 0.0, 1.0)
    return result


def _surface_doses(
    slab: Slab,
    subtract: Sequence[StructureContours],
    dose: FloatArray,
    dose_grid: Grid,
    to_dose_index: FloatArray,
) -> FloatArray:
    vertices = [c.points_mm for c in slab.contours]
    for other in subtract:
        vertices.extend(c.points_mm for c in contours_for_slab(other, slab))
    points = np.concatenate(vertices)
    shifts = np.array([-slab.below_mm, 0.0, slab.above_mm])
    layered = np.concatenate([points + np.array([0.0, 0.0, dz]) for dz in shifts])
    index = layered @ to_dose_index[:3, :3].T + to_dose_index[:3, 3]
    inside = covered_mask(dose_grid, index)
    return interpolate_at_indices(dose, index[inside])


def _mass_below_edges(
    low: FloatArray, high: FloatArray, weight: FloatArray, top: float, bins: int
) -> FloatArray:
    """Volume below each of ``bins + 1`` equal edges on [0, top], cells spread uniformly.

    A cell spread uniformly over ``[a, b]`` puts ``c[(e - a)+ - (e - b)+]`` below edge ``e``
    with ``c = w / (b - a)``; the sums of ramps ``sum c (e - a)+ = e sum c - sum c a`` over cells
    with ``a < e`` are cumulative sums of two bincounts, exact at every edge. Cells narrower than
    half a bin are point masses at their centre.
    """
    width = top / bins
    edges = np.linspace(0.0, top, bins + 1)
    narrow = (high - low) < 0.5 * width
    result = np.zeros(bins + 1)
    centre = 0.5 * (low[narrow] + high[narrow])
    point_bins = np.minimum((centre / width).astype(np.int64), bins - 1)
    result[1:] += np.cumsum(np.bincount(point_bins, weights=weight[narrow], minlength=bins))
    wide = ~narrow
    if np.any(wide):
        a, b, w = low[wide], high[wide], weight[wide]
        c = w / (b - a)
        for start, sign in ((a, 1.0), (b, -1.0)):
            index = np.minimum((start / width).astype(np.int64), bins - 1)
            sum_c = np.cumsum(np.bincount(index, weights=c, minlength=bins))
            sum_ca = np.cumsum(np.bincount(index, weights=c * start, minlength=bins))
            result[1:] += sign * (edges[1:] * sum_c - sum_ca)
    return result


def histogram_from_samples(
    name: str, samples: DoseSamples, settings: DvhSettings | None = None
) -> DoseVolumeHistogram:
    """Bin dose samples into a :class:`DoseVolumeHistogram` with exact mean and extrema."""
    settings = settings or DvhSettings()
    covered = float(samples.volume_cc.sum())
    total = covered + samples.uncovered_volume_cc
    warnings: list[str] = []
    if samples.uncovered_volume_cc > 1e-6 * max(total, 1e-12):
        share = 100.0 * samples.uncovered_volume_cc / total
        warnings.append(
            f"{name}: {samples.uncovered_volume_cc:.3f} cc ({share:.1f} %) of the structure lies "
            "outside the dose grid; the DVH describes only the covered part"
        )
    method = (
        f"fractional occupancy on {samples.pixel_mm:.3f} mm pixels, half-slice end caps, "
        f"trilinear dose, {settings.bins} bins"
    )
    if covered <= 0 or samples.dose_low_gy.size == 0:
        warnings.append(f"{name}: no part of the structure lies inside the dose grid")
        return DoseVolumeHistogram(
            name, np.array([0.0, 1.0]), np.array([0.0]), total, total, math.nan, math.nan,
            math.nan, warnings=tuple(warnings), method=method,
        )  # fmt: skip
    low, high, weight = samples.dose_low_gy, samples.dose_high_gy, samples.volume_cc
    extremes = samples.extreme_doses_gy
    if extremes.size == 0:
        extremes = np.concatenate([low, high])
    dmax, dmin = float(extremes.max()), float(extremes.min())
    top = max(dmax, float(high.max()), 1e-6) * (1.0 + 1e-9)
    edges = np.linspace(0.0, top, settings.bins + 1)
    mass_below = _mass_below_edges(low, high, weight, top, settings.bins)
    differential = np.clip(np.diff(mass_below), 0.0, None)
    differential *= covered / max(float(differential.sum()), 1e-300)
    mean = float(np.dot(0.5 * (low + high), weight) / covered)
    return DoseVolumeHistogram(
        name=name,
        dose_edges_gy=edges,
        differential_cc=differential,
        volume_cc=total,
        uncovered_volume_cc=samples.uncovered_volume_cc,
        dmin_gy=dmin,
        dmax_gy=dmax,
        dmean_gy=mean,
        warnings=tuple(warnings),
        method=method,
    )


def compute_dvh(
    structure: StructureContours,
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    *,
    subtract: Sequence[StructureContours] = (),
    name: str | None = None,
    settings: DvhSettings | None = None,
    occupancy: OccupancyFunction | None = None,
) -> DoseVolumeHistogram:
    """DVH of a structure (optionally minus other structures) in a dose distribution.

    Parameters
    ----------
    structure
        The ROI (axial planar contours, LPS mm).
    dose_gy
        Dose array ``[k, j, i]`` in Gy on ``dose_grid``.
    dose_grid
        Geometry of the dose array; must share the structure's Frame of Reference.
    subtract
        Structures removed from ``structure`` (e.g. all GTVs to get Liver-GTV).
    name
        Name of the result (default: the structure name, with ``-NAME`` per subtraction).
    settings
        Numerical settings; the defaults reach the Nelms benchmark tolerances.
    occupancy
        Fractional rasteriser; defaults to :func:`hccrt.geometry.rasterize.structure_occupancy`.

    Returns
    -------
    DoseVolumeHistogram
        With a warning (and ``uncovered_volume_cc``) when part of the structure lies outside
        the dose grid; all read-outs are NaN when no part lies inside.
    """
    label = name or "-".join([structure.name, *(s.name for s in subtract)])
    samples = sample_structure(
        structure, dose_gy, dose_grid, subtract=subtract, settings=settings, occupancy=occupancy
    )
    return histogram_from_samples(label, samples, settings)


def union_dvh(name: str, parts: Sequence[DoseVolumeHistogram]) -> DoseVolumeHistogram:
    """DVH of the union of *disjoint* structures (e.g. left + right kidney = Kidneys).

    The parts' differential volumes are re-binned onto common fine edges; the mean is the
    volume-weighted mean and the extrema are the extrema of the parts.
    """
    usable = [p for p in parts if not p.is_empty]
    if not usable:
        return parts[0] if parts else DoseVolumeHistogram(
            name, np.array([0.0, 1.0]), np.array([0.0]), 0.0, 0.0, math.nan, math.nan, math.nan
        )  # fmt: skip
    top = max(p.dose_edges_gy[-1] for p in usable)
    bins = max(p.differential_cc.size for p in usable)
    edges = np.linspace(0.0, top, bins + 1)
    cumulative = np.zeros(bins + 1)
    for part in usable:
        cumulative += np.interp(edges, part.dose_edges_gy, part.cumulative_cc(), right=0.0)
    differential = np.clip(-np.diff(cumulative), 0.0, None)
    covered = sum(p.covered_volume_cc for p in usable)
    return DoseVolumeHistogram(
        name=name,
        dose_edges_gy=edges,
        differential_cc=differential,
        volume_cc=sum(p.volume_cc for p in parts),
        uncovered_volume_cc=sum(p.uncovered_volume_cc for p in parts),
        dmin_gy=min(p.dmin_gy for p in usable),
        dmax_gy=max(p.dmax_gy for p in usable),
        dmean_gy=sum(p.dmean_gy * p.covered_volume_cc for p in usable) / covered,
        dose_quantity=usable[0].dose_quantity,
        warnings=tuple(w for p in parts for w in p.warnings),
        method=usable[0].method,
    )


def compute_dvhs(
    structures: Sequence[StructureContours],
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    *,
    settings: DvhSettings | None = None,
    occupancy: OccupancyFunction | None = None,
) -> dict[str, DoseVolumeHistogram]:
    """DVHs of several structures in one dose (the dose array is validated once).

    Structures without a closed contour are skipped with a warning-only empty DVH instead of
    stopping the whole batch; a Frame of Reference mismatch still raises.
    """
    dose = check_dose_array(dose_gy, dose_grid)
    result: dict[str, DoseVolumeHistogram] = {}
    for structure in structures:
        if structure.is_empty:
            result[structure.name] = DoseVolumeHistogram(
                structure.name, np.array([0.0, 1.0]), np.array([0.0]), 0.0, 0.0,
                math.nan, math.nan, math.nan,
                warnings=(f"{structure.name}: no closed contour (empty or point-only ROI)",),
            )  # fmt: skip
            continue
        samples = sample_structure(
            structure, dose, dose_grid, settings=settings, occupancy=occupancy, dose_checked=True
        )
        result[structure.name] = histogram_from_samples(structure.name, samples, settings)
    return result
