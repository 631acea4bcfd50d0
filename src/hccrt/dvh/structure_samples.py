"""Dose samples of one structure (optionally minus others): the sampling stage of the DVH engine.

Contours are grouped into axial slabs (:mod:`hccrt.dvh.sampling`), rasterised with fractional
occupancy on an adaptive pixel lattice, the subtracted structures removed on the same pixels,
and the dose taken at every occupied sub-layer cell (:mod:`hccrt.dvh.cell_doses`). Equally
spaced planes on an axis-aligned dose grid take the batched path (:mod:`hccrt.dvh.batched`),
which gives the same samples in one rasteriser and one dose call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from hccrt.dvh.batched import moved_to_plane, sample_batched, uniform_planes
from hccrt.dvh.binning import DoseSamples
from hccrt.dvh.cell_doses import InPlaneGradients, cells_general, cells_separable
from hccrt.dvh.interpolation import check_dose_array, covered_mask, interpolate_at_indices
from hccrt.dvh.sampling import (
    DvhSettings,
    Slab,
    choose_lattice,
    contours_for_slab,
    slabs_of,
    sublayer_faces_mm,
)
from hccrt.errors import GeometryMismatchError
from hccrt.geometry.contours import StructureContours
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


def _nothing_occupied(
    structure: StructureContours, subtract: Sequence[StructureContours]
) -> GeometryMismatchError:
    return GeometryMismatchError(
        f"structure '{structure.name}'",
        "no occupied sample (the structure is empty after subtraction)",
        [s.name for s in subtract],
        "check the structures subtracted from it",
    )


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
    smooth = settings.between_planes == "smooth"
    if fast and uniform_planes(slabs):
        batch = sample_batched(
            structure,
            slabs,
            lattice,
            dose,
            dose_grid,
            subtract,
            occupancy,
            settings.subsamples,
            smooth=smooth,
        )
        if batch.dose_low_gy.size == 0 and batch.uncovered_volume_cc == 0.0:
            raise _nothing_occupied(structure, subtract)
        return batch
    gradients = None if fast else InPlaneGradients(dose, slabs, to_dose_index)
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
            low, high, inplane, inside = cells_separable(dose, dose_grid, grid, faces_z, rows, cols)
        else:
            assert gradients is not None
            low, high, inplane, inside = cells_general(
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
        raise _nothing_occupied(structure, subtract)
    return DoseSamples(
        np.concatenate(doses_low),
        np.concatenate(doses_high),
        np.concatenate(weights),
        uncovered,
        np.concatenate(extremes),
        lattice.pixel_mm,
        warnings=(
            (
                f"{structure.name}: the smooth between-plane model needs equally spaced contour "
                "planes and an axis-aligned dose grid; slabs were used",
            )
            if smooth
            else ()
        ),
    )


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
        moved = tuple(moved_to_plane(contours, slab.z_mm))
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
