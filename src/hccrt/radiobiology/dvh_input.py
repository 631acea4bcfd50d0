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
from hccrt.numbers import check_number
from hccrt.radiobiology._checks import FloatArray, non_negative_array
from hccrt.radiobiology.dose_bands import DVH_DOSE, check_dose_gy
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


def read_dvh_csv(path: Path, structure: str | None = None) -> tuple[list[float], list[float]]:
    """Read a DVH CSV with a header naming ``dose_gy`` and ``volume_cc`` (Gy, cc).

    Other columns are ignored and blank lines skipped. A ``structure`` column (the CSV that
    ``hccrt dvh --csv`` writes holds one cumulative curve per structure) selects the rows of
    ``structure``; it may be left out when the file holds one structure only. The doses must be
    plausible in Gy (:data:`~hccrt.radiobiology.dose_bands.DVH_DOSE`: a DVH in cGy is refused
    with the fix); otherwise the values are returned unvalidated (pass them to
    :func:`differential_dvh` or :func:`cumulative_to_differential`).

    Raises
    ------
    InputError
        Missing file or columns, a cell that is not a finite number, a dose above the band
        ("did you mean cGy?"), several structures and none (or an unknown one) chosen.
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
        rows: dict[str, list[tuple[float, float]]] = {}
        for line_number, row in enumerate(reader, start=2):
            clean = {(key or "").strip(): (value or "").strip() for key, value in row.items()}
            if not any(clean.values()):
                continue
            rows.setdefault(clean.get("structure", ""), []).append(
                (
                    _cell(path, line_number, "dose_gy", clean["dose_gy"]),
                    _cell(path, line_number, "volume_cc", clean["volume_cc"]),
                )
            )
    chosen = _structure_rows(path, rows, structure)
    dose_gy = [dose for dose, _ in chosen]
    volume_cc = [volume for _, volume in chosen]
    check_dose_gy(f"dvh {path.name} dose_gy", max(dose_gy), DVH_DOSE, allow_zero=True)
    return dose_gy, volume_cc


def _structure_rows(
    path: Path, rows: dict[str, list[tuple[float, float]]], structure: str | None
) -> list[tuple[float, float]]:
    if not rows:
        raise InputError("dvh", "CSV has no data rows", str(path), "add dose_gy,volume_cc rows")
    names = ", ".join(sorted(rows))
    if structure is not None:
        if structure not in rows:
            raise InputError(
                "structure", f"not in the DVH file (it holds: {names})", structure, "pick one"
            )
        return rows[structure]
    if len(rows) > 1:
        raise InputError(
            "dvh",
            f"holds the DVHs of {len(rows)} structures ({names})",
            str(path),
            "choose one with --structure NAME",
        )
    return next(iter(rows.values()))


def looks_cumulative(volume_cc: Any, total_volume_cc: float | None = None) -> bool:
    """True when a volume column has the shape of a cumulative DVH.

    A cumulative DVH starts at the structure's total volume and never increases with dose; a
    differential one read as cumulative (or the reverse) gives a wrong NTCP. With
    ``total_volume_cc`` the first value must also match the total within 1 %.

    Examples
    --------
    >>> looks_cumulative([1200.0, 900.0, 300.0, 0.0])
    True
    >>> looks_cumulative([100.0, 700.0, 400.0])
    False
    """
    volume = np.asarray(volume_cc, dtype=np.float64)
    if volume.ndim != 1 or volume.size < 3 or not np.all(np.isfinite(volume)):
        return False
    if not volume[0] > volume[-1] or np.any(np.diff(volume) > 0.0):
        return False
    if total_volume_cc is None:
        return True
    return abs(float(volume[0]) - total_volume_cc) <= _SUM_TOLERANCE * total_volume_cc


def require_dvh_kind(
    volume_cc: Any, cumulative: bool | None, total_volume_cc: float | None = None
) -> bool:
    """Whether to read a DVH as cumulative: the user's choice, or refused when it looks cumulative.

    Parameters
    ----------
    volume_cc
        The volume column.
    cumulative
        ``True`` / ``False`` as the user declared it; ``None`` when not declared.
    total_volume_cc
        The structure volume, when known.

    Raises
    ------
    InputError
        Undeclared, and :func:`looks_cumulative`: reading it as differential would count each
        volume once per dose point (a cumulative liver DVH read so gave "479 906 cc").
    """
    if cumulative is not None:
        return cumulative
    if looks_cumulative(volume_cc, total_volume_cc):
        first = float(np.asarray(volume_cc, dtype=np.float64)[0])
        raise InputError(
            "dvh",
            f"looks cumulative: the volume starts at {first:.6g} cc and never increases with dose",
            "differential or cumulative not given",
            "pass --cumulative (or --differential if the bins really are differential)",
        )
    return False


def _cell(path: Path, line_number: int, column: str, text: str) -> float:
    try:
        return check_number(column, float(text))
    except ValueError:
        raise InputError(
            f"dvh {path.name} line {line_number} {column}",
            "is not a finite number",
            text,
            "use plain numbers (Gy, cc) with '.' as decimal point",
        ) from None
