"""DVH input for NTCP: a validated differential DVH built from differential or cumulative arrays.

A differential DVH is a list of dose-bin centres (Gy) with the volume (cc) in each bin. A
cumulative DVH gives, at increasing doses, the volume receiving at least that dose; it is turned
into bins between consecutive dose points (centre = midpoint, volume = drop in volume). Volume
still above the last dose point is put in a bin at the last dose (an underestimate, flagged).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hccrt.errors import InputError
from hccrt.radiobiology._checks import FloatArray, non_negative_array
from hccrt.radiobiology.records import ModelWarning

_SUM_TOLERANCE = 0.01  # relative tolerance when a total volume is given


@dataclass(frozen=True, eq=False)
class DifferentialDvh:
    """Validated differential DVH: bin-centre doses (Gy) and bin volumes (cc), read-only arrays.

    Compared by identity (arrays have no single truth value); build one with
    :func:`differential_dvh` or :func:`cumulative_to_differential`.
    """

    dose_gy: FloatArray
    volume_cc: FloatArray
    warnings: tuple[ModelWarning, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        dose = non_negative_array("dose_gy", self.dose_gy)
        volume = non_negative_array("volume_cc", self.volume_cc)
        if dose.ndim != 1 or volume.ndim != 1 or dose.shape != volume.shape:
            raise InputError(
                "dose_gy/volume_cc",
                "must be 1-D arrays of the same length",
                f"{dose.shape} vs {volume.shape}",
                "give one volume per dose bin",
            )
        if dose.size == 0:
            raise InputError("dose_gy", "DVH has no bins", 0, "give at least one dose bin")
        if float(volume.sum()) <= 0.0:
            raise InputError(
                "volume_cc", "total volume must be > 0 cc", float(volume.sum()), "check the DVH"
            )
        dose.setflags(write=False)
        volume.setflags(write=False)
        object.__setattr__(self, "dose_gy", dose)
        object.__setattr__(self, "volume_cc", volume)

    @property
    def total_volume_cc(self) -> float:
        """Sum of the bin volumes (cc)."""
        return float(self.volume_cc.sum())

    @property
    def fractional_volume(self) -> FloatArray:
        """Bin volumes divided by the total volume (sums to 1)."""
        fractions: FloatArray = self.volume_cc / self.volume_cc.sum()
        return fractions

    @property
    def mean_dose_gy(self) -> float:
        """Volume-weighted mean dose (Gy)."""
        return float(np.dot(self.fractional_volume, self.dose_gy))


def differential_dvh(
    dose_gy: Any, volume_cc: Any, total_volume_cc: float | None = None
) -> DifferentialDvh:
    """Build a :class:`DifferentialDvh`, optionally checking the bins sum to ``total_volume_cc``.

    Raises
    ------
    InputError
        NaN or negative values, mismatched lengths, an empty DVH, or bins whose volumes do not sum
        to ``total_volume_cc`` within 1 %.
    """
    dvh = DifferentialDvh(np.asarray(dose_gy), np.asarray(volume_cc))
    if total_volume_cc is not None:
        require_total_volume(
            dvh,
            total_volume_cc,
            "pass a differential DVH (or use the cumulative option for a cumulative one)",
        )
    return dvh


def require_total_volume(dvh: DifferentialDvh, total_volume_cc: float, fix: str) -> None:
    """Raise unless the DVH's total volume matches ``total_volume_cc`` within 1 %."""
    expected = float(total_volume_cc)
    if not expected > 0.0 or abs(dvh.total_volume_cc - expected) > _SUM_TOLERANCE * expected:
        raise InputError(
            "volume_cc",
            f"bin volumes sum to {dvh.total_volume_cc:.4g} cc, not the structure volume "
            f"{expected:.4g} cc (tolerance 1 %)",
            round(dvh.total_volume_cc, 4),
            fix,
        )


