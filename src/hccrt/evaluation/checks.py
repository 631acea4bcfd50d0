"""The checks behind a plan evaluation: one constraint, the RILD NTCP and the recommendation.

Used by :func:`hccrt.evaluation.evaluate_plan`, which applies them to every constraint of the
protocol and combines them into the verdict.
"""

from __future__ import annotations

import math

from hccrt.evaluation.limits import compare, convert_constraint, metric_value
from hccrt.evaluation.protocol import Constraint, Protocol
from hccrt.evaluation.results import (
    ConstraintResult,
    ConstraintStatus,
    NtcpEstimate,
    NtcpStatus,
    Verdict,
)
from hccrt.evaluation.structures import ResolvedStructure, StructureResolver
from hccrt.evaluation.technique import TECHNIQUE_RULE, PlanFacts


def child_pugh_applies(constraint: Constraint, child_pugh: str | None) -> bool:
    """Whether a constraint applies to a Child-Pugh class (``None``: unknown)."""
    if constraint.child_pugh is None:
        return True
    return (child_pugh or "unknown") in constraint.child_pugh


def evaluate_constraint(
    constraint: Constraint,
    resolved: ResolvedStructure | None,
    plan: PlanFacts,
) -> ConstraintResult:
    """Evaluate one protocol constraint on a resolved structure (``None``: not in the plan)."""
    metric, limit, conversion = convert_constraint(
        constraint, plan.fractions, plan.dose_per_fraction_gy
    )
    from hccrt.dvh.metrics import parse_metric

    def result(
        unit: str, value: float | None, passed: bool | None, status: ConstraintStatus, note: str,
        plan_names: tuple[str, ...] = (), derivation: str = "",
    ) -> ConstraintResult:  # fmt: skip
        return ConstraintResult(
            id=constraint.id, structure=constraint.structure, metric=metric,
            comparator=constraint.comparator, limit=round(limit, 4), unit=unit, value=value,
            passed=passed, status=status, priority=constraint.priority, kind=constraint.kind,
            source=constraint.source, source_status=constraint.status,
            structure_in_plan=plan_names, derivation=derivation, conversion=conversion,
            note=note,
        )  # fmt: skip

    if resolved is None:
        missing = f"{constraint.structure} not found in the structure set; " + (
            constraint.note or "contour it to evaluate this constraint"
        )
        return result(
            parse_metric(metric).result_unit, None, None, ConstraintStatus.NOT_EVALUATED, missing
        )
    value, unit, warning = metric_value(metric, resolved.dvh, plan.prescription_gy)
    passed = compare(value, constraint.comparator, limit)
    status = (
        ConstraintStatus.NOT_EVALUATED
        if passed is None
        else (ConstraintStatus.PASS if passed else ConstraintStatus.FAIL)
    )
    notes = "; ".join(n for n in (constraint.note, warning) if n)
    shown = value if math.isfinite(value) else None
    return result(unit, shown, passed, status, notes, resolved.plan_names, resolved.how)


def estimate_ntcp(
    protocol: Protocol, resolver: StructureResolver, child_pugh: str | None, fractions: int
) -> NtcpEstimate:
    """RILD NTCP (LKB) of the protocol's liver structure for a Child-Pugh class."""
    from hccrt.errors import InputError
    from hccrt.radiobiology import default_ntcp_parameter_set, ntcp_lkb

    settings = protocol.ntcp
    structure = settings.structure
    if child_pugh is None:
        return NtcpEstimate(
            structure, NtcpStatus.INSUFFICIENT_DATA, source=settings.source,
            note="Child-Pugh class unknown: the NTCP parameter set is chosen by Child-Pugh class; "
            "give a patient record (--patient) or --child-pugh",
        )  # fmt: skip
    try:
        parameters = default_ntcp_parameter_set(child_pugh)
    except InputError as error:
        return NtcpEstimate(
            structure, NtcpStatus.INSUFFICIENT_DATA, source=settings.source, note=str(error)
        )
    resolved = resolver.resolve(structure)
    if resolved is None or resolved.dvh.is_empty:
        return NtcpEstimate(
            structure, NtcpStatus.NOT_EVALUATED, parameter_set=parameters.name,
            source=settings.source,
            note=f"{structure} not available in the plan",
        )  # fmt: skip
    dvh = resolved.dvh
    centres = 0.5 * (dvh.dose_edges_gy[1:] + dvh.dose_edges_gy[:-1])
    keep = dvh.differential_cc > 0
    result = ntcp_lkb(centres[keep], dvh.differential_cc[keep], parameters, fractions)
    percent = 100.0 * result.ntcp
    return NtcpEstimate(
        structure=structure,
        status=NtcpStatus.COMPUTED,
        ntcp=result.ntcp,
        ntcp_percent=percent,
        threshold_percent=settings.threshold_percent,
        above_threshold=percent >= settings.threshold_percent,
        model=result.model,
        parameter_set=parameters.name,
        parameter_label=parameters.label,
        parameters_status=str(parameters.parameters_status),
        geud_gy=result.geud_gy,
        mean_dose_gy=result.mean_dose_gy,
        fractions=fractions,
        source=f"{parameters.source}; {settings.source}",
        note="; ".join(w.message for w in result.warnings),
    )


def recommendations(verdict: Verdict, failed: bool, plan: PlanFacts) -> tuple[str, ...]:
    """The recommendation for a verdict (seed 000: 3DCRT first, IMRT if it fails)."""
    if verdict == Verdict.PASS:
        return ()
    if not failed:
        return (
            "Contour the missing structures (normal liver needs Liver and the GTVs; coverage "
            "needs a PTV) and evaluate again: the verdict cannot be 'pass' without them.",
        )
    if plan.technique == "3dcrt":
        return (
            "Re-plan with IMRT: the 3DCRT plan does not meet the dosimetric requirements. "
            + TECHNIQUE_RULE,
        )
    return (
        "The plan does not meet the protocol; re-optimise (e.g. lower normal-liver dose, "
        "respiratory control per seed 000) or review the dose prescription with the team.",
    )
