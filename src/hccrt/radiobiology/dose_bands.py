"""Plausibility bands for doses typed by a user: a dose in cGy given where Gy is meant.

These bands are not clinical limits. They only catch what cannot be a dose in Gy: 1000 "Gy" per
fraction is 1000 cGy = 10 Gy typed in the wrong unit, and gives a BED of 505 000 Gy if accepted.
The upper ends sit well above any external-beam regimen (single-fraction radiosurgery reaches
about 24 Gy; hot spots of a 60 Gy SBRT plan stay below 100 Gy) and below the cGy value of a
common dose (2 Gy = 200 cGy per fraction; 45 Gy = 4500 cGy in total).

Every dose a user types on the command line, in a DVH file or in an evaluation request passes
:func:`check_dose_gy` with one of the bands below, so the "did you mean cGy?" hint has one home.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hccrt.errors import InputError
from hccrt.numbers import check_number

__all__ = [
    "DOSE_PER_FRACTION",
    "DVH_DOSE",
    "TOTAL_DOSE",
    "DoseBand",
    "check_dose_gy",
]


@dataclass(frozen=True)
class DoseBand:
    """The plausible range (Gy) of one kind of dose.

    Attributes
    ----------
    what
        The kind of dose, for messages, e.g. ``"dose per fraction"``.
    high_gy
        Largest plausible value in Gy; above it the value is taken for cGy.
    """

    what: str
    high_gy: float


DOSE_PER_FRACTION = DoseBand("dose per fraction", 30.0)
TOTAL_DOSE = DoseBand("total (prescription) dose", 150.0)
DVH_DOSE = DoseBand("DVH dose", 200.0)


def check_dose_gy(field: str, value: Any, band: DoseBand, *, allow_zero: bool = False) -> float:
    """Return ``value`` (Gy) once it is a finite number, > 0 (or >= 0) and inside ``band``.

    Parameters
    ----------
    field
        Name shown in the error, e.g. ``"--dose-per-fraction-gy"``.
    value
        The dose in Gy.
    band
        :data:`DOSE_PER_FRACTION`, :data:`TOTAL_DOSE` or :data:`DVH_DOSE`.
    allow_zero
        Accept 0 Gy (a DVH starts at 0 Gy).

    Returns
    -------
    float
        The dose in Gy.

    Raises
    ------
    InputError
        Not a finite number, not positive, or above the band with the "did you mean cGy?" fix.

    Examples
    --------
    >>> check_dose_gy("--dose-per-fraction-gy", 1000, DOSE_PER_FRACTION)
    Traceback (most recent call last):
    ...
    hccrt.errors.InputError: --dose-per-fraction-gy=1000: above 30 Gy, not plausible as a dose per fraction; did you mean cGy? 1000 cGy = 10 Gy: give the dose in Gy
    """  # noqa: E501
    dose = check_number(field, value)
    if dose < 0.0 or (dose == 0.0 and not allow_zero):
        rule = "must be >= 0 Gy" if allow_zero else "must be > 0 Gy"
        raise InputError(field, rule, value, "give the dose in Gy")
    if dose > band.high_gy:
        raise InputError(
            field,
            f"above {band.high_gy:g} Gy, not plausible as a {band.what}",
            value,
            f"did you mean cGy? {dose:g} cGy = {dose / 100.0:g} Gy: give the dose in Gy",
        )
    return dose
