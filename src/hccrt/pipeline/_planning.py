"""The planning stage: plan a case in memory (:func:`plan_in_memory`), then write its files.

:func:`plan_in_memory` takes the CT and structure set already read, builds the targets, turns the
protocol's converted limits (:func:`hccrt.evaluation.converted_limits`) and the seed 000
normal-liver limit into hard constraints, plans (3DCRT first, IMRT when it fails) and evaluates
each plan once as it is made; the result holds the plan records, doses, structures and
evaluations. :func:`write_planned` writes the DICOM files (:mod:`hccrt.pipeline._plan_files`)
and gives the ``plan.json`` payload.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from hccrt.core import Dose, Image, Plan, StructureSet, summarize_plan
from hccrt.dvh import DoseVolumeHistogram, compute_dvh
from hccrt.errors import InputError
from hccrt.evaluation import Evaluation, PlanFacts, converted_limits, evaluate_plan
from hccrt.evaluation.checks import with_imrt_tried
from hccrt.evaluation.inputs import plan_facts
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.mask_contours import occupancy_to_contours
from hccrt.pipeline._payloads import plan_payload
from hccrt.pipeline._plan_files import write_plan_files
from hccrt.planning import Technique, plan_record
from hccrt.planning.auto import auto_plan
from hccrt.planning.beam_block import central_ssd
from hccrt.planning.beams import Beam as PlanningBeam
from hccrt.planning.case import PlanningCase, beams_for, per_beam_angles, prepare_case
from hccrt.planning.collision import DEFAULT_MACHINE, MachineGeometry
from hccrt.planning.hu_density import HuDensityTable
from hccrt.planning.mlc import millennium_like_mlc
from hccrt.planning.objectives import TargetGoal
from hccrt.planning.outcomes import AutoPlanResult, BeamDelivery, TargetDvh
from hccrt.planning.protocol import (
    NORMAL_LIVER,
    constraints_from_protocol,
    default_constraints,
    liver_objectives,
    merge_constraints,
)
from hccrt.planning.vmat import Arc, default_arcs
from hccrt.progress import NO_PROGRESS, ProgressLike

__all__ = [
    "DEFAULT_GANTRY_DEG",
    "FINAL_DOSE_ENGINES",
    "EvaluationContext",
    "PlanRequest",
    "PlannedCase",
    "parse_prescriptions",
    "plan_in_memory",
    "write_planned",
    "written_plan_facts",
]

DEFAULT_GANTRY_DEG = (0.0, 40.0, 80.0, 120.0, 200.0, 260.0, 320.0)
"""Seven coplanar beams (evenly spread, avoiding a direct posterior entry; overridable)."""

FactsMaker = Callable[[str, Plan, npt.NDArray[np.float32]], PlanFacts]

FinalDoseEngine = Literal["collapsed_cone", "pencil_beam"]
FINAL_DOSE_ENGINES: tuple[FinalDoseEngine, ...] = ("collapsed_cone", "pencil_beam")
_FINAL_DOSE_TEXT = {
    "collapsed_cone": "collapsed-cone convolution/superposition (the engine of hccrt dose), dose "
    "to medium; the plan is renormalised on it (the pencil beam is the optimiser's model only)",
    "pencil_beam": "the optimiser's pencil-beam dose (not heterogeneity-correct in lung or gas; "
    "recompute with hccrt dose or plan with --final-dose collapsed-cone before signing)",
}


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: prescription, technique, Child-Pugh class and beam geometry.

    Parameters
    ----------
    prescription_gy, fractions
        Whole-course target prescription (Gy) and number of fractions (1-60).
    technique
        ``auto`` (3DCRT, IMRT if 3DCRT fails), ``3dcrt`` or ``imrt``.
    child_pugh_class
        ``A`` or ``B`` (seed 000 normal-liver limit and the protocol's class-specific limits);
        ``None`` when unknown: the general 22 Gy mean normal-liver limit of seed 000.
    target
        Target ROI name (default: built PTV from the GTV).
    gantry_deg
        Beam angles (IEC 61217, degrees).
    dose_spacing_mm
        In-plane dose-grid spacing (mm).
    normal_liver_mean_gy
        Override of the seed's mean normal-liver limit (Gy).
    prescriptions
        Further targets with their own whole-course prescriptions, ``((ROI, Gy), ...)`` (e.g.
        ``(("PTV_Low", 40.0),)`` beside a 50 Gy primary target): each must be an ROI of the
        structure set, named once, not the primary target, within the dose bands
        (:mod:`hccrt.radiobiology.dose_bands`) and not above ``prescription_gy``.
    liver_ntcp_objective_pct, liver_geud_objective_gy
        IMRT objectives on the normal liver: LKB NTCP(RILD) at most this (%) and gEUD at most
        this (Gy), with the Child-Pugh class's LKB parameters (Tai 2009, the evaluation's
        default) on the dose converted by LQ to the fit's fractionation
        (:func:`hccrt.planning.protocol.liver_objectives`).
    objective_priority
        Weight of those objectives (soft, default 1); ``None`` makes them hard constraints
        (mandatory: the plan is infeasible when they cannot be met).
    couch_deg, collimator_deg
        Couch (patient support) and collimator angles (IEC 61217, degrees): empty for 0, one
        value for all beams or one per gantry angle.
    machine
        Machine description of the gantry-head collision check
        (:class:`hccrt.planning.collision.MachineGeometry`, UNCONFIRMED TrueBeam-like default);
        ``None`` skips the check.
    arcs
        The arcs of ``technique="vmat"`` (:class:`hccrt.planning.vmat.Arc`); empty: the two
        default coplanar full arcs (:func:`hccrt.planning.vmat.default_arcs`).
    final_dose
        ``collapsed_cone`` (default): every finished plan's dose is recomputed with the
        collapsed-cone engine of ``hccrt dose`` (heterogeneity-correct, dose to medium), the plan
        renormalised and judged on it. ``pencil_beam``: the optimiser's beamlet dose is reported
        (faster, not heterogeneity-correct in lung or gas; docs/planning.md).
    """

    prescription_gy: float
    fractions: int
    technique: Technique = "auto"
    child_pugh_class: str | None = "A"
    target: str | None = None
    gantry_deg: tuple[float, ...] = DEFAULT_GANTRY_DEG
    dose_spacing_mm: float = 3.0
    normal_liver_mean_gy: float | None = None
    final_dose: FinalDoseEngine = "collapsed_cone"
    prescriptions: tuple[tuple[str, float], ...] = ()
    liver_ntcp_objective_pct: float | None = None
    liver_geud_objective_gy: float | None = None
    objective_priority: float | None = 1.0
    couch_deg: tuple[float, ...] = ()
    collimator_deg: tuple[float, ...] = ()
    machine: MachineGeometry | None = DEFAULT_MACHINE
    arcs: tuple[Arc, ...] = ()

    def __post_init__(self) -> None:
        if self.final_dose not in FINAL_DOSE_ENGINES:
            raise InputError(
                "final_dose", f"must be one of {', '.join(FINAL_DOSE_ENGINES)}", self.final_dose, ""
            )
        if self.fractions < 1 or self.fractions > 60:
            raise InputError("fractions", "must be 1-60", self.fractions, "e.g. 10 or 25")
        object.__setattr__(self, "gantry_deg", tuple(self.gantry_deg))
        count = len(self.gantry_deg)
        for name, option in (
            ("couch_deg", "--couch-angles"),
            ("collimator_deg", "--collimator-angles"),
        ):
            object.__setattr__(self, name, per_beam_angles(getattr(self, name), count, option))
        object.__setattr__(self, "prescriptions", _checked_prescriptions(self))
        ntcp, priority = self.liver_ntcp_objective_pct, self.objective_priority
        if ntcp is not None and not (np.isfinite(ntcp) and 0 < ntcp < 100):
            raise InputError(
                "--liver-ntcp-objective", "must be a percentage in (0, 100)", ntcp, "e.g. 5 or 10"
            )
        if self.liver_geud_objective_gy is not None:
            from hccrt.radiobiology.dose_bands import TOTAL_DOSE, check_dose_gy

            check_dose_gy("--liver-geud-objective", self.liver_geud_objective_gy, TOTAL_DOSE)
        if priority is not None and not (np.isfinite(priority) and priority > 0):
            raise InputError(
                "--objective-priority", "must be > 0 (None: hard constraints)", priority, "e.g. 1"
            )


