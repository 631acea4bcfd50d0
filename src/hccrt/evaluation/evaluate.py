"""Evaluate a plan against an HCC protocol: constraints, target coverage, NTCP and a verdict.

Library entry point for the CLI (``hccrt evaluate``), the pipeline (``hccrt run``) and the
planning module: :func:`evaluate_plan`. The verdict is ``fail`` when a mandatory constraint
fails or cannot be evaluated on a structure the protocol cannot do without (the normal liver,
the PTV); missing optional organs are reported as ``not_evaluated`` with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hccrt.core import Dose
from hccrt.dvh.sampling import DvhSettings
from hccrt.errors import InputError
from hccrt.evaluation.checks import (
    REQUIRED_STRUCTURES,
    advice_facts,
    child_pugh_applies,
    estimate_ntcp,
    evaluate_constraint,
    recommendations,
)
from hccrt.evaluation.protocol import Protocol, load_protocol, select_protocol
from hccrt.evaluation.results import (
    ConstraintResult,
    ConstraintStatus,
    Evaluation,
    NtcpEstimate,
    StructureSummary,
    Verdict,
)
from hccrt.evaluation.structures import ResolvedStructure, StructureResolver
from hccrt.evaluation.technique import PlanFacts
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid

if TYPE_CHECKING:
    from hccrt.evaluation.prior_courses import CumulativeLiverCheck, PriorCourseDose

__all__ = [
    "REQUIRED_STRUCTURES",
    "ConstraintResult",
    "Evaluation",
    "NtcpEstimate",
    "StructureSummary",
    "evaluate_plan",
]


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
    prior_courses: Sequence[PriorCourseDose] = (),
    liver_alpha_beta_gy: float = 8.0,
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
    prior_courses
        Earlier RT courses (:func:`hccrt.evaluation.prior_courses.prior_course_doses`): the
        normal-liver mean limit is then also applied to the cumulative EQD2 (``cumulative_liver``
        in the result; a failure fails the verdict), shown beside the plan alone.
    liver_alpha_beta_gy
        α/β of the normal liver for the cumulative EQD2 (default 8 Gy, Huang 2016).

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
    cp = child_pugh_class.strip().upper() if child_pugh_class else None
    if cp is not None:  # "D" once dropped the normal-liver constraint and passed
        if not re.fullmatch(r"[ABC]\d{0,2}", cp):
            raise InputError("child_pugh_class", "must be A, B or C", child_pugh_class, "")
        cp = cp[0]
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
        if not child_pugh_applies(constraint, cp):
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
                results.append(evaluate_constraint(constraint, target, plan))
            continue
        results.append(
            evaluate_constraint(constraint, resolver.resolve(constraint.structure), plan)
        )
    for result in results:
        if result.priority != "mandatory":
            continue
        if result.status == ConstraintStatus.FAIL:
            reasons.append(
                f"{result.structure} {result.metric} = {result.value:.2f} {result.unit} "
                f"(limit {result.comparator} {result.limit:g})"
            )
        elif (
            result.status == ConstraintStatus.NOT_EVALUATED
            and result.structure in REQUIRED_STRUCTURES
        ):
            reasons.append(f"{result.structure} {result.metric} could not be evaluated")
        elif result.status == ConstraintStatus.NOT_EVALUATED:
            notes.append(f"{result.structure} {result.metric}: not evaluated ({result.note})")
    cumulative = None
    if prior_courses:
        cumulative = _cumulative(
            structures, dose_gy, dose_grid, plan, cp, prior_courses, liver_alpha_beta_gy, settings
        )
        notes.extend(cumulative.notes)
        if cumulative.status == "fail":
            reasons.append(
                f"cumulative normal-liver EQD2 {cumulative.cumulative_mean_eqd2_gy:.2f} Gy over "
                f"this plan and {len(prior_courses)} earlier course(s) (limit < "
                f"{cumulative.limit_gy:g} Gy, {cumulative.limit_id} read as EQD2, UNCONFIRMED)"
            )
    ntcp = estimate_ntcp(chosen, resolver, cp, plan.fractions)
    verdict = Verdict.FAIL if reasons else Verdict.PASS
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
        recommendations=recommendations(
            verdict,
            advice_facts(results, cp, cumulative is not None and cumulative.status == "fail", plan),
        ),
        structures=summaries,
        warnings=tuple(dict.fromkeys(notes)),
        dvhs=dvhs,
        dose=Dose(dose_grid, np.asarray(dose_gy, dtype=np.float32)),
        plan_structures=tuple(structures),
        patient=patient,
        assessment_text=assessment_text,
        cumulative_liver=cumulative,
    )


def _cumulative(
    structures: Sequence[StructureContours],
    dose_gy: npt.ArrayLike,
    dose_grid: Grid,
    plan: PlanFacts,
    cp: str | None,
    prior_courses: Sequence[PriorCourseDose],
    alpha_beta_gy: float,
    settings: DvhSettings | None,
) -> CumulativeLiverCheck:
    """The seed's mean normal-liver limit applied to the cumulative EQD2 (COURSE-CUM-LIMIT)."""
    from hccrt.core import protocol_limit
    from hccrt.evaluation.prior_courses import cumulative_liver_check

    def liver_mean(values: npt.ArrayLike) -> float | None:
        found = StructureResolver(structures, values, dose_grid, settings).resolve("Liver-GTV")
        return None if found is None else float(found.dvh.dmean_gy)

    limit_id = {"A": "liver_mean_cp_a", "B": "liver_mean_cp_b", None: "liver_mean_general"}.get(cp)
    limit = None if limit_id is None else (limit_id, protocol_limit(limit_id).limit)
    return cumulative_liver_check(
        dose_gy, plan.fractions, prior_courses, liver_mean, limit, alpha_beta_gy
    )