def cumulative_to_differential(dose_gy: Any, volume_cc: Any) -> DifferentialDvh:
    """Convert a cumulative DVH (volume receiving >= dose) into a :class:`DifferentialDvh`.

    Parameters
    ----------
    dose_gy
        Strictly increasing dose points (Gy), >= 0.
    volume_cc
        Volume (cc) receiving at least each dose; must not increase with dose.
    """
    dose = non_negative_array("dose_gy", dose_gy)
    volume = non_negative_array("volume_cc", volume_cc)
    if dose.ndim != 1 or dose.shape != volume.shape or dose.size < 2:
        raise InputError(
            "dose_gy/volume_cc",
            "a cumulative DVH needs two 1-D arrays of the same length >= 2",
            f"{dose.shape} vs {volume.shape}",
            "give one volume per dose point",
        )
    steps = np.diff(dose)
    if np.any(steps <= 0.0):
        first = int(np.flatnonzero(steps <= 0.0)[0]) + 1
        raise InputError(
            "dose_gy",
            f"cumulative DVH doses must strictly increase (row {first} repeats or goes back)",
            float(dose[first]),
            "sort the rows by dose and remove duplicates",
        )
    drops = -np.diff(volume)
    rising = drops < -1e-9 * max(1.0, float(volume[0]))  # rounding noise is not a rise
    if np.any(rising):
        first = int(np.flatnonzero(rising)[0]) + 1
        raise InputError(
            "volume_cc",
            f"cumulative volume increases with dose at row {first} "
            "(is this a differential DVH? then drop the cumulative option)",
            float(volume[first]),
            "pass the volume receiving at least each dose, non-increasing",
        )
    centres = 0.5 * (dose[:-1] + dose[1:])
    bins = np.clip(drops, 0.0, None)
    notes: list[ModelWarning] = []
    tail = float(volume[-1])
    if tail > 0.0:
        centres = np.append(centres, dose[-1])
        bins = np.append(bins, tail)
        notes.append(
            ModelWarning(
                "dvh_tail",
                f"{tail:.4g} cc still receives >= the last dose point {dose[-1]:.4g} Gy; it is "
                "counted at that dose (gEUD and NTCP may be underestimated)",
            )
        )
    return DifferentialDvh(centres, bins, tuple(notes))


def read_dvh_csv(path: Path) -> tuple[list[float], list[float]]:
    """Read a DVH CSV with a header naming ``dose_gy`` and ``volume_cc`` (Gy, cc).

    Other columns are ignored and blank lines skipped; the values are returned unvalidated
    (pass them to :func:`differential_dvh` or :func:`cumulative_to_differential`).
    """
    if not path.is_file():
        raise InputError("dvh", "file not found", str(path), "check the path")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in reader.fieldnames or []]
        if "dose_gy" not in columns or "volume_cc" not in columns:
            raise InputError(
                "dvh",
                "CSV needs a header with columns dose_gy and volume_cc",
                f"{path} (columns: {', '.join(columns) or 'none'})",
                "add the header line 'dose_gy,volume_cc' (Gy, cc)",
            )
        dose_gy: list[float] = []
        volume_cc: list[float] = []
        for line_number, row in enumerate(reader, start=2):
            clean = {(key or "").strip(): (value or "").strip() for key, value in row.items()}
            if not any(clean.values()):
                continue
            dose_gy.append(_cell(path, line_number, "dose_gy", clean["dose_gy"]))
            volume_cc.append(_cell(path, line_number, "volume_cc", clean["volume_cc"]))
    if not dose_gy:
        raise InputError("dvh", "CSV has no data rows", str(path), "add dose_gy,volume_cc rows")
    return dose_gy, volume_cc


def _cell(path: Path, line_number: int, column: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(
            f"dvh {path.name} line {line_number} {column}",
            "is not a number",
            text,
            "use plain numbers (Gy, cc) with '.' as decimal point",
        ) from None