@dataclass(frozen=True)
class EvaluationContext:
    """How each plan is evaluated: its plan facts and what the evaluation carries along.

    Parameters
    ----------
    facts
        ``(technique, plan record, dose_gy) -> PlanFacts``.
    child_pugh_source
        Where the Child-Pugh class came from.
    patient, assessment_text
        Patient summary and clinical assessment text for the report.
    warnings
        Warnings from reading the inputs.
    """

    facts: FactsMaker
    child_pugh_source: str
    patient: dict[str, Any] | None = None
    assessment_text: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class PlannedCase:
    """A planned case in memory: every plan made, with its record, dose and evaluation."""

    request: PlanRequest
    result: AutoPlanResult
    case: PlanningCase
    masks: Mapping[str, npt.NDArray[np.bool_]] = field(repr=False)
    structures: StructureSet
    derived: tuple[StructureContours, ...]
    plans: Mapping[str, Plan]
    doses: Mapping[str, Dose]
    evaluations: Mapping[str, Evaluation]
    protocol_id: str

    @property
    def chosen(self) -> str:
        """Technique of the chosen plan (``3DCRT`` or ``IMRT``)."""
        return self.result.chosen.technique

    @property
    def evaluation(self) -> Evaluation:
        """The evaluation of the chosen plan."""
        return self.evaluations[self.chosen]


