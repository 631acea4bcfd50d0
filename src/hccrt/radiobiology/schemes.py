"""One entry point for a fractionation scheme: BED/EQD2 with the model, its parameters and warnings.

:func:`scheme_bed` returns a :class:`BedResult` that always names the model and every parameter
used, so a number is never shown without the assumptions behind it (text summaries in
:mod:`hccrt.radiobiology.summary`). Plain LQ above 10 Gy per fraction adds a structured warning
(Brenner 2008: LQ reasonably validated up to about 10 Gy per fraction, reasonable up to about
18 Gy; Kirkpatrick 2008 counterpoint); defaults are flagged by
:mod:`hccrt.radiobiology.model_defaults`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hccrt.errors import InputError
from hccrt.radiobiology._checks import fraction_count, non_negative, positive
from hccrt.radiobiology.lq import RepopulationParameters
from hccrt.radiobiology.model_defaults import (
    BRENNER_2008,
    LQ_VALIDITY_LIMIT_GY,
    lql_parameters,
    repopulation_parameters,
    usc_parameters,
)
from hccrt.radiobiology.records import ModelWarning, Status
from hccrt.radiobiology.repair import (
    bed_lq_incomplete_repair,
    lea_catcheside_g,
    uniform_interval_warning,
)


class BedModel(enum.StrEnum):
    """Dose-response model used to compute a BED."""

    lq = "lq"
    lq_l = "lq-l"
    usc = "usc"


@dataclass(frozen=True)
class BedResult:
    """BED and EQD2 of a scheme, with the model, its parameters and any warnings.

    ``bed_gy`` includes the overall-time correction when one was requested; ``eqd2_gy`` is the
    total dose in acute 2 Gy fractions with the same BED under the same model: BED/(1 + 2/(α/β))
    whenever 2 Gy lies in the LQ region (always for LQ and the default LQ-L/USC parameters).
    """

    dose_per_fraction_gy: float
    fractions: int
    total_dose_gy: float
    alpha_beta_gy: float
    bed_gy: float
    eqd2_gy: float
    model: BedModel
    parameters: dict[str, Any]
    warnings: tuple[ModelWarning, ...] = field(default_factory=tuple)


def scheme_bed(
    dose_per_fraction_gy: float,
    fractions: int,
    alpha_beta_gy: float,
    model: BedModel | str = BedModel.lq,
    *,
    transition_dose_gy: float | None = None,
    d0_gy: float | None = None,
    dq_gy: float | None = None,
    treatment_days: float | None = None,
    repopulation: RepopulationParameters | None = None,
    repair_half_time_h: float | None = None,
    fraction_duration_h: float = 0.0,
    interval_h: float | None = None,
) -> BedResult:
    """BED and EQD2 of ``fractions`` x ``dose_per_fraction_gy`` under LQ, LQ-L or USC.

    Parameters
    ----------
    dose_per_fraction_gy
        Physical dose per fraction (Gy).
    fractions
        Number of fractions (>= 1).
    alpha_beta_gy
        α/β of the tissue (Gy).
    model
        ``"lq"``, ``"lq-l"`` (Astrahan 2008) or ``"usc"`` (Park 2008).
    transition_dose_gy
        LQ-L transition dose dT (Gy); default 6.0 Gy, UNCONFIRMED (flagged in ``warnings``).
    d0_gy, dq_gy
        USC terminal-line parameters (Gy); both or neither. Default: Park 2008 NSCLC H460
        (D0 1.25 Gy, Dq 1.8 Gy), flagged as not HCC-specific. α is solved from α/β, D0 and Dq.
    treatment_days
        Overall treatment time T (days) for the repopulation term; ``None`` = no time factor.
    repopulation
        Tk and Dprolif; default Tai 2008 HCC values (Dprolif 0.54 Gy/day, Tk 0 d, UNCONFIRMED).
    repair_half_time_h, fraction_duration_h, interval_h
        Incomplete repair (LQ only): repair half-time (h), beam-on time per fraction (h) for the
        Lea-Catcheside factor, and start-to-start time between fractions (h) for the Thames
        factor (``None`` = full repair between fractions). See
        :func:`~hccrt.radiobiology.repair.bed_lq_incomplete_repair`.

    Returns
    -------
    BedResult

    Examples
    --------
    >>> result = scheme_bed(20.0, 3, 10.0, "lq-l", transition_dose_gy=6.0)  # 60 Gy/3, HCC
    >>> round(result.bed_gy, 1), round(result.eqd2_gy, 1), result.parameters["status"]
    (121.2, 101.0, 'USER_SUPPLIED')
    """
    d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy, "α/β must be > 0 Gy, e.g. 10 for HCC")
    chosen = _model(model)
    notes: list[ModelWarning] = []
    parameters: dict[str, Any] = {"alpha_beta_gy": ab}
    repair_requested = fraction_duration_h != 0.0 or interval_h is not None
    if repair_requested and repair_half_time_h is None:
        raise InputError(
            "repair_half_time_h",
            "is required for fraction_duration_h/interval_h (incomplete repair)",
            None,
            "give the tissue's repair half-time in hours (liver 1.5 h is UNCONFIRMED)",
        )
    if repair_half_time_h is not None and chosen is not BedModel.lq:
        raise InputError(
            "model",
            "incomplete-repair corrections are implemented for plain LQ only",
            chosen.value,
            "use --model lq with the repair options",
        )

    per_fraction_bed: Callable[[float], float]
    if chosen is BedModel.lq:
        if transition_dose_gy is not None or d0_gy is not None or dq_gy is not None:
            raise InputError(
                "model",
                "transition_dose_gy/d0_gy/dq_gy apply only to lq-l or usc",
                "lq",
                "choose --model lq-l or --model usc, or drop those options",
            )
        parameters["source"] = "linear-quadratic model (clinical-facts §3.1)"
        parameters["status"] = Status.verified.value

        def per_fraction_bed(dose_gy: float) -> float:
            return dose_gy * (1.0 + dose_gy / ab)

        if d > LQ_VALIDITY_LIMIT_GY:
            notes.append(
                ModelWarning(
                    "lq_high_dose_per_fraction",
                    f"plain LQ used at {d:g} Gy per fraction (> {LQ_VALIDITY_LIMIT_GY:g} Gy): LQ "
                    "is debated there and likely overestimates the effect; compare with "
                    "--model lq-l or --model usc",
                    BRENNER_2008,
                )
            )
    elif chosen is BedModel.lq_l:
        if d0_gy is not None or dq_gy is not None:
            raise InputError("model", "d0_gy/dq_gy apply only to usc", "lq-l", "drop them")
        lql = lql_parameters(ab, transition_dose_gy, notes)
        per_fraction_bed = lql.bed_per_fraction_gy
        parameters.update(
            transition_dose_gy=lql.transition_dose_gy, source=lql.source, status=lql.status.value
        )
    else:
        usc = usc_parameters(ab, d0_gy, dq_gy, notes)
        per_fraction_bed = usc.bed_per_fraction_gy
        parameters.update(
            alpha_per_gy=usc.alpha_per_gy,
            beta_per_gy2=usc.beta_per_gy2,
            d0_gy=usc.d0_gy,
            dq_gy=usc.dq_gy,
            transition_dose_gy=usc.transition_dose_gy,
            source=usc.source,
            status=usc.status.value,
        )

    if repair_half_time_h is None:
        bed = n * per_fraction_bed(d)
    else:
        bed = bed_lq_incomplete_repair(
            d, n, ab, repair_half_time_h, fraction_duration_h, interval_h
        )
        parameters.update(
            repair_half_time_h=float(repair_half_time_h),
            fraction_duration_h=float(fraction_duration_h),
            interval_h=None if interval_h is None else float(interval_h),
            lea_catcheside_g=lea_catcheside_g(fraction_duration_h, repair_half_time_h),
            repair_source="Lea-Catcheside G and Thames 1985 H_n, mono-exponential repair",
        )
        uneven = uniform_interval_warning(n, interval_h)
        if uneven is not None:
            notes.append(uneven)
    if treatment_days is not None:
        repopulation = repopulation_parameters(ab, repopulation, notes)
        bed -= repopulation.bed_loss_gy(treatment_days)
        parameters.update(
            treatment_days=float(treatment_days),
            tk_days=repopulation.tk_days,
            dprolif_gy_per_day=repopulation.dprolif_gy_per_day,
            repopulation_source=repopulation.source,
            repopulation_status=repopulation.status.value,
        )
    elif repopulation is not None:
        raise InputError(
            "treatment_days",
            "is required when repopulation parameters are given",
            None,
            "give the overall treatment time in days (--treatment-days)",
        )
    # EQD2 = total dose in acute 2 Gy fractions with the same BED under the same model; this is
    # BED/(1 + 2/(α/β)) unless a transition dose below 2 Gy puts 2 Gy fractions in the linear part
    return BedResult(
        dose_per_fraction_gy=d,
        fractions=n,
        total_dose_gy=d * n,
        alpha_beta_gy=ab,
        bed_gy=bed,
        eqd2_gy=bed * 2.0 / per_fraction_bed(2.0),
        model=chosen,
        parameters=parameters,
        warnings=tuple(notes),
    )


def _model(model: BedModel | str) -> BedModel:
    try:
        return BedModel(str(model).lower())
    except ValueError:
        allowed = ", ".join(m.value for m in BedModel)
        raise InputError("model", f"must be one of {allowed}", model, "e.g. lq-l") from None
