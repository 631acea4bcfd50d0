"""The main job, ``hccrt run``: every stage hccrt has, for what the case folder contains.

Stages run in clinical order: inventory of the folder, clinical assessment (always: the case must
have a ``patient.json``), planning (when there is CT + RTSTRUCT but no dose), plan evaluation and
the report (when there is a dose). A stage whose inputs are missing is reported as skipped with
the reason, never faked. Results are written to a temporary folder next to ``OUT_DIR`` and moved
into place at the end, so an interrupted run leaves no half-written results, and an existing
``OUT_DIR`` is replaced only when ``force`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from hccrt import __version__
from hccrt.clinical.assess import Assessment, assess
from hccrt.clinical.patient import PatientRecord, load_patient
from hccrt.clinical.render import render_assessment_text
from hccrt.dicom.case import CaseInventory, inventory_case
from hccrt.errors import InputError
from hccrt.evaluation import PlanFiles

StageStatus = Literal["done", "skipped", "failed", "error"]
Technique = Literal["auto", "3dcrt", "imrt"]


@dataclass(frozen=True)
class StageOutcome:
    """What one stage of the main job did."""

    name: str
    status: StageStatus
    detail: str
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunOptions:
    """Options of the main job that reach the planning stage.

    ``prescription_gy``/``fractions`` ``None`` means: take the first fractionation scheme the
    clinical assessment recommends.
    """

    technique: Technique = "auto"
    prescription_gy: float | None = None
    fractions: int | None = None


@dataclass(frozen=True)
class RunResult:
    """Summary of a run, also written as ``run.json``."""

    case_dir: str
    out_dir: str
    hccrt_version: str
    started_utc: str
    stages: tuple[StageOutcome, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> tuple[StageOutcome, ...]:
        """Stages that could not run because of their inputs."""
        return tuple(stage for stage in self.stages if stage.status == "failed")

    @property
    def errors(self) -> tuple[StageOutcome, ...]:
        """Stages that stopped on an internal error (a bug)."""
        return tuple(stage for stage in self.stages if stage.status == "error")


@dataclass
class _Workspace:
    """Mutable collector used only inside :func:`run_case` while stages run."""

    folder: Path
    stages: list[StageOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def write_json(self, name: str, text: str) -> str:
        (self.folder / name).write_text(text, encoding="utf-8")
        return name


def _prepare_out_dir(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("--out", "exists and is not a folder", str(out_dir), "choose a new path")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise InputError(
            "--out",
            "folder exists and is not empty; hccrt run never overwrites results",
            str(out_dir),
            "choose a new folder or pass --force to replace it",
        )


def _require_patient(inventory: CaseInventory) -> PatientRecord:
    if inventory.patient_record is None:
        raise InputError(
            str(inventory.case_dir / "patient.json"),
            "the case folder has no patient.json (the clinical record every stage needs)",
            fix="write one (schema: docs/patient-schema.json; examples/patients/) or create a "
            "sample case with `hccrt phantom --out DIR`",
        )
    return load_patient(inventory.patient_record)


def _assessment_stage(patient: PatientRecord, work: _Workspace) -> Assessment:
    assessment = assess(patient)
    outputs = (
        work.write_json("assessment.json", assessment.model_dump_json(indent=2, by_alias=True)),
        work.write_json("assessment.txt", render_assessment_text(assessment)),
    )
    work.stages.append(
        StageOutcome("assessment", "done", "scores, staging, options, radiotherapy", outputs)
    )
    return assessment


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


def _planning_stage(
    inventory: CaseInventory, assessment: Assessment, options: RunOptions, work: _Workspace
) -> PlanFiles | None:
    """Plan a case that has CT + RTSTRUCT but no dose; return the chosen plan's files."""
    missing = [name for name, ok in (("CT", inventory.ct_files), ("RTSTRUCT", inventory.rtstruct))
               if not ok]  # fmt: skip
    reason = ""
    if missing:
        reason = f"needs {' and '.join(missing)}"
    elif inventory.rtdoses:
        reason = "the case already has a dose: it is evaluated instead"
    elif not assessment.radiotherapy.indicated:
        reason = "radiotherapy is not indicated by the clinical assessment"
    if reason:
        work.stages.append(StageOutcome("planning", "skipped", reason))
        return None
    from hccrt.planning.workflow import plan_case_dir

    chosen: list[PlanFiles] = []

    def action() -> tuple[str, tuple[str, ...]]:
        dose_gy, fractions, why = _prescription(assessment, options)
        plan_dir = work.folder / "plan"
        payload = plan_case_dir(
            inventory.case_dir,
            plan_dir,
            dose_gy,
            fractions,
            technique=options.technique,
            child_pugh_class=assessment.liver_function.child_pugh.class_,
        )
        # The planner writes the structure set its plans reference (with the CTV/PTV it built).
        chosen.append(
            PlanFiles(
                plan_dir / "RTSTRUCT.dcm", (plan_dir / "RTDOSE.dcm",), plan_dir / "RTPLAN.dcm"
            )
        )
        detail = (
            f"{dose_gy:g} Gy in {fractions} fractions ({why}); chosen technique "
            f"{payload['chosen_technique']}: {payload['reason']}"
        )
        outputs = tuple(f"plan/{p.name}" for p in sorted(plan_dir.iterdir()) if p.is_file())
        return detail, outputs

    if not _run_stage("planning", work, action):
        return None
    return chosen[0]


