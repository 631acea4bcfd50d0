"""Plan-level DVH tools: dose summation, EQD2/BED DVHs, comparison with stored DVHs.

These functions take plain arrays and grids (or objects with ``grid`` and ``dose_gy``
attributes, such as :class:`hccrt.dicom.DoseDistribution`) so that they do not depend on how the
dose was read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.interpolation import check_dose_array, covered_mask, interpolate_at_indices
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid, require_overlap

FloatArray = npt.NDArray[np.float64]


class DoseLike(Protocol):
    """Anything with a dose grid and a dose array in Gy."""

    @property
    def grid(self) -> Grid: ...

    @property
    def dose_gy(self) -> npt.NDArray[Any]: ...


def sum_doses(doses: Sequence[DoseLike]) -> tuple[Grid, FloatArray, tuple[str, ...]]:
    """Sum several dose distributions on the grid of the first one.

    Distributions on other grids are resampled trilinearly (voxel-centre convention of
    :mod:`hccrt.dvh.interpolation`); where the first grid extends beyond another grid, that
    distribution contributes 0 Gy there and a warning says how much of the grid was affected.

    Raises
    ------
    GeometryMismatchError
        When a distribution has another Frame of Reference or does not overlap the first one.
    InputError
        When no distribution is given.
    """
    if not doses:
        raise InputError("doses", "need at least one dose distribution", 0, "pass RTDOSE files")
    reference = doses[0].grid
    # a float64 copy in one pass (the float32 dose converted straight into the new array)
    total = check_dose_array(np.array(doses[0].dose_gy, dtype=np.float64), reference)
    warnings: list[str] = []
    for number, other in enumerate(doses[1:], start=2):
        require_overlap(reference, other.grid, f"dose distribution {number} with distribution 1")
        values = check_dose_array(other.dose_gy, other.grid, f"dose distribution {number}")
        if other.grid.same_geometry(reference):
            total += values
            continue
        k, j, i = np.indices(reference.shape).reshape(3, -1)
        world = reference.index_to_world(np.column_stack([k, j, i]))
        index = other.grid.world_to_index(world)
        inside = covered_mask(other.grid, index)
        resampled = np.zeros(world.shape[0])
        resampled[inside] = interpolate_at_indices(values, index[inside])
        total += resampled.reshape(reference.shape)
        if not np.all(inside):
            share = 100.0 * float(np.mean(~inside))
            warnings.append(
                f"dose distribution {number} covers only part of the summation grid; "
                f"0 Gy assumed in {share:.1f} % of its voxels"
            )
    return reference, total, tuple(warnings)


def eqd2_dvh(dvh: DoseVolumeHistogram, fractions: int, alpha_beta_gy: float) -> DoseVolumeHistogram:
    """The DVH in EQD2 (Gy) for ``fractions`` equal fractions (LQ model, per-voxel).

    Uses :func:`hccrt.radiobiology.voxel.dose_array_to_eqd2`; since EQD2 increases with the
    physical dose, volumes carry over bin by bin.
    """
    from hccrt.radiobiology.voxel import dose_array_to_eqd2

    def transform(dose: FloatArray) -> FloatArray:
        return np.asarray(dose_array_to_eqd2(dose, fractions, alpha_beta_gy), dtype=np.float64)

    label = f"EQD2 (alpha/beta {alpha_beta_gy:g} Gy, {fractions} fx)"
    return dvh.mapped(transform, label)


def bed_dvh(dvh: DoseVolumeHistogram, fractions: int, alpha_beta_gy: float) -> DoseVolumeHistogram:
    """The DVH in BED (Gy) for ``fractions`` equal fractions (LQ model, per-voxel)."""
    from hccrt.radiobiology.voxel import dose_array_to_bed

    def transform(dose: FloatArray) -> FloatArray:
        return np.asarray(dose_array_to_bed(dose, fractions, alpha_beta_gy), dtype=np.float64)

    return dvh.mapped(transform, f"BED (alpha/beta {alpha_beta_gy:g} Gy, {fractions} fx)")


def stored_to_histogram(
    name: str,
    bin_edges_gy: npt.ArrayLike,
    cumulative_cc: npt.ArrayLike,
) -> DoseVolumeHistogram:
    """A planning system's cumulative DVH (volume at ``bin_edges[:n]``) as a histogram.

    The statistics are recomputed from the curve (bin centres), because stored DVHMeanDose and
    DVHMaximumDose attributes are not always in the same units as the bins.
    """
    edges = np.asarray(bin_edges_gy, dtype=np.float64)
    cumulative = np.asarray(cumulative_cc, dtype=np.float64)
    if edges.size != cumulative.size + 1:
        raise InputError(
            "stored DVH", "needs n + 1 edges for n cumulative values", edges.size, "check it"
        )
    tail = np.concatenate([cumulative, [0.0]])
    differential = np.clip(-np.diff(tail), 0.0, None)
    if float(differential.sum()) <= 0:
        return DoseVolumeHistogram(
            name, edges, differential, 0.0, 0.0, math.nan, math.nan, math.nan
        )
    centres = 0.5 * (edges[1:] + edges[:-1])
    occupied = np.nonzero(differential > 0)[0]
    return DoseVolumeHistogram(
        name=name,
        dose_edges_gy=edges,
        differential_cc=differential,
        volume_cc=float(differential.sum()),
        uncovered_volume_cc=0.0,
        dmin_gy=float(edges[occupied[0]]),
        dmax_gy=float(edges[occupied[-1] + 1]),
        dmean_gy=float(np.dot(centres, differential) / differential.sum()),
        method="stored by the planning system (DVHSequence)",
    )


@dataclass(frozen=True)
class StoredComparison:
    """Our DVH against the planning system's stored one, metric by metric.

    ``differences_percent`` are ``100 (ours - stored) / stored``.
    """

    structure: str
    ours: dict[str, float]
    stored: dict[str, float]
    differences_percent: dict[str, float]


COMPARED_METRICS = ("Dmean[Gy]", "D2cc[Gy]", "D95%[Gy]", "Dmax[Gy]", "volume_cc")


def compare_with_stored(ours: DoseVolumeHistogram, stored: DoseVolumeHistogram) -> StoredComparison:
    """Compare mean, D2cc, D95 %, Dmax and volume with a stored DVH."""
    from hccrt.dvh.metrics import evaluate_metric

    mine: dict[str, float] = {}
    theirs: dict[str, float] = {}
    for metric in COMPARED_METRICS:
        if metric == "volume_cc":
            mine[metric], theirs[metric] = ours.volume_cc, stored.volume_cc
            continue
        mine[metric] = evaluate_metric(metric, ours).value
        theirs[metric] = evaluate_metric(metric, stored).value
    differences = {
        key: (100.0 * (mine[key] - theirs[key]) / theirs[key]) if theirs[key] else math.nan
        for key in mine
    }
    return StoredComparison(ours.name, mine, theirs, differences)
