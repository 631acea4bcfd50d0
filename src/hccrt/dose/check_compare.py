"""Compare hccrt's dose with the planning system's: 3-D gamma (pymedphys) and DVH differences.

Gamma follows Low et al. (Med Phys 25:656, 1998) as implemented by pymedphys (``pymedphys.gamma``,
Biggs et al.): the planning system's dose is the reference, hccrt's the evaluated dose; global
normalisation to the reference maximum, reference points below 10 % of it left out, the
evaluated dose interpolated at a tenth of the distance criterion (pymedphys' default, after
Wendling et al., Med Phys 34:1647, 2007). The criteria are 3 %/2 mm and 2 %/2 mm.

DVH differences use hccrt's DVH engine on both doses: mean dose, D95 %, D2 % and maximum dose
per structure, hccrt minus reference, in Gy and in percent of the reference value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.dicom.rtdose import DoseDistribution
from hccrt.dicom.rtstruct import RTStructSet
from hccrt.dvh.engine import compute_dvhs
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.geometry.grid import Grid

__all__ = ["CRITERIA", "DvhDifference", "GammaResult", "dvh_differences", "gamma_results"]

CRITERIA = ((3.0, 2.0), (2.0, 2.0))
"""(dose %, distance mm) gamma criteria, global (issue 12)."""
LOW_DOSE_CUTOFF_PERCENT = 10.0
MAX_GAMMA = 2.0
"""Search limit: gamma above 2 is reported as 2 (it fails either way); it shortens the search."""
_METRICS = ("dmean", "d95", "d2", "dmax")


@dataclass(frozen=True)
class GammaResult:
    """Gamma pass rate of one criterion."""

    dose_percent: float
    distance_mm: float
    pass_rate_percent: float
    evaluated_points: int
    low_dose_cutoff_percent: float
    normalisation_gy: float
    method: str


@dataclass(frozen=True)
class DvhDifference:
    """One structure's DVH metrics in both doses (Gy) and their differences."""

    name: str
    volume_cc: float
    hccrt_gy: dict[str, float]
    reference_gy: dict[str, float]
    difference_gy: dict[str, float]
    difference_percent: dict[str, float | None]


def gamma_results(
    reference: DoseDistribution,
    dose_gy: npt.NDArray[np.floating],
    dose_grid: Grid,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[GammaResult, ...]:
    """3-D global gamma of ``dose_gy`` against the reference RTDOSE, for :data:`CRITERIA`.

    Parameters
    ----------
    reference
        The planning system's dose (Gy, axis aligned).
    dose_gy
        hccrt's dose on ``dose_grid`` (Gy, same Frame of Reference).
    progress
        Called with ``("gamma ...", done, total)`` per criterion.

    Returns
    -------
    tuple of GammaResult
        Pass rates (% of reference points at or above the cut-off with gamma <= 1).
    """
    from pymedphys import gamma

    reference_dose = np.asarray(reference.dose_gy, dtype=np.float64)
    evaluated = np.asarray(dose_gy, dtype=np.float64)
    axes_reference = reference.grid.axis_coordinates_mm()
    axes_evaluated = dose_grid.axis_coordinates_mm()
    normalisation = float(reference_dose.max())
    results = []
    for number, (dose_percent, distance_mm) in enumerate(CRITERIA):
        if progress is not None:
            progress(f"gamma {dose_percent:g} %/{distance_mm:g} mm", number, len(CRITERIA))
        values = gamma(
            axes_reference,
            reference_dose,
            axes_evaluated,
            evaluated,
            dose_percent,
            distance_mm,
            lower_percent_dose_cutoff=LOW_DOSE_CUTOFF_PERCENT,
            max_gamma=MAX_GAMMA,
            local_gamma=False,
            global_normalisation=normalisation,
            interp_algo="scipy",
        )
        valid = values[np.isfinite(values)]
        rate = 100.0 * float(np.mean(valid <= 1.0)) if valid.size else float("nan")
        results.append(
            GammaResult(
                dose_percent=dose_percent,
                distance_mm=distance_mm,
                pass_rate_percent=rate,
                evaluated_points=int(valid.size),
                low_dose_cutoff_percent=LOW_DOSE_CUTOFF_PERCENT,
                normalisation_gy=normalisation,
                method="pymedphys.gamma, global, reference = planning system dose",
            )
        )
    if progress is not None:
        progress("gamma", len(CRITERIA), len(CRITERIA))
    return tuple(results)


def _metrics(dvh: DoseVolumeHistogram) -> dict[str, float]:
    return {
        "dmean": float(dvh.dmean_gy),
        "d95": float(dvh.dose_at_percent(95.0)),
        "d2": float(dvh.dose_at_percent(2.0)),
        "dmax": float(dvh.dmax_gy),
    }


def dvh_differences(
    structures: RTStructSet,
    reference: DoseDistribution,
    dose_gy: npt.NDArray[np.floating],
    dose_grid: Grid,
) -> tuple[DvhDifference, ...]:
    """Mean, D95 %, D2 % and maximum dose per structure in both doses, and the differences.

    Structures without a closed contour are left out (hccrt's DVH engine gives them an empty
    DVH with a warning).
    """
    ours = compute_dvhs(structures.structures, dose_gy, dose_grid)
    theirs = compute_dvhs(structures.structures, reference.dose_gy, reference.grid)
    rows = []
    for name, dvh in ours.items():
        other = theirs[name]
        if dvh.is_empty or other.is_empty:
            continue
        mine, ref = _metrics(dvh), _metrics(other)
        rows.append(
            DvhDifference(
                name=name,
                volume_cc=float(dvh.volume_cc),
                hccrt_gy=mine,
                reference_gy=ref,
                difference_gy={k: mine[k] - ref[k] for k in _METRICS},
                difference_percent={
                    k: 100.0 * (mine[k] - ref[k]) / ref[k] if ref[k] > 0.01 else None
                    for k in _METRICS
                },
            )
        )
    return tuple(rows)
