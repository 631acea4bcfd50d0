"""Dose samples of a structure and their binning into a :class:`DoseVolumeHistogram`.

A :class:`DoseSamples` holds one structure's sample cells (each spread uniformly between a low
and a high dose) as the engine (:mod:`hccrt.dvh.structure_samples`) and its fast path
(:mod:`hccrt.dvh.batched`) produce them. :func:`histogram_from_samples` bins them into fine,
exact cumulative edges; Dmean is the exact weighted sample mean, Dmin/Dmax the extremes of the
surface points and well-inside samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.sampling import DvhSettings

FloatArray = npt.NDArray[np.float64]


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
    between_planes
        Geometry model actually used between contour planes (``"slab"`` or ``"smooth"``).
    warnings
        Notes of the sampling stage for the DVH's warnings.
    """

    dose_low_gy: FloatArray
    dose_high_gy: FloatArray
    volume_cc: FloatArray
    uncovered_volume_cc: float
    extreme_doses_gy: FloatArray
    pixel_mm: float
    between_planes: str = "slab"
    warnings: tuple[str, ...] = ()


def empty_dvh(
    name: str,
    volume_cc: float = 0.0,
    *,
    warnings: tuple[str, ...] = (),
    method: str = "",
) -> DoseVolumeHistogram:
    """A DVH with no covered volume: one empty bin on [0, 1] Gy and NaN read-outs.

    Parameters
    ----------
    name
        Name of the result.
    volume_cc
        Structure volume (cc), all of it outside the dose grid (so also the uncovered volume).
    warnings, method
        As in :class:`DoseVolumeHistogram`.
    """
    return DoseVolumeHistogram(
        name, np.array([0.0, 1.0]), np.array([0.0]), volume_cc, volume_cc, math.nan, math.nan,
        math.nan, warnings=warnings, method=method,
    )  # fmt: skip


def mass_below_edges(
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
    warnings = list(samples.warnings)
    if samples.uncovered_volume_cc > 1e-6 * max(total, 1e-12):
        share = 100.0 * samples.uncovered_volume_cc / total
        warnings.append(
            f"{name}: {samples.uncovered_volume_cc:.3f} cc ({share:.1f} %) of the structure lies "
            "outside the dose grid; the DVH describes only the covered part"
        )
    method = (
        f"fractional occupancy on {samples.pixel_mm:.3f} mm pixels, "
        + ("shape interpolated between planes, " if samples.between_planes == "smooth" else "")
        + "half-slice end caps, "
        f"trilinear dose, {settings.bins} bins"
    )
    if covered <= 0 or samples.dose_low_gy.size == 0:
        warnings.append(f"{name}: no part of the structure lies inside the dose grid")
        return empty_dvh(name, total, warnings=tuple(warnings), method=method)
    low, high, weight = samples.dose_low_gy, samples.dose_high_gy, samples.volume_cc
    extremes = samples.extreme_doses_gy
    if extremes.size == 0:
        extremes = np.concatenate([low, high])
    dmax, dmin = float(extremes.max()), float(extremes.min())
    top = max(dmax, float(high.max()), 1e-6) * (1.0 + 1e-9)
    edges = np.linspace(0.0, top, settings.bins + 1)
    mass_below = mass_below_edges(low, high, weight, top, settings.bins)
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
