"""The checks behind a plan evaluation: one constraint, the RILD NTCP and the advice.

Used by :func:`hccrt.evaluation.evaluate_plan`, which applies them to every constraint of the
protocol and combines them into the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from hccrt.evaluation.limits import compare, convert_constraint, metric_value
from hccrt.evaluation.protocol import Constraint, Protocol
from hccrt.evaluation.results import (
    ConstraintResult,
    ConstraintStatus,
    Evaluation,
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
    prescription_gy = plan.prescription_gy
    own = ""
    if constraint.kind == "target" and len(resolved.plan_names) == 1:
        (roi,) = resolved.plan_names
        prescription_gy = plan.prescription_of(roi)
        if prescription_gy != plan.prescription_gy and prescription_gy is not None:
            own = f"{roi} read against its own prescription {prescription_gy:g} Gy"
    value, unit, warning = metric_value(metric, resolved.dvh, prescription_gy)
    passed = compare(value, constraint.comparator, limit)
    status = (
        ConstraintStatus.NOT_EVALUATED
        if passed is None
        else (ConstraintStatus.PASS if passed else ConstraintStatus.FAIL)
    )
    notes = "; ".join(n for n in (constraint.note, own, warning) if n)
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


REQUIRED_STRUCTURES = ("Liver-GTV", "PTV")
"""Structures without which the verdict cannot be ``pass`` (normal liver, target coverage)."""


@dataclass(frozen=True)
class AdviceFacts:
    """What the advice rests on: what was measured and what was already tried.

    Parameters
    ----------
    failed
        Mandatory constraints that failed (``"Liver-GTV Dmean[Gy]"``).
    missing
        Required structures (:data:`REQUIRED_STRUCTURES`) that could not be evaluated.
    child_pugh_c
        The patient is Child-Pugh C (the seeds give no normal-liver tolerance).
    cumulative_failed
        The cumulative normal-liver dose with earlier courses fails its limit.
    technique
        The plan's technique (``3dcrt``, ``imrt``, ...; ``None``: unknown).
    imrt_tried
        Empty when IMRT was not tried for this case; else what it gave (e.g. "infeasible: ...").
    """

    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    child_pugh_c: bool = False
    cumulative_failed: bool = False
    technique: str | None = None
    imrt_tried: str = ""


def advice_facts(
    results: tuple[ConstraintResult, ...] | list[ConstraintResult],
    child_pugh_class: str | None,
    cumulative_failed: bool,
    plan: PlanFacts,
) -> AdviceFacts:
    """The :class:`AdviceFacts` of an evaluation's constraint results and patient."""
    mandatory = [r for r in results if r.priority == "mandatory"]
    failing = (r for r in mandatory if r.status == ConstraintStatus.FAIL)
    failed = tuple(f"{r.structure} {r.metric}" for r in failing)
    missing = tuple(
        dict.fromkeys(
            r.structure
            for r in mandatory
            if r.status == ConstraintStatus.NOT_EVALUATED and r.structure in REQUIRED_STRUCTURES
        )
    )
    return AdviceFacts(failed, missing, child_pugh_class == "C", cumulative_failed, plan.technique)


def recommendations(verdict: Verdict, facts: AdviceFacts) -> tuple[str, ...]:
    """The advice for a verdict: one item per cause found, none that contradicts the facts.

    The one home of the evaluation's advice (seed 000: 3DCRT first, IMRT if it fails). Each
    item answers a cause that ``facts`` records: missing structures are asked for only when a
    required structure is missing, re-planning with IMRT only for a 3DCRT plan when IMRT has not
    already been tried, and a Child-Pugh C patient is referred to the indication, not to
    re-planning.
    """
    if verdict == Verdict.PASS:
        return ()
    advice: list[str] = []
    if facts.child_pugh_c:
        advice.append(
            "Child-Pugh C: the seeds give no safe normal-liver dose (seed 000 plans Child-Pugh A "
            "and B), so no plan can pass; review the indication for radiotherapy with the team."
        )
    if facts.missing:
        advice.append(
            f"Contour the missing structures ({', '.join(facts.missing)}: normal liver needs "
            "Liver and the GTVs; coverage needs a PTV) and evaluate again: the verdict cannot be "
            "'pass' without them."
        )
    if facts.failed and facts.technique == "3dcrt" and not facts.imrt_tried:
        advice.append(
            "Re-plan with IMRT: the 3DCRT plan does not meet the dosimetric requirements. "
            + TECHNIQUE_RULE
        )
    elif facts.failed and facts.imrt_tried:
        advice.append(
            f"IMRT was tried and does not meet them either ({facts.imrt_tried}): lower the "
            "prescription, review the limits and the target with the team, or consider another "
            "local therapy."
        )
    elif facts.failed:
        advice.append(
            "The plan does not meet the protocol; re-optimise (e.g. lower normal-liver dose, "
            "respiratory control per seed 000) or review the dose prescription with the team."
        )
    if facts.cumulative_failed:
        advice.append(
            "The cumulative normal-liver dose with the earlier course(s) is above its limit: "
            "review the re-irradiation (dose, liver volume, interval) with the team."
        )
    return tuple(advice)


def with_imrt_tried(evaluation: Evaluation, outcome: str) -> Evaluation:
    """The evaluation of a plan, its advice redone knowing that IMRT was tried (``outcome``)."""
    facts = advice_facts(
        evaluation.constraints,
        evaluation.child_pugh_class,
        evaluation.cumulative_liver is not None and evaluation.cumulative_liver.status == "fail",
        evaluation.plan,
    )
    advice = recommendations(evaluation.verdict, replace(facts, imrt_tried=outcome))
    return replace(evaluation, recommendations=advice)