def _checked_prescriptions(request: PlanRequest) -> tuple[tuple[str, float], ...]:
    """The extra targets' prescriptions, checked (see :class:`PlanRequest`)."""
    from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, TOTAL_DOSE, check_dose_gy

    seen: set[str] = set()
    checked = []
    for roi, dose in request.prescriptions:
        field_name = f"--prescription {roi}"
        gy = check_dose_gy(field_name, dose, TOTAL_DOSE)
        check_dose_gy(f"{field_name} / --fractions", gy / request.fractions, DOSE_PER_FRACTION)
        if roi in seen or roi == request.target:
            raise InputError(
                "--prescription", "names a target twice (each target gets one prescription)",
                roi, "give each ROI once, and not the primary target (--target)",
            )  # fmt: skip
        if gy > request.prescription_gy:
            raise InputError(
                field_name,
                f"above the primary prescription ({request.prescription_gy:g} Gy)",
                gy,
                "give the highest-dose target with --target and --prescription-gy",
            )
        seen.add(roi)
        checked.append((roi, gy))
    return tuple(checked)


def parse_prescriptions(
    entries: Sequence[str], prescription_gy: float | None, target: str | None
) -> tuple[float | None, str | None, tuple[tuple[str, float], ...]]:
    """Read ``ROI=GY`` entries (``--prescription``) beside ``--prescription-gy``/``--target``.

    Without ``prescription_gy`` the highest-dose entry becomes the primary target (its ROI the
    target, its dose the prescription).

    Returns
    -------
    prescription_gy, target, extra
        The primary prescription and target, and the extra ``(ROI, Gy)`` targets.

    Raises
    ------
    InputError
        An entry that is not ``ROI=GY`` with a finite number.
    """
    from hccrt.numbers import check_number

    pairs = []
    for entry in entries:
        roi, sep, dose = entry.partition("=")
        if not sep or not roi.strip() or not dose.strip():
            raise InputError("--prescription", "must be ROI=GY", entry, "e.g. PTV_Low=40")
        name = f"--prescription {roi.strip()}"
        try:
            value = float(dose.strip())
        except ValueError:
            raise InputError(name, "must be a dose in Gy", dose, "e.g. PTV_Low=40") from None
        pairs.append((roi.strip(), check_number(name, value)))
    if prescription_gy is None and pairs:
        primary = max(range(len(pairs)), key=lambda n: pairs[n][1])
        if target is not None and target != pairs[primary][0]:
            raise InputError(
                "--target", "differs from the highest-dose --prescription ROI", target,
                f"drop --target or give --prescription-gy for {target}",
            )  # fmt: skip
        roi, prescription_gy = pairs.pop(primary)
        target = roi
    return prescription_gy, target, tuple(pairs)


def evaluation_technique(technique: str) -> str:
    """The evaluation's technique of a planner technique: a VMAT plan is judged as IMRT (as
    :func:`hccrt.evaluation.technique.technique_from_beams` reads an arc)."""
    return "imrt" if technique.lower() == "vmat" else technique.lower()


def written_plan_facts(technique: str, plan: Plan, dose_gy: npt.NDArray[np.float32]) -> PlanFacts:
    """Plan facts as the written RTPLAN and RTDOSE state them (technique from the beams)."""
    summary = summarize_plan(plan)
    return plan_facts(
        summary,
        plan.fractions,
        plan.prescription_gy,
        ("RTPLAN", "RTPLAN"),
        ("RTDOSE.dcm",),
        float(dose_gy.max()),
    )


