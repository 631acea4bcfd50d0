"""The dose-volume histogram object: fine dose bins, exact statistics, interpolated read-outs.

A :class:`DoseVolumeHistogram` stores the *differential* volume (cc) in fine, contiguous dose bins
whose edges increase strictly. Within a bin the volume is taken as uniformly spread over the
bin's dose range, so the cumulative DVH is piecewise linear between edges and every read-out
(``Dx``, ``Vx``) is a linear interpolation inside one fine bin, never the nearest bin.

Statistics that do not need bins (mean, minimum, maximum) are computed by the engine from the
samples themselves and stored exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]


def _frozen(values: npt.ArrayLike) -> FloatArray:
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class DoseVolumeHistogram:
    """Differential and cumulative DVH of one structure.

    Parameters
    ----------
    name
        Structure name as used for the calculation.
    dose_edges_gy
        ``n + 1`` strictly increasing bin edges (Gy, or the quantity named by ``dose_quantity``).
    differential_cc
        ``n`` volumes (cc) whose dose lies in each bin.
    volume_cc
        Whole structure volume (cc), including any part outside the dose grid.
    uncovered_volume_cc
        Part of the structure outside the dose grid (cc); it is *not* in the bins.
    dmin_gy, dmax_gy, dmean_gy
        Minimum, maximum and mean dose over the covered part (from samples and surface points).
    dose_quantity
        ``"physical"`` or a description such as ``"EQD2 (alpha/beta 3 Gy, 5 fx)"``.
    warnings
        Conditions a reader must know about (partial coverage, few samples, ...).
    method
        How the DVH was computed (sample spacing, interpolation), for reports.
    """

    name: str
    dose_edges_gy: FloatArray = field(repr=False)
    differential_cc: FloatArray = field(repr=False)
    volume_cc: float
    uncovered_volume_cc: float
    dmin_gy: float
    dmax_gy: float
    dmean_gy: float
    dose_quantity: str = "physical"
    warnings: tuple[str, ...] = ()
    method: str = ""

    def __post_init__(self) -> None:
        edges = _frozen(self.dose_edges_gy)
        diff = _frozen(self.differential_cc)
        if edges.ndim != 1 or diff.ndim != 1 or edges.size != diff.size + 1:
            raise InputError(
                "dose_edges_gy",
                "needs exactly one more edge than differential bins",
                (edges.shape, diff.shape),
                "pass n + 1 edges for n bins",
            )
        if edges.size >= 2 and not np.all(np.diff(edges) > 0):
            raise InputError(
                "dose_edges_gy", "must increase strictly", "non-increasing", "sort the edges"
            )
        if np.any(diff < 0) or not np.all(np.isfinite(diff)):
            raise InputError(
                "differential_cc", "volumes must be finite and >= 0", "negative", "check input"
            )
        if self.volume_cc < 0 or self.uncovered_volume_cc < 0:
            raise InputError(
                "volume_cc", "volumes must be >= 0 cc", self.volume_cc, "check the structure"
            )
        object.__setattr__(self, "dose_edges_gy", edges)
        object.__setattr__(self, "differential_cc", diff)
        object.__setattr__(self, "warnings", tuple(self.warnings))

    # ------------------------------------------------------------------ basic read-outs
    @property
    def covered_volume_cc(self) -> float:
        """Volume (cc) inside the dose grid, i.e. the volume the bins describe."""
        return float(self.differential_cc.sum())

    @property
    def coverage_fraction(self) -> float:
        """Fraction of the structure volume inside the dose grid (0-1; NaN for no volume)."""
        if self.volume_cc <= 0:
            return math.nan
        return self.covered_volume_cc / self.volume_cc

    @property
    def is_empty(self) -> bool:
        """True when no part of the structure lies in the dose grid."""
        return self.covered_volume_cc <= 0.0

    def cumulative_cc(self) -> FloatArray:
        """Volume (cc) receiving at least each edge dose; ``n + 1`` values, non-increasing."""
        tail = np.cumsum(self.differential_cc[::-1])[::-1]
        result: FloatArray = np.concatenate([tail, [0.0]])
        return result

    def volume_at_least_cc(self, dose_gy: float) -> float:
        """Volume (cc) receiving ``dose_gy`` or more (linear inside the bin)."""
        if self.is_empty:
            return math.nan
        if dose_gy <= self.dose_edges_gy[0]:
            return self.covered_volume_cc
        return float(np.interp(dose_gy, self.dose_edges_gy, self.cumulative_cc(), right=0.0))

    def volume_below_cc(self, dose_gy: float) -> float:
        """Volume (cc) receiving less than ``dose_gy`` (TG-263 ``CV``)."""
        at_least = self.volume_at_least_cc(dose_gy)
        return self.covered_volume_cc - at_least if math.isfinite(at_least) else math.nan

    def dose_at_volume_cc(self, volume_cc: float) -> float:
        """Minimum dose (Gy) to the hottest ``volume_cc``; NaN when it exceeds the structure.

        The returned value is the largest dose ``d`` with ``V(>= d) >= volume_cc``, interpolated
        linearly inside the fine bin where the cumulative curve crosses ``volume_cc``.
        """
        covered = self.covered_volume_cc
        if self.is_empty or volume_cc > covered * (1.0 + 1e-9) or volume_cc < 0:
            return math.nan
        if volume_cc <= 0.0:
            return self.dmax_gy
        cumulative = self.cumulative_cc()[::-1]  # non-decreasing
        edges = self.dose_edges_gy[::-1]  # decreasing
        idx = int(np.searchsorted(cumulative, volume_cc, side="left"))
        idx = min(idx, cumulative.size - 1)
        if idx == 0 or cumulative[idx] == volume_cc:
            return float(min(edges[idx], self.dmax_gy))
        lo_v, hi_v = cumulative[idx - 1], cumulative[idx]
        lo_d, hi_d = edges[idx - 1], edges[idx]
        dose = lo_d + (volume_cc - lo_v) / (hi_v - lo_v) * (hi_d - lo_d)
        return float(min(max(dose, self.dmin_gy), self.dmax_gy))

    def dose_at_percent(self, percent: float) -> float:
        """Minimum dose (Gy) to the hottest ``percent`` of the covered volume."""
        if not 0.0 <= percent <= 100.0:
            raise InputError("percent", "must lie in 0-100 %", percent, "e.g. D95% uses 95")
        if percent >= 100.0:
            return self.dmin_gy
        return self.dose_at_volume_cc(self.covered_volume_cc * percent / 100.0)

    def geud_gy(self, a: float) -> float:
        """Generalised equivalent uniform dose ``(sum v_i D_i^a)^(1/a)`` (Niemierko 1999).

        Parameters
        ----------
        a
            Volume-effect exponent (``a = 1/n`` of the LKB model); ``a = 1`` gives the mean dose,
            large positive ``a`` tends to the maximum, negative ``a`` (targets) to the minimum.
        """
        if a == 0 or not math.isfinite(a):
            raise InputError("a", "gEUD exponent must be finite and non-zero", a, "e.g. a=1")
        if self.is_empty:
            return math.nan
        centres = 0.5 * (self.dose_edges_gy[1:] + self.dose_edges_gy[:-1])
        weights = self.differential_cc / self.covered_volume_cc
        mask = weights > 0
        if a < 0 and np.any(centres[mask] <= 0):
            return 0.0
        centres, weights = centres[mask], weights[mask]
        scale = float(centres.max())
        return float(scale * np.sum(weights * (centres / scale) ** a) ** (1.0 / a))

    # ------------------------------------------------------------------ derived histograms
    def mapped(
        self, transform: Callable[[FloatArray], FloatArray], dose_quantity: str
    ) -> DoseVolumeHistogram:
        """The same volumes on a monotonically increasing dose transform (EQD2, BED, scaling).

        Because the transform is monotonic, ``V(T(D) >= T(d)) = V(D >= d)`` exactly, so only the
        bin edges and the extrema change. The mean is recomputed from the bins (centre rule).
        """
        edges = np.asarray(transform(self.dose_edges_gy), dtype=np.float64)
        if not np.all(np.diff(edges) > 0):
            raise InputError(
                "transform", "must increase strictly with dose", "non-monotonic", "check it"
            )
        centres = np.asarray(
            transform(0.5 * (self.dose_edges_gy[1:] + self.dose_edges_gy[:-1])), dtype=np.float64
        )
        covered = self.covered_volume_cc
        mean = float(np.sum(centres * self.differential_cc) / covered) if covered > 0 else math.nan
        extrema = np.asarray(transform(np.array([self.dmin_gy, self.dmax_gy])), dtype=np.float64)
        return DoseVolumeHistogram(
            name=self.name,
            dose_edges_gy=edges,
            differential_cc=self.differential_cc,
            volume_cc=self.volume_cc,
            uncovered_volume_cc=self.uncovered_volume_cc,
            dmin_gy=float(extrema[0]),
            dmax_gy=float(extrema[1]),
            dmean_gy=mean,
            dose_quantity=dose_quantity,
            warnings=self.warnings,
            method=self.method,
        )

    def scaled(self, factor: float, dose_quantity: str | None = None) -> DoseVolumeHistogram:
        """Multiply every dose by ``factor`` (> 0), e.g. per-fraction to total dose."""
        if not factor > 0:
            raise InputError("factor", "must be > 0", factor, "use a positive scale")
        mapped = self.mapped(lambda d: d * factor, dose_quantity or self.dose_quantity)
        return DoseVolumeHistogram(
            name=mapped.name,
            dose_edges_gy=mapped.dose_edges_gy,
            differential_cc=mapped.differential_cc,
            volume_cc=mapped.volume_cc,
            uncovered_volume_cc=mapped.uncovered_volume_cc,
            dmin_gy=mapped.dmin_gy,
            dmax_gy=mapped.dmax_gy,
            dmean_gy=self.dmean_gy * factor,
            dose_quantity=mapped.dose_quantity,
            warnings=mapped.warnings,
            method=mapped.method,
        )

    def curve(self, points: int = 400) -> tuple[FloatArray, FloatArray]:
        """A down-sampled cumulative curve ``(dose_gy, volume_cc)`` for plots and CSV export."""
        edges = self.dose_edges_gy
        doses = np.linspace(edges[0], edges[-1], max(2, points))
        volumes = np.interp(doses, edges, self.cumulative_cc())
        return doses, np.asarray(volumes, dtype=np.float64)
