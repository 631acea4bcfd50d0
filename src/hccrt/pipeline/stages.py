"""The stages of the main job after the inventory: assessment, planning, evaluation.

A stage whose inputs are missing is recorded as skipped with the reason; bad input is recorded as
``failed`` and a bug as ``error``, so the results of the other stages are kept.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hccrt.clinical.assess import Assessment, assess
from hccrt.clinical.patient import PatientRecord
from hccrt.clinical.render import render_assessment_text
from hccrt.dicom.case import CaseInventory
from hccrt.errors import InputError
from hccrt.evaluation import PlanFiles
from hccrt.pipeline.results import CaseImages, RunOptions, StageOutcome, Workspace
from hccrt.progress import NO_PROGRESS, Progress

if TYPE_CHECKING:
    from hccrt.core import Image
    from hccrt.pipeline._planning import PlannedCase


def assessment_stage(patient: PatientRecord, work: Workspace) -> Assessment:
    assessment = assess(patient)
    outputs = (
        work.write_json("assessment.json", assessment.model_dump_json(indent=2, by_alias=True)),
        work.write_json("assessment.txt", render_assessment_text(assessment)),
    )
    work.stages.append(
        StageOutcome("assessment", "done", "scores, staging, options, radiotherapy", outputs)
    )
    return assessment


NO_RECORD_PLANNING = (
    "; no clinical record: clinical stages insufficient data, planned with the general 22 Gy "
    "mean normal-liver limit of seed 000"
)
"""Added to the planning detail of a case without ``patient.json`` or a FHIR bundle."""


def _prescription(assessment: Assessment, options: RunOptions) -> tuple[float, int, str]:
    """Prescription for planning: the options, else the scheme the assessment prefers."""
    if options.prescription_gy is not None and options.fractions is not None:
        return options.prescription_gy, options.fractions, "given on the command line"
    for scheme in assessment.radiotherapy.fractionation:
        if scheme.preferred and scheme.target == "liver_tumour":
            return scheme.total_dose_gy, scheme.fractions, f"preferred scheme {scheme.key}"
    raise InputError(
        "--prescription-gy/--fractions",
        "the assessment prefers no fractionation scheme for this patient",
        None,
        "pass --prescription-gy and --fractions to plan anyway",
    )


@dataclass(frozen=True)
class PlanningOutcome:
    """What the planning stage hands to the evaluation stage: objects, not files."""

    planned: PlannedCase
    ct: Image


def planning_stage(
    inventory: CaseInventory,
    patient: PatientRecord,
    assessment: Assessment,
    options: RunOptions,
    work: Workspace,
    progress: Progress = NO_PROGRESS,
    images: CaseImages | None = None,
) -> PlanningOutcome | None:
    """Plan a case that has CT + RTSTRUCT but no dose; return the plan in memory.

    The CT and RTSTRUCT are read once; every plan is evaluated once as it is made (with the
    patient's record, as the evaluation stage would), and the chosen plan's evaluation is the
    one the evaluation stage reports. RTSTRUCT/RTPLAN/RTDOSE and ``plan.json`` go to ``plan/``.
    """
    missing = [name for name, ok in (("CT", inventory.ct_files), ("RTSTRUCT", inventory.rtstruct))
               if not ok]  # fmt: skip
    reason = ""
    if missing:
        reason = f"needs {' and '.join(missing)}"
    elif inventory.rtdoses:
        reason = "the case already has a dose: it is evaluated instead"
    elif not assessment.radiotherapy.indicated and inventory.patient_record is not None:
        reason = "radiotherapy is not indicated by the clinical assessment"
    rtstruct_path = inventory.rtstruct
    if reason or rtstruct_path is None:
        work.stages.append(StageOutcome("planning", "skipped", reason or "needs RTSTRUCT"))
        return None
    from hccrt.evaluation.inputs import patient_summary
    from hccrt.pipeline._planning import (
        DEFAULT_GANTRY_DEG,
        EvaluationContext,
        PlanRequest,
        plan_in_memory,
        write_planned,
        written_plan_facts,
    )

    chosen: list[PlanningOutcome] = []
    case_images = images or CaseImages(inventory)

    def action() -> tuple[str, tuple[str, ...]]:
        start = time.perf_counter()
        dose_gy, fractions, why = _prescription(assessment, options)
        no_record = inventory.patient_record is None
        if no_record:  # every clinical fact unknown: the general limit, the default scheme
            why += NO_RECORD_PLANNING
        request = PlanRequest(
            dose_gy,
            fractions,
            technique=options.technique,
            child_pugh_class=None if no_record else assessment.liver_function.child_pugh.class_,
            final_dose=options.final_dose,
            gantry_deg=options.gantry_deg or DEFAULT_GANTRY_DEG,
            couch_deg=options.couch_deg,
            collimator_deg=options.collimator_deg,
        )
        ct, structure_set = case_images.ct, case_images.structure_set
        summary, text, child_pugh = patient_summary(patient, assessment)
        context = EvaluationContext(
            written_plan_facts,
            child_pugh_source="clinical assessment of the patient record" if child_pugh else "",
            patient=summary,
            assessment_text=text,
            warnings=structure_set.warnings,
        )
        planned = plan_in_memory(ct, structure_set, request, context, progress)
        plan_dir = work.folder / "plan"
        payload = write_planned(planned, plan_dir, ct, rtstruct_path, time.perf_counter() - start)
        work.write_json("plan/plan.json", json.dumps(payload, indent=2))
        chosen.append(PlanningOutcome(planned, ct))
        detail = (
            f"{dose_gy:g} Gy in {fractions} fractions ({why}); chosen technique "
            f"{payload['chosen_technique']}: {payload['reason']}"
        )
        outputs = tuple(f"plan/{p.name}" for p in sorted(plan_dir.iterdir()) if p.is_file())
        return detail, outputs

    if not _run_stage("planning", work, action):
        return None
    return chosen[0]


def evaluation_stage(
    inventory: CaseInventory,
    planned: PlanningOutcome | None,
    work: Workspace,
    review: Sequence[tuple[Path, str]] = (),
) -> None:
    """Report the planned plan's evaluation, or evaluate the case's dose; write the report
    (with the ``review`` figures, e.g. the fused view of :mod:`hccrt.pipeline._fusion`)."""
    from hccrt.dicom.identity import case_identity
    from hccrt.report import write_report

    identity = case_identity(inventory.ct_files, inventory.rtstruct, inventory.rtplan)

    if planned is not None:
        evaluation = planned.planned.evaluation

        def report_planned() -> tuple[str, tuple[str, ...]]:
            written = write_report(evaluation, work.folder, planned.ct, identity, review)
            outputs = tuple(str(p.relative_to(work.folder)) for p in written.values())
            return f"verdict {evaluation.verdict}", outputs

        _run_stage("evaluation", work, report_planned)
        return
    if inventory.rtstruct is None or not inventory.rtdoses:
        work.stages.append(StageOutcome("evaluation", "skipped", "needs RTSTRUCT + RTDOSE"))
        return
    from hccrt.evaluation import evaluate_files

    files = PlanFiles(
        inventory.rtstruct,
        tuple(inventory.rtdoses),
        inventory.rtplan,
        inventory.ct_files or None,
        inventory.patient_record,
    )

    def action() -> tuple[str, tuple[str, ...]]:
        evaluation, ct = evaluate_files(files)
        written = write_report(evaluation, work.folder, ct, identity, review)
        outputs = tuple(str(p.relative_to(work.folder)) for p in written.values())
        return f"verdict {evaluation.verdict}", outputs

    _run_stage("evaluation", work, action)


def _run_stage(
    name: str, work: Workspace, action: Callable[[], tuple[str, tuple[str, ...]]]
) -> bool:
    """Run a stage; a failure is recorded (and the other stages' results kept), not raised.

    Bad input gives status ``failed``; a bug gives ``error`` (the CLI then exits 1), unless
    ``HCCRT_DEBUG`` is set, which re-raises for the traceback.
    """
    try:
        detail, outputs = action()
    except InputError as error:
        work.stages.append(StageOutcome(name, "failed", str(error)))
        return False
    except Exception as error:
        if os.environ.get("HCCRT_DEBUG"):
            raise
        message = f"internal error: {type(error).__name__}: {error} (a bug in hccrt)"
        work.stages.append(StageOutcome(name, "error", message))
        return False
    work.stages.append(StageOutcome(name, "done", detail, outputs))
    return True
