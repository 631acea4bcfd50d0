"""Side-by-side comparison of fractionation schemes: BED and EQD2 of each scheme per α/β.

A scheme is written ``DOSExFRACTIONS`` with the dose per fraction in Gy (``5x10`` = 5 Gy x 10,
seed 000's hypofractionated regimen; ``2x25`` conventional; ``20x3`` SBRT). Every BED/EQD2 comes
from :func:`~hccrt.radiobiology.schemes.scheme_bed`, so each entry carries its model, parameters,
source and warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hccrt.errors import InputError
from hccrt.radiobiology.records import ModelWarning
from hccrt.radiobiology.schemes import BedModel, scheme_bed

_SCHEME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[xX×]\s*(\d+)\s*$")


def parse_scheme(text: str, field_name: str = "scheme") -> tuple[float, int]:
    """Parse ``"DOSExFRACTIONS"`` (e.g. ``"5x10"`` = 5 Gy x 10) into (dose per fraction, n).

    ``field_name`` names the input in the error message (e.g. a command-line option).

    Examples
    --------
    >>> parse_scheme("20x3")
    (20.0, 3)
    """
    match = _SCHEME.match(text)
    if match is None:
        raise InputError(
            field_name,
            "expected the form DOSExFRACTIONS (e.g. 5x10)",
            text,
            "write the dose per fraction in Gy, an 'x', then the number of fractions "
            "(5x10 = 5 Gy x 10 fractions)",
        )
    dose = float(match.group(1))
    n = int(match.group(2))
    if n < 1:
        raise InputError(field_name, "needs at least 1 fraction", text, "e.g. 5x10")
    return dose, n


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
        ``DOSExFRACTIONS`` texts, dose per fraction in Gy (see :func:`parse_scheme`).
    alpha_beta_gy
        α/β values (Gy), e.g. 10 (HCC) and 2.5 (normal liver).
    model, transition_dose_gy, d0_gy, dq_gy
        As in :func:`~hccrt.radiobiology.schemes.scheme_bed`.
    scheme_field
        Name of the scheme input in error messages.

    Examples
    --------
    >>> rows = compare_schemes(["2x25", "5x10"], [10.0, 2.5])  # seed 000's two regimens
    >>> [(row.scheme, [round(e.eqd2_gy, 1) for e in row.by_alpha_beta]) for row in rows]
    [('2x25', [50.0, 50.0]), ('5x10', [62.5, 83.3])]
    """
    if not schemes:
        raise InputError(scheme_field, "at least one scheme is required", None, "e.g. 5x10")
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