def plan_in_memory(
    ct: Image,
    structure_set: StructureSet,
    request: PlanRequest,
    context: EvaluationContext,
    progress: ProgressLike = NO_PROGRESS,
) -> PlannedCase:
    """Plan a case held in memory; nothing is read or written.

    Parameters
    ----------
    ct, structure_set
        Planning CT and its structure set (same Frame of Reference).
    request
        Prescription, technique, Child-Pugh class, beams and dose grid.
    context
        How each plan is evaluated (:class:`EvaluationContext`).
    progress
        Notes and steps (beams, IMRT iterations) of the planner (:mod:`hccrt.progress`); a
        message callback ``progress(message)`` is accepted too.

    Returns
    -------
    PlannedCase
        Every plan with its record, dose (Gy, on the dose grid), evaluation, and the structure
        set with the targets built here.

    Raises
    ------
    InputError
        No Liver ROI, no target, Child-Pugh C, or an infeasible plan.
    """
    extra_names = tuple(roi for roi, _ in request.prescriptions)
    case = prepare_case(
        ct.grid, ct.hu, structure_set.structures, request.target, request.dose_spacing_mm,
        extra_targets=extra_names,
    )  # fmt: skip
    available = set(case.masks)
    if NORMAL_LIVER not in available:
        raise InputError(
            "Liver",
            "no Liver ROI: the seed 000 normal-liver limit cannot be evaluated",
            sorted(available),
            "contour the liver (ROI name 'Liver')",
        )
    seed_constraints = default_constraints(
        request.child_pugh_class, available, request.normal_liver_mean_gy
    )
    derived = _derived_targets(structure_set.structures, case)
    structures = dataclasses.replace(
        structure_set, structures=(*structure_set.structures, *derived)
    )
    protocol, limits = converted_limits(
        structures.structures,
        PlanFacts(request.fractions, request.prescription_gy),
        request.child_pugh_class,
    )
    from_protocol, extra_masks = constraints_from_protocol(
        limits, case.masks, case.dose_grid.voxel_volume_cc, protocol.id
    )
    constraints = merge_constraints(seed_constraints, from_protocol) + liver_objectives(
        request.child_pugh_class, request.fractions, request.liver_ntcp_objective_pct,
        request.liver_geud_objective_gy, request.objective_priority,
    )  # fmt: skip
    masks = {**case.masks, **extra_masks}
    mlc = millennium_like_mlc()
    beams = beams_for(
        case, request.gantry_deg, request.couch_deg, request.collimator_deg, request.machine
    )
    density = HuDensityTable()(ct.hu)
    arc_starts = tuple(
        PlanningBeam(a.start_deg, beams[0].isocenter_mm, a.couch_deg, a.collimator_deg, name=a.name)
        for a in (request.arcs or default_arcs())
        if request.technique == "vmat"
    )
    ssd_mm = {
        b.name: round(central_ssd(density, ct.grid, b, np.asarray(b.isocenter_mm)), 1)
        for b in (*beams, *arc_starts)
    }
    plans: dict[str, Plan] = {}
    doses: dict[str, Dose] = {}
    evaluations: dict[str, Evaluation] = {}

    def record(deliveries: tuple[BeamDelivery, ...]) -> Plan:
        return plan_record(
            tuple(d for d in deliveries if d.segments),
            mlc,
            request.prescription_gy,
            request.fractions,
            ct.grid.frame_of_reference_uid,
            ssd_mm=ssd_mm,
            target_roi=case.target,
        )

    def collapsed_cone(deliveries: tuple[BeamDelivery, ...]) -> npt.NDArray[np.float32]:
        from hccrt.dose.check import plan_dose

        dose, _ = plan_dose(record(deliveries), ct, case.dose_grid)
        return dose.dose_gy

    def assess(
        dose_gy: npt.NDArray[np.float32], technique: str, deliveries: tuple[BeamDelivery, ...]
    ) -> tuple[bool, tuple[str, ...]]:
        plan = record(deliveries)
        dose = Dose(case.dose_grid, dose_gy)
        evaluation = evaluate_plan(
            structures.structures,
            dose.dose_gy,
            case.dose_grid,
            dataclasses.replace(
                _with_engine(context.facts(technique, plan, dose.dose_gy), request.final_dose),
                target_prescriptions_gy=request.prescriptions,
            ),
            child_pugh_class=request.child_pugh_class,
            child_pugh_source=context.child_pugh_source,
            patient=context.patient,
            assessment_text=context.assessment_text,
            warnings=context.warnings,
        )
        plans[technique], doses[technique], evaluations[technique] = plan, dose, evaluation
        return evaluation.verdict == "pass", tuple(evaluation.verdict_reasons)

    goal = TargetGoal(
        case.target,
        request.prescription_gy,
        coverage_pct=95.0,
        source="ICRU 50/62-style coverage: 95 % of the PTV receives the prescription",
    )
    extra_goals = tuple(
        TargetGoal(roi, gy, coverage_pct=95.0, source=f"{goal.source}; its own prescription")
        for roi, gy in request.prescriptions
    )
    contours = {s.name: s for s in structures.structures}

    def dvh_of(name: str) -> TargetDvh:
        def dvh(dose_gy: npt.NDArray[np.float32]) -> DoseVolumeHistogram:
            return compute_dvh(contours[name], dose_gy, case.dose_grid, name=name)

        return dvh

    result = auto_plan(
        ct.hu,
        ct.grid,
        case.dose_grid,
        masks,
        body=case.body,
        goal=goal,
        constraints=constraints,
        beams=beams,
        technique=request.technique,
        mlc=mlc,
        progress=progress,
        assess=assess,
        target_dvh=dvh_of(case.target),
        fractions=request.fractions,
        final_dose=collapsed_cone if request.final_dose == "collapsed_cone" else None,
        extra_goals=extra_goals,
        extra_dvhs={g.structure: dvh_of(g.structure) for g in extra_goals},
        arcs=request.arcs,
    )
    made = [p.technique for p in result.plans]
    imrt_failed = result.infeasibility or (
        "IMRT" in evaluations and evaluations["IMRT"].verdict != "pass"
    )
    if imrt_failed and "3DCRT" in evaluations:  # no "re-plan with IMRT" once IMRT was tried
        outcome = (
            f"infeasible: {result.infeasibility}"
            if result.infeasibility
            else "its plan fails: " + "; ".join(evaluations["IMRT"].verdict_reasons)
        )
        evaluations["3DCRT"] = with_imrt_tried(evaluations["3DCRT"], outcome)
    return PlannedCase(
        request=request,
        result=result,
        case=case,
        masks=masks,
        structures=structures,
        derived=derived,
        plans={t: plans[t] for t in made},
        doses={t: doses[t] for t in made},
        evaluations={t: evaluations[t] for t in made},
        protocol_id=protocol.id,
    )


