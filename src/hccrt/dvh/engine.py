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

Modules: sampling in :mod:`hccrt.dvh.structure_samples` (per-plane cells in
:mod:`hccrt.dvh.cell_doses`, the batched fast path in :mod:`hccrt.dvh.batched`), binning in
:mod:`hccrt.dvh.binning`; this module holds the entry points and re-exports their public names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from hccrt._threads import one_numerical_thread
from hccrt.dvh.binning import DoseSamples, empty_dvh, histogram_from_samples
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.interpolation import check_dose_array
from hccrt.dvh.sampling import DvhSettings
from hccrt.dvh.structure_samples import OccupancyFunction, default_occupancy, sample_structure
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "DoseSamples",
    "FloatArray",
    "OccupancyFunction",
    "compute_dvh",
    "compute_dvhs",
    "default_occupancy",
    "histogram_from_samples",
    "sample_structure",
    "union_dvh",
]


@one_numerical_thread()
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
        return parts[0] if parts else empty_dvh(name)
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


@one_numerical_thread()
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
            result[structure.name] = empty_dvh(
                structure.name,
                warnings=(f"{structure.name}: no closed contour (empty or point-only ROI)",),
            )
            continue
        samples = sample_structure(
            structure, dose, dose_grid, settings=settings, occupancy=occupancy, dose_checked=True
        )
        result[structure.name] = histogram_from_samples(structure.name, samples, settings)
    return result
