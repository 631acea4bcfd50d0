"""Convert a constraint to the plan's fractionation (LQ isoeffect) and evaluate it on a DVH.

A limit ``L`` stated for ``n_ref`` fractions (or, for plans not conventionally fractionated, at
``d_ref`` Gy per fraction) is converted to the total dose ``L'`` that, delivered to the same voxel
in the plan's ``n`` fractions, has the same BED: ``L'(1 + L'/(n a/b)) = BED_ref`` with
``BED_ref = L(1 + L/(n_ref a/b))`` or ``L(1 + d_ref/(a/b))`` (clinical-facts §3.1). Dose limits
are converted in the limit, volume metrics in the dose threshold of the metric (``V20Gy`` ->
``V17.6Gy``); percentage-of-prescription metrics are never converted. Mean-dose limits are
converted the same way, which is an approximation (the LQ effect of a mean dose is not the mean
of the effects) and is labelled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.metrics import evaluate_metric, parse_metric
from hccrt.evaluation.protocol import Constraint
from hccrt.radiobiology.lq import bed_lq, dose_per_fraction_for_bed

_SHOWN_CHANGE_GY = 0.05


@dataclass(frozen=True)
class Conversion:
    """How a limit was moved to the plan's fractionation (shown in reports)."""

    original_metric: str
    original_limit: float
    reference: str
    plan_fractions: int
    alpha_beta_gy: float
    converted_metric: str
    converted_limit: float
    note: str


def isoeffective_dose_gy(
    dose_gy: float,
    plan_fractions: int,
    alpha_beta_gy: float,
    reference_fractions: int | None = None,
    reference_dose_per_fraction_gy: float | None = None,
) -> float:
    """Total dose in ``plan_fractions`` with the same BED as ``dose_gy`` at the reference."""
    if dose_gy <= 0:
        return dose_gy
    if reference_fractions is not None:
        bed = bed_lq(dose_gy / reference_fractions, reference_fractions, alpha_beta_gy)
    elif reference_dose_per_fraction_gy is not None:
        bed = dose_gy * (1.0 + reference_dose_per_fraction_gy / alpha_beta_gy)
    else:
        return dose_gy
    return plan_fractions * dose_per_fraction_for_bed(bed, plan_fractions, alpha_beta_gy)


def convert_constraint(
    constraint: Constraint, plan_fractions: int, plan_dose_per_fraction_gy: float | None = None
) -> tuple[str, float, Conversion | None]:
    """The metric and limit that apply to a plan with ``plan_fractions`` fractions.

    A limit stated for a dose per fraction (QUANTEC: conventional 1.8-2 Gy courses) applies as
    stated when the plan's prescription per fraction is within 0.2 Gy of it (or unknown); it is
    then a physical OAR dose of a conventional course, not a dose per fraction to the OAR.
    Otherwise the limit is read as an EQD at that dose per fraction and moved to the plan.
    """
    reference = constraint.reference
    if not constraint.convert or reference is None or constraint.alpha_beta_gy is None:
        return constraint.metric, constraint.limit, None
    if reference.dose_per_fraction_gy is not None and (
        plan_dose_per_fraction_gy is None
        or abs(plan_dose_per_fraction_gy - reference.dose_per_fraction_gy) <= 0.2
    ):
        return constraint.metric, constraint.limit, None
    ab = constraint.alpha_beta_gy
    parsed = parse_metric(constraint.metric)
    ref_text = (
        f"{reference.fractions} fx"
        if reference.fractions is not None
        else f"{reference.dose_per_fraction_gy:g} Gy per fraction"
    )

    def move(dose: float) -> float:
        return isoeffective_dose_gy(
            dose, plan_fractions, ab, reference.fractions, reference.dose_per_fraction_gy
        )

    metric, limit = constraint.metric, constraint.limit
    if parsed.is_dose and parsed.result_unit in ("Gy", "cGy"):
        scale = 100.0 if parsed.result_unit == "cGy" else 1.0
        limit = move(constraint.limit / scale) * scale
    elif not parsed.is_dose and parsed.value_unit in ("Gy", "cGy"):
        scale = 100.0 if parsed.value_unit == "cGy" else 1.0
        threshold = move(parsed.value / scale) * scale
        prefix = "CV" if parsed.kind == "volume_below_dose" else "V"
        metric = f"{prefix}{threshold:.2f}{parsed.value_unit}[{parsed.result_unit}]"
    else:
        return constraint.metric, constraint.limit, None
    changed = abs(limit - constraint.limit) > _SHOWN_CHANGE_GY or metric != constraint.metric
    if not changed or (metric != constraint.metric and abs(threshold - parsed.value) < 0.005):
        return constraint.metric, constraint.limit, None
    note = f"LQ isoeffect, alpha/beta {ab:g} Gy: {ref_text} -> {plan_fractions} fx"
    if parsed.kind == "dose_stat" and parsed.statistic == "mean":
        note += " (mean-dose conversion is an approximation)"
    conversion = Conversion(
        constraint.metric, constraint.limit, ref_text, plan_fractions, ab, metric, limit, note
    )
    return metric, limit, conversion


def compare(value: float, comparator: str, limit: float) -> bool | None:
    """``value comparator limit``; ``None`` when the value is NaN (not evaluable)."""
    if not math.isfinite(value):
        return None
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[comparator]


def metric_value(
    metric: str, dvh: DoseVolumeHistogram, prescription_gy: float | None
) -> tuple[float, str, str]:
    """Value, unit and warning of a metric on a DVH."""
    result = evaluate_metric(metric, dvh, prescription_gy)
    return result.value, result.unit, result.warning