def _with_engine(facts: PlanFacts, engine: FinalDoseEngine) -> PlanFacts:
    """The plan facts with the dose files labelled by the engine that computed them."""
    label = {
        "collapsed_cone": "collapsed-cone final dose, dose to medium",
        "pencil_beam": "optimiser pencil-beam dose, not for signing",
    }[engine]
    return dataclasses.replace(facts, dose_files=tuple(f"{f} ({label})" for f in facts.dose_files))


def write_planned(
    planned: PlannedCase,
    out_dir: Path,
    ct: Image,
    rtstruct_path: Path,
    seconds_total: float,
) -> dict[str, Any]:
    """Write the DICOM files and ``plan.json`` of a planned case; return the payload.

    Parameters
    ----------
    planned
        The result of :func:`plan_in_memory`.
    out_dir
        Output folder (created if needed).
    ct, rtstruct_path
        The planning CT and the case's RTSTRUCT file (copied with the built targets).
    seconds_total
        Time spent so far (s), reported in ``plan.json``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rtstruct_written, files = write_plan_files(
        planned.plans,
        planned.doses,
        planned.chosen,
        out_dir,
        ct,
        rtstruct_path,
        planned.structures.sop_instance_uid,
        planned.derived,
        next(s.number for s in planned.structures.structures if s.name == planned.case.target),
    )
    request = planned.request
    payload = plan_payload(
        planned.result, planned.case, request.prescription_gy, request.fractions, files
    )
    payload["protocol"] = planned.protocol_id
    payload["final_dose"] = {
        "engine": request.final_dose,
        "description": _FINAL_DOSE_TEXT[request.final_dose],
        "seconds": {
            k: round(v, 2) for k, v in planned.result.timings_s.items() if k.endswith("final_dose")
        },
    }
    payload["rtstruct"] = rtstruct_written
    payload["seconds_total"] = round(seconds_total, 2)
    return payload


def _derived_targets(
    structures: Sequence[StructureContours], case: PlanningCase
) -> tuple[StructureContours, ...]:
    """Contours of the targets built here (e.g. PTV from GTV) that the RTSTRUCT lacks."""
    names = {s.name for s in structures}
    added = []
    number = max((s.number for s in structures), default=0)
    for name in ("CTV", "PTV"):
        if name in case.masks and name not in names:
            number += 1
            added.append(
                occupancy_to_contours(
                    case.masks[name], case.dose_grid, name, number, interpreted_type=name
                )
            )
    return tuple(added)
