"""Evaluate a plan against an HCC protocol: constraints, target coverage, NTCP and a verdict.

Library entry point for the CLI (``hccrt evaluate``), the pipeline (``hccrt run``) and the
planning module: :func:`evaluate_plan`. The verdict is ``fail`` when a mandatory constraint
fails or cannot be evaluated on a structure the protocol cannot do without (the normal liver,
the PTV); missing optional organs are reported as ``not_evaluated`` with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.sampling import DvhSettings
from hccrt.evaluation.limits import Conversion, compare, convert_constraint, metric_value
from hccrt.evaluation.protocol import Constraint, Protocol, load_protocol, select_protocol
from hccrt.evaluation.structures import ResolvedStructure, StructureResolver
from hccrt.evaluation.technique import TECHNIQUE_RULE, PlanFacts
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid

REQUIRED_STRUCTURES = ("Liver-GTV", "PTV")


@dataclass(frozen=True)
class ConstraintResult:
    """One constraint evaluated on the plan (JSON contract of ``constraints[]``)."""

    id: str
    structure: str
    metric: str
    comparator: str
    limit: float
    unit: str
    value: float | None
    passed: bool | None
    status: str
    priority: str
    kind: str
    source: str
    source_status: str
    structure_in_plan: tuple[str, ...] = ()
    derivation: str = ""
    conversion: Conversion | None = None
    note: str = ""


@dataclass(frozen=True)
class NtcpEstimate:
    """RILD NTCP on the normal liver with the Child-Pugh-matched parameter set."""

    structure: str
    status: str
    ntcp: float | None = None
    ntcp_percent: float | None = None
    threshold_percent: float | None = None
    above_threshold: bool | None = None
    model: str = "LKB probit"
    parameter_set: str = ""
    parameter_label: str = ""
    parameters_status: str = ""
    geud_gy: float | None = None
    mean_dose_gy: float | None = None
    fractions: int | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class StructureSummary:
    """Volume and dose statistics of a structure used in the evaluation."""

    name: str
    plan_names: tuple[str, ...]
    derivation: str
    volume_cc: float
    uncovered_volume_cc: float
    dmin_gy: float
    dmean_gy: float
    dmax_gy: float


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate_plan`; :meth:`to_json` gives the ``evaluation.json`` contract."""

    verdict: str
    verdict_reasons: tuple[str, ...]
    protocol: Protocol
    protocol_selection: str
    child_pugh_class: str | None
    child_pugh_source: str
    plan: PlanFacts
    constraints: tuple[ConstraintResult, ...]
    ntcp: tuple[NtcpEstimate, ...]
    recommendations: tuple[str, ...]
    structures: tuple[StructureSummary, ...]
    warnings: tuple[str, ...]
    dvhs: dict[str, DoseVolumeHistogram] = field(repr=False, default_factory=dict)
    dose_gy: npt.NDArray[np.floating[Any]] | None = field(repr=False, default=None)
    dose_grid: Grid | None = field(repr=False, default=None)
    plan_structures: tuple[StructureContours, ...] = field(repr=False, default=())
    patient: dict[str, Any] | None = field(repr=False, default=None)
    assessment_text: str = field(repr=False, default="")
    stored_dvh_comparison: tuple[Any, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The ``evaluation.json`` payload (plain JSON types; NaN becomes null on output)."""
        from hccrt.cli.output import to_jsonable

        payload: dict[str, Any] = {
            "verdict": self.verdict,
            "verdict_reasons": list(self.verdict_reasons),
            "protocol": {
                "id": self.protocol.id,
                "version": self.protocol.version,
                "title": self.protocol.title,
                "fractionation": self.protocol.fractionation.description,
                "source": self.protocol.source,
                "selection": self.protocol_selection,
            },
            "child_pugh_class": self.child_pugh_class,
            "child_pugh_source": self.child_pugh_source,
            "plan": self.plan,
            "constraints": self.constraints,
            "ntcp": self.ntcp,
            "recommendations": list(self.recommendations),
            "structures": self.structures,
            "warnings": list(self.warnings),
            "patient": self.patient,
            "stored_dvh_comparison": self.stored_dvh_comparison,
        }
        result: dict[str, Any] = to_jsonable(payload)
        return result


def _child_pugh_applies(constraint: Constraint, child_pugh: str | None) -> bool:
    if constraint.child_pugh is None:
        return True
    return (child_pugh or "unknown") in constraint.child_pugh


def _evaluate_constraint(
    constraint: Constraint,
    resolved: ResolvedStructure | None,
    plan: PlanFacts,
) -> ConstraintResult:
    metric, limit, conversion = convert_constraint(
        constraint, plan.fractions, plan.dose_per_fraction_gy
    )
    from hccrt.dvh.metrics import parse_metric

    def result(
        unit: str, value: float | None, passed: bool | None, status: str, note: str,
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
        return result(parse_metric(metric).result_unit, None, None, "not_evaluated", missing)
    value, unit, warning = metric_value(metric, resolved.dvh, plan.prescription_gy)
    passed = compare(value, constraint.comparator, limit)
    status = "not_evaluated" if passed is None else ("pass" if passed else "fail")
    notes = "; ".join(n for n in (constraint.note, warning) if n)
    shown = value if math.isfinite(value) else None
    return result(unit, shown, passed, status, notes, resolved.plan_names, resolved.how)


def _ntcp(
    protocol: Protocol, resolver: StructureResolver, child_pugh: str | None, fractions: int
) -> NtcpEstimate:
    from hccrt.errors import InputError
    from hccrt.radiobiology import default_ntcp_parameter_set, ntcp_lkb

    settings = protocol.ntcp
    structure = settings.structure
    if child_pugh is None:
        return NtcpEstimate(
            structure, "insufficient_data", source=settings.source,
            note="Child-Pugh class unknown: the NTCP parameter set is chosen by Child-Pugh class; "
            "give a patient record (--patient) or --child-pugh",
        )  # fmt: skip
    try:
        parameters = default_ntcp_parameter_set(child_pugh)
    except InputError as error:
        return NtcpEstimate(structure, "insufficient_data", source=settings.source, note=str(error))
    resolved = resolver.resolve(structure)
    if resolved is None or resolved.dvh.is_empty:
        return NtcpEstimate(
            structure, "not_evaluated", parameter_set=parameters.name, source=settings.source,
            note=f"{structure} not available in the plan",
        )  # fmt: skip
    dvh = resolved.dvh
    centres = 0.5 * (dvh.dose_edges_gy[1:] + dvh.dose_edges_gy[:-1])
    keep = dvh.differential_cc > 0
    result = ntcp_lkb(centres[keep], dvh.differential_cc[keep], parameters, fractions)
    percent = 100.0 * result.ntcp
    return NtcpEstimate(
        structure=structure,
        status="computed",
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
        note="; ".join(str(w) for w in result.warnings),
    )


def evaluate_plan(
    structures: Sequence[StructureContours],
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    plan: PlanFacts,
    *,
    protocol: str | Protocol | None = None,
    child_pugh_class: str | None = None,
    child_pugh_source: str = "",
    patient: dict[str, Any] | None = None,
    assessment_text: str = "",
    settings: DvhSettings | None = None,
    warnings: Sequence[str] = (),
) -> Evaluation:
    """Evaluate a plan dose against a protocol.

    Parameters
    ----------
    structures
        The plan's structures (RTSTRUCT), in the dose's Frame of Reference.
    dose_gy, dose_grid
        Total plan dose (Gy) and its grid (sum several RTDOSE first, see
        :func:`hccrt.dvh.plan.sum_doses`).
    plan
        Prescription, fractions and technique (:func:`hccrt.evaluation.technique.plan_facts`).
    protocol
        Protocol name, file or object; chosen from the number of fractions when ``None``.
    child_pugh_class
        ``"A"``, ``"B"``, ``"C"`` or ``None`` (unknown: the seed's general 22 Gy mean-liver limit
        is used and NTCP is ``insufficient_data``).
    child_pugh_source
        Where the class came from (shown in the report).
    patient, assessment_text
        Patient summary and the clinical assessment text, passed through to the report.
    settings
        DVH settings.
    warnings
        Warnings from reading the inputs, carried into the result.

    Returns
    -------
    Evaluation
    """
    if protocol is None:
        chosen, selection = select_protocol(plan.fractions)
    elif isinstance(protocol, Protocol):
        chosen, selection = protocol, "given as an object"
    else:
        chosen, selection = load_protocol(protocol), f"requested: {protocol}"
    cp = child_pugh_class.strip().upper()[:1] if child_pugh_class else None
    resolver = StructureResolver(structures, dose_gy, dose_grid, settings)
    notes = list(warnings)
    reasons: list[str] = []
    results: list[ConstraintResult] = []
    if cp == "C":
        reasons.append(
            "Child-Pugh C: the seeds give no liver tolerance (seed 000 indications: Child-Pugh A); "
            "insufficient_data for a safe normal-liver limit"
        )
    if cp is None:
        notes.append(
            "Child-Pugh class unknown: the general 22 Gy mean normal-liver limit of seed 000 is "
            "used; give the patient record for the Child-Pugh-specific limit and NTCP"
        )
    for constraint in chosen.constraints:
        if not _child_pugh_applies(constraint, cp):
            continue
        if constraint.structure == "PTV":
            found = resolver.targets("PTV") or resolver.targets("CTV") or resolver.targets("GTV")
            if found and found[0].standard_name.upper()[:3] != "PTV":
                notes.append(
                    f"no PTV in the structure set: target coverage is checked on "
                    f"{', '.join(t.standard_name for t in found)} instead"
                )
            targets: list[ResolvedStructure | None] = list(found) or [None]
            for target in targets:
                results.append(_evaluate_constraint(constraint, target, plan))
            continue
        results.append(
            _evaluate_constraint(constraint, resolver.resolve(constraint.structure), plan)
        )
    for result in results:
        if result.priority != "mandatory":
            continue
        if result.status == "fail":
            reasons.append(
                f"{result.structure} {result.metric} = {result.value:.2f} {result.unit} "
                f"(limit {result.comparator} {result.limit:g})"
            )
        elif result.status == "not_evaluated" and result.structure in REQUIRED_STRUCTURES:
            reasons.append(f"{result.structure} {result.metric} could not be evaluated")
        elif result.status == "not_evaluated":
            notes.append(f"{result.structure} {result.metric}: not evaluated ({result.note})")
    ntcp = _ntcp(chosen, resolver, cp, plan.fractions)
    verdict = "fail" if reasons else "pass"
    failed = any(r.status == "fail" and r.priority == "mandatory" for r in results)
    recommendations = _recommendations(verdict, failed, plan)
    dvhs = {key: value.dvh for key, value in resolver._cache.items() if value is not None}
    summaries = tuple(
        StructureSummary(
            name,
            r.plan_names,
            r.how,
            r.dvh.volume_cc,
            r.dvh.uncovered_volume_cc,
            r.dvh.dmin_gy,
            r.dvh.dmean_gy,
            r.dvh.dmax_gy,
        )
        for name, r in resolver._cache.items()
        if r is not None and not name.startswith("plan:")
    )
    notes.extend(resolver.warnings)
    for dvh in dvhs.values():
        notes.extend(dvh.warnings)
    return Evaluation(
        verdict=verdict,
        verdict_reasons=tuple(reasons),
        protocol=chosen,
        protocol_selection=selection,
        child_pugh_class=cp,
        child_pugh_source=child_pugh_source or ("given" if cp else "unknown"),
        plan=plan,
        constraints=tuple(results),
        ntcp=(ntcp,),
        recommendations=recommendations,
        structures=summaries,
        warnings=tuple(dict.fromkeys(notes)),
        dvhs=dvhs,
        dose_gy=np.asarray(dose_gy),
        dose_grid=dose_grid,
        plan_structures=tuple(structures),
        patient=patient,
        assessment_text=assessment_text,
    )


def _recommendations(verdict: str, failed: bool, plan: PlanFacts) -> tuple[str, ...]:
    if verdict == "pass":
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
