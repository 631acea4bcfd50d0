"""The main job, ``hccrt run``: every stage hccrt has, for what the case folder contains.

Stages run in clinical order: inventory of the folder, clinical assessment (always; a case
without ``patient.json`` is assessed as an empty record, every clinical verdict "insufficient
data", and the run says so in its warnings), planning (when there is CT + RTSTRUCT but no dose),
plan evaluation and the report (when there is a dose). A stage whose inputs are missing is
reported as skipped with the reason, never faked. Results are written to a temporary folder next
to ``OUT_DIR`` and moved into place at the end, so an interrupted run leaves no half-written
results, and an existing ``OUT_DIR`` is replaced only when ``force`` is set.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hccrt import __version__
from hccrt.clinical.patient import PatientRecord, load_patient
from hccrt.dicom.case import CaseInventory, inventory_case
from hccrt.errors import InputError
from hccrt.pipeline._fusion import fusion_stage
from hccrt.pipeline._lipiodol import lipiodol_stage
from hccrt.pipeline.results import (
    CaseImages,
    RunOptions,
    RunResult,
    StageOutcome,
    Workspace,
    summary_text,
)
from hccrt.pipeline.stages import assessment_stage, evaluation_stage, planning_stage
from hccrt.progress import NO_PROGRESS, Progress

STAGE_COUNT = 4
"""Stages of :func:`run_case` as its ``progress`` sees them."""


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


NO_RECORD_WARNING = (
    "the case has no clinical record (patient.json or patient.fhir.json): every clinical stage is "
    "insufficient data; a dose is evaluated, and a case without a dose is planned (with the "
    "assessment's default scheme unless --prescription-gy/--fractions are given), against the "
    "general 22 Gy mean normal-liver limit of seed 000; add patient.json (docs/patient-schema.json"
    ") or a FHIR bundle for the patient's own Child-Pugh limits"
)


def _patient(inventory: CaseInventory) -> PatientRecord:
    """The case's record; an empty one (every fact unknown) when the folder has none."""
    if inventory.patient_record is None:
        return PatientRecord()
    return load_patient(inventory.patient_record)


def _require_usable_images(inventory: CaseInventory) -> None:
    """Refuse DICOM that no stage can use (a case without any DICOM is assessed only)."""
    ct, rtstruct = bool(inventory.ct_files), inventory.rtstruct is not None
    rtdose = bool(inventory.rtdoses)
    if not (ct or rtstruct or rtdose or inventory.rtplan):
        return
    if (ct and rtstruct) or (rtstruct and rtdose):
        return
    found = ", ".join(f"{n} {m}" for m, n in inventory.modalities.items() if n)
    missing = "RTSTRUCT" if ct or rtdose else "CT (to plan) or RTDOSE (to evaluate)"
    raise InputError(
        str(inventory.case_dir),
        f"found {found}: planning needs CT + RTSTRUCT, evaluation RTSTRUCT + RTDOSE",
        fix=f"add the {missing} to the case folder",
    )


def _finish(work: Workspace, result: RunResult, out_dir: Path) -> None:
    from hccrt.serialize import dumps

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
    progress: Progress = NO_PROGRESS,
) -> RunResult:
    """Run every available stage on a case folder and write the results to ``out_dir``.

    Parameters
    ----------
    case_dir
        Folder with any DICOM files and, normally, ``patient.json``.
    out_dir
        Result folder; must not exist (or be empty) unless ``force``.
    force
        Replace an existing ``out_dir`` (only after the new results are complete).
    options
        Planning options (technique, prescription).
    progress
        Told of the four stages (inventory, assessment, planning, evaluation and report) and of
        the planner's beams and IMRT iterations (:mod:`hccrt.progress`).

    Returns
    -------
    RunResult
        What each stage did; also written as ``run.json`` and ``summary.txt``.
    """
    _prepare_out_dir(out_dir, force)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    progress.stage("inventory of the case folder", 1, STAGE_COUNT)
    inventory = inventory_case(case_dir)
    patient = _patient(inventory)
    _require_usable_images(inventory)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Workspace(Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent)))
    try:
        found = ", ".join(f"{n} {m}" for m, n in inventory.modalities.items() if n) or "no DICOM"
        work.write_json("inventory.json", json.dumps(_inventory_json(inventory), indent=2))
        work.stages.append(StageOutcome("inventory", "done", found, ("inventory.json",)))
        work.warnings.extend(inventory.warnings)
        if inventory.patient_record is None:
            work.warnings.append(NO_RECORD_WARNING)
        progress.stage("clinical assessment", 2, STAGE_COUNT)
        review = fusion_stage(inventory, work)
        images = CaseImages(inventory)  # the CT and RTSTRUCT, read once for the stages
        patient = lipiodol_stage(inventory, patient, work, images)
        assessment = assessment_stage(patient, work)
        progress.stage("planning", 3, STAGE_COUNT)
        run_options = options or RunOptions()
        planned = planning_stage(
            inventory, patient, assessment, run_options, work, progress, images
        )
        progress.stage("evaluation and report", 4, STAGE_COUNT)
        evaluation_stage(inventory, planned, work, () if review is None else (review,))
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