def _evaluation_stage(
    inventory: CaseInventory, planned: PlanFiles | None, work: _Workspace
) -> None:
    """Evaluate the case's dose (or the planned one) and write the report."""
    plan = planned
    if plan is None and inventory.rtstruct is not None and inventory.rtdoses:
        plan = PlanFiles(inventory.rtstruct, inventory.rtdoses, inventory.rtplan)
    if plan is None:
        work.stages.append(StageOutcome("evaluation", "skipped", "needs RTSTRUCT + RTDOSE"))
        return
    from hccrt.evaluation import evaluate_files
    from hccrt.report import write_report

    files = replace(plan, ct=inventory.ct_files or None, patient=inventory.patient_record)

    def action() -> tuple[str, tuple[str, ...]]:
        evaluation, ct = evaluate_files(files)
        written = write_report(evaluation, work.folder, ct)
        outputs = tuple(str(p.relative_to(work.folder)) for p in written.values())
        return f"verdict {evaluation.verdict}", outputs

    _run_stage("evaluation", work, action)


def _run_stage(
    name: str, work: _Workspace, action: Callable[[], tuple[str, tuple[str, ...]]]
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


def summary_text(result: RunResult) -> str:
    lines = [
        f"hccrt {result.hccrt_version} — main job on {result.case_dir}",
        f"started {result.started_utc}",
        "",
    ]
    for stage in result.stages:
        outputs = f" -> {', '.join(stage.outputs)}" if stage.outputs else ""
        lines.append(f"[{stage.status:>7}] {stage.name}: {stage.detail}{outputs}")
    if result.warnings:
        lines += ["", "Warnings:", *(f"- {w}" for w in result.warnings)]
    return "\n".join(lines) + "\n"


def _finish(work: _Workspace, result: RunResult, out_dir: Path) -> None:
    from hccrt.cli.output import dumps  # JSON conventions shared with the CLI

    work.write_json("run.json", dumps(result))
    work.write_json("summary.txt", summary_text(result))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    work.folder.rename(out_dir)


def run_case(
    case_dir: Path,
    out_dir: Path,
    *,
    force: bool = False,
    options: RunOptions | None = None,
) -> RunResult:
    """Run every available stage on a case folder and write the results to ``out_dir``.

    Parameters
    ----------
    case_dir
        Folder with ``patient.json`` and any DICOM files.
    out_dir
        Result folder; must not exist (or be empty) unless ``force``.
    force
        Replace an existing ``out_dir`` (only after the new results are complete).
    options
        Planning options (technique, prescription).

    Returns
    -------
    RunResult
        What each stage did; also written as ``run.json`` and ``summary.txt``.
    """
    _prepare_out_dir(out_dir, force)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    inventory = inventory_case(case_dir)
    patient = _require_patient(inventory)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = _Workspace(Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent)))
    try:
        found = ", ".join(f"{n} {m}" for m, n in inventory.modalities.items() if n) or "no DICOM"
        work.write_json("inventory.json", json.dumps(_inventory_json(inventory), indent=2))
        work.stages.append(StageOutcome("inventory", "done", found, ("inventory.json",)))
        work.warnings.extend(inventory.warnings)
        assessment = _assessment_stage(patient, work)
        planned = _planning_stage(inventory, assessment, options or RunOptions(), work)
        _evaluation_stage(inventory, planned, work)
        result = RunResult(
            case_dir=str(case_dir),
            out_dir=str(out_dir),
            hccrt_version=__version__,
            started_utc=started,
            stages=tuple(work.stages),
            warnings=tuple(work.warnings),
        )
        _finish(work, result, out_dir)
    finally:
        if work.folder.exists():
            shutil.rmtree(work.folder)
    return result


def _inventory_json(inventory: CaseInventory) -> dict[str, object]:
    root = inventory.case_dir

    def rel(path: Path | None) -> str | None:
        return None if path is None else str(path.relative_to(root))

    return {
        "case_dir": str(root),
        "patient_record": rel(inventory.patient_record),
        "frame_of_reference_uid": inventory.frame_of_reference_uid,
        "ct_series_uid": inventory.ct_series_uid,
        "ct_files": len(inventory.ct_files),
        "rtstruct": rel(inventory.rtstruct),
        "rtdoses": [rel(p) for p in inventory.rtdoses],
        "rtplan": rel(inventory.rtplan),
        "warnings": list(inventory.warnings),
    }
