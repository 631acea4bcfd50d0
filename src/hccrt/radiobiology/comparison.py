"""Side-by-side comparison of fractionation schemes: BED and EQD2 of each scheme per α/β.

A scheme is written with the unit on the dose per fraction (``5Gyx10`` = 5 Gy x 10, seed 000's
hypofractionated regimen; ``2Gyx25`` conventional; ``20Gyx3`` SBRT) or as total/fractions
(``50/10``); the unit-less ``5x10`` is refused as ambiguous (see :func:`parse_scheme`).
Every BED/EQD2 comes from :func:`~hccrt.radiobiology.schemes.scheme_bed`, so each entry carries
its model, parameters, source and warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hccrt.errors import InputError
from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, check_dose_gy
from hccrt.radiobiology.records import ModelWarning
from hccrt.radiobiology.schemes import BedModel, scheme_bed

_NUMBER = r"(\d+(?:\.\d+)?)"
_TOTAL_OVER_FRACTIONS = re.compile(rf"^{_NUMBER}(?:gy)?/(\d+)(?:fx|fractions?)?$", re.IGNORECASE)
_DOSE_TIMES_FRACTIONS = re.compile(rf"^{_NUMBER}gyx(\d+)(?:fx|fractions?)?$", re.IGNORECASE)
_FRACTIONS_TIMES_DOSE = re.compile(rf"^(\d+)(?:fx)?x{_NUMBER}gy$", re.IGNORECASE)
_UNITLESS = re.compile(rf"^{_NUMBER}x{_NUMBER}$")


def parse_scheme(text: str, field_name: str = "scheme") -> tuple[float, int]:
    """Parse a fractionation scheme into (dose per fraction in Gy, number of fractions).

    Accepted, unambiguous forms:

    * ``15Gyx3`` (also ``15 Gy x 3`` and ``3x15Gy``): the number carrying ``Gy`` is the dose
      per fraction, the other the number of fractions;
    * ``45/3`` (also ``45Gy/3``): total dose in Gy / number of fractions.

    ``3x15`` without a unit is refused: clinicians write "3 × 15 Gy" for 15 Gy × 3, while the
    older form read it as 3 Gy × 15. ``field_name`` names the input in the error message (e.g.
    a command-line option). Doses per fraction above 30 Gy are refused as probable cGy
    (:mod:`hccrt.radiobiology.dose_bands`).

    Examples
    --------
    >>> parse_scheme("20Gyx3")
    (20.0, 3)
    >>> parse_scheme("3 x 20 Gy")
    (20.0, 3)
    >>> parse_scheme("50/10")
    (5.0, 10)
    """
    clean = text.strip().replace(" ", "").replace("×", "x").replace("X", "x")
    total = _TOTAL_OVER_FRACTIONS.match(clean)
    dose_first = _DOSE_TIMES_FRACTIONS.match(clean)
    fractions_first = _FRACTIONS_TIMES_DOSE.match(clean)
    if total is not None:
        count = int(total.group(2))
        dose = float(total.group(1)) / count if count else 0.0
    elif dose_first is not None:
        dose, count = float(dose_first.group(1)), int(dose_first.group(2))
    elif fractions_first is not None:
        dose, count = float(fractions_first.group(2)), int(fractions_first.group(1))
    elif _UNITLESS.match(clean):
        raise InputError(
            field_name,
            "ambiguous: which number is the dose per fraction?",
            text,
            "mark the dose with its unit or give total/fractions: 15Gyx3 (15 Gy x 3 fractions) "
            "or 45/3 (45 Gy in 3 fractions)",
        )
    else:
        raise InputError(
            field_name,
            "expected DOSEGyxFRACTIONS or TOTAL/FRACTIONS",
            text,
            "e.g. 15Gyx3 (15 Gy x 3 fractions) or 45/3 (45 Gy in 3 fractions)",
        )
    if count < 1:
        raise InputError(field_name, "needs at least 1 fraction", text, "e.g. 5Gyx10 or 50/10")
    try:
        check_dose_gy(field_name, dose, DOSE_PER_FRACTION)
    except InputError as error:
        raise InputError(field_name, error.rule, text, error.fix) from None
    return dose, count


@dataclass(frozen=True)
class AlphaBetaEntry:
    """BED and EQD2 (Gy) of one scheme at one α/β, with the parameters and warnings behind them."""

    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float
    parameters: dict[str, Any]
    warnings: tuple[ModelWarning, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SchemeComparison:
    """One scheme of a comparison: its doses (Gy), the model and one entry per α/β."""

    scheme: str
    dose_per_fraction_gy: float
    fractions: int
    total_dose_gy: float
    model: BedModel
    by_alpha_beta: tuple[AlphaBetaEntry, ...]


def compare_schemes(
    schemes: Sequence[str],
    alpha_beta_gy: Sequence[float],
    model: BedModel | str = BedModel.lq,
    *,
    transition_dose_gy: float | None = None,
    d0_gy: float | None = None,
    dq_gy: float | None = None,
    scheme_field: str = "scheme",
) -> list[SchemeComparison]:
    """BED and EQD2 of every scheme for every α/β, under one model (LQ, LQ-L or USC).

    Parameters
    ----------
    schemes
        Scheme texts such as ``5Gyx10`` or ``50/10`` (see :func:`parse_scheme`).
    alpha_beta_gy
        α/β values (Gy), e.g. 10 (HCC) and 2.5 (normal liver).
    model, transition_dose_gy, d0_gy, dq_gy
        As in :func:`~hccrt.radiobiology.schemes.scheme_bed`.
    scheme_field
        Name of the scheme input in error messages.

    Examples
    --------
    >>> rows = compare_schemes(["2Gyx25", "50/10"], [10.0, 2.5])  # seed 000's two regimens
    >>> [(row.scheme, [round(e.eqd2_gy, 1) for e in row.by_alpha_beta]) for row in rows]
    [('2Gyx25', [50.0, 50.0]), ('50/10', [62.5, 83.3])]
    """
    if not schemes:
        raise InputError(scheme_field, "at least one scheme is required", None, "e.g. 5Gyx10")
    if not alpha_beta_gy:
        raise InputError("alpha_beta_gy", "at least one α/β is required", None, "e.g. 10")
    rows: list[SchemeComparison] = []
    for text in schemes:
        dose, count = parse_scheme(text, scheme_field)
        results = [
            scheme_bed(
                dose,
                count,
                ab,
                model,
                transition_dose_gy=transition_dose_gy,
                d0_gy=d0_gy,
                dq_gy=dq_gy,
            )
            for ab in alpha_beta_gy
        ]
        rows.append(
            SchemeComparison(
                scheme=text.strip(),
                dose_per_fraction_gy=dose,
                fractions=count,
                total_dose_gy=dose * count,
                model=results[0].model,
                by_alpha_beta=tuple(
                    AlphaBetaEntry(r.alpha_beta_gy, r.bed_gy, r.eqd2_gy, r.parameters, r.warnings)
                    for r in results
                ),
            )
        )
    return rows
