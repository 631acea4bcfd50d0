"""The library calls behind the web pages: assessment, follow-up, upload checks, evaluation.

The web layer only parses input and calls hccrt's library; these functions turn the library's
typed results into the JSON stored with each result and its provenance.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, cast

from hccrt.clinical.assess import RULESET, assess
from hccrt.clinical.followup import FollowupRecord, followup
from hccrt.clinical.patient import PatientRecord
from hccrt.core.identity import PatientIdentity
from hccrt.dicom.case import CaseInventory, inventory_case
from hccrt.dicom.series import SeriesRow, summarize_series
from hccrt.errors import InputError
from hccrt.evaluation.evaluate import Evaluation
from hccrt.evaluation.inputs import PlanFiles
from hccrt.serialize import to_jsonable
from hccrt.store.files import ContentStore, ObjectSource, StoredObject
from hccrt.store.repository import Provenance

log = logging.getLogger(__name__)

# The report writer uses matplotlib's pyplot, which is not thread-safe. (How many evaluations
# run at once is the job queue's business: hccrt.web.jobs.)
_REPORT_LOCK = threading.Lock()

EVALUATION_STAGES = ("reading the plan", "dose constraints, DVH and NTCP", "writing the report")
"""The steps :func:`evaluate_upload` reports through ``on_stage`` (numbered from 1)."""

PLANNING_STAGES = (
    "reading the CT and structures",
    "planning: 3DCRT, then IMRT if 3DCRT fails (seed 000)",
    "storing the planned RTSTRUCT, RTPLAN and RTDOSE",
)
"""The steps :func:`plan_upload` reports before the evaluation of the plan it made."""


def assessment_of(record: PatientRecord) -> tuple[dict[str, Any], Provenance]:
    """Assess a record; returns the JSON result and its provenance."""
    result: dict[str, Any] = to_jsonable(assess(record))
    return result, Provenance(RULESET, {"function": "hccrt.clinical.assess"})


def record_child_pugh_class(record: dict[str, Any]) -> str:
    """The Child-Pugh class (A, B, C) of a stored record, for planning.

    Raises
    ------
    InputError
        When the record lacks what the score needs (the planner's liver limit depends on it).
    """
    from hccrt.clinical.scores import child_pugh

    pseudonymous = {k: v for k, v in record.items() if k not in ("name",)}
    score = child_pugh(PatientRecord.model_validate(pseudonymous))
    if score.class_ not in ("A", "B", "C"):
        raise InputError(
            "child_pugh",
            "unknown: the normal-liver limit of the plan depends on it",
            f"missing {', '.join(score.missing)}",
            "complete the patient's record (bilirubin, albumin, INR, ascites, encephalopathy)",
        )
    return score.class_


def followup_of(data: dict[str, Any]) -> tuple[FollowupRecord, dict[str, Any], Provenance]:
    """Validate and grade a follow-up record (CTCAE v5, RILD, stop-RT rule)."""
    record = FollowupRecord.model_validate(data)
    result: dict[str, Any] = to_jsonable(followup(record))
    return record, result, Provenance(RULESET, {"function": "hccrt.clinical.followup"})


def materialize(
    store: ObjectSource, files: Sequence[tuple[str, StoredObject]], folder: Path
) -> None:
    """Lay out stored upload files in ``folder`` (one numbered file each, names not trusted)."""
    for position, (_, obj) in enumerate(files):
        store.link_into(obj.sha256, folder / f"{position:05d}.dcm")


def check_case(store: ObjectSource, files: Sequence[tuple[str, StoredObject]]) -> dict[str, Any]:
    """Read the headers of an upload as one case; returns its modality counts and warnings.

    Raises
    ------
    InputError
        Unreadable DICOM, several structure sets or plans, several Frames of Reference, an
        RTSTRUCT referencing a CT series that is not uploaded (the DICOM reader's messages).
    """
    with tempfile.TemporaryDirectory(prefix="check-", dir=store.work_dir()) as tmp:
        folder = Path(tmp)
        materialize(store, files, folder)
        try:
            inventory: CaseInventory = inventory_case(folder)
        except InputError as error:
            raise type(error)(
                _display(error.field, folder, files),
                error.rule,
                _display(str(error.value), folder, files) if error.value is not None else None,
                error.fix,
            ) from None
        return {
            "modalities": inventory.modalities,
            "warnings": [_display(w, folder, files) for w in inventory.warnings],
        }


def upload_series(store: ContentStore, files: Sequence[StoredObject]) -> list[SeriesRow]:
    """The series of an upload, one row each (modality, description, files, Frame of Reference)."""
    return summarize_series(store.path(f.sha256) for f in files)


def _display(text: str, folder: Path, files: Sequence[tuple[str, StoredObject]]) -> str:
    """Replace temporary paths in a reader message by the uploaded file names."""
    for position, (name, _) in enumerate(files):
        text = text.replace(str(folder / f"{position:05d}.dcm"), name)
        text = text.replace(f"{position:05d}.dcm", name)
    return text.replace(str(folder), "upload")


def require_plan_objects(summary: dict[str, Any]) -> None:
    """A plan evaluation needs an RTSTRUCT and at least one RTDOSE."""
    modalities = summary.get("modalities", {})
    if not modalities.get("RTSTRUCT") or not modalities.get("RTDOSE"):
        raise InputError(
            "upload",
            "needs an RTSTRUCT and an RTDOSE for a plan evaluation",
            ", ".join(f"{k}={v}" for k, v in modalities.items()),
            "upload the structure set and the dose of the plan (the CT and RTPLAN are optional)",
        )


def upload_identity(
    plan_files: PlanFiles, folder: Path, files: Sequence[tuple[str, StoredObject]]
) -> PatientIdentity:
    """The patient identity and plan date of an upload, as ``hccrt evaluate`` reads them.

    :func:`hccrt.dicom.identity.case_identity` of the upload's RTPLAN, RTSTRUCT and first CT
    file (laid out in ``folder``); its ``source`` names the uploaded files, not the
    temporary ones. The report prints it in its identity header, like the command line's.
    """
    from hccrt.dicom.identity import case_identity

    identity = case_identity(plan_files.ct, plan_files.rtstruct, plan_files.rtplan)
    return replace(identity, source=_display(identity.source, folder, files))


@dataclass(frozen=True)
class PlanEvaluationOutput:
    """A plan evaluation ready to store: JSON result, provenance, report and figure objects."""

    result: dict[str, Any]
    provenance: Provenance
    report: StoredObject | None
    figures: dict[str, str]


def dvh_curves(evaluation: Evaluation, points: int = 200) -> list[dict[str, Any]]:
    """Cumulative DVH curves for the browser: ``[{name, color, volume_cc, dose_gy, volume_pct}]``.

    ``color`` (``#rrggbb``) is the structure's colour in the PDF report of the same evaluation
    (:func:`hccrt.report.colours.evaluation_colours`, with the names the report's DVH shows),
    so the web DVH and the report draw a structure in one colour.
    """
    from hccrt.dvh.names import is_target
    from hccrt.report.colours import evaluation_colours

    # The names of the report's DVH plot (hccrt.report.writer): protocol structures and the
    # plan's targets. The colour choice depends on the set of names, so it is the same set.
    report_names = [k for k in evaluation.dvhs if not k.startswith("plan:")]
    report_names += [k[5:] for k in evaluation.dvhs if k.startswith("plan:") and is_target(k[5:])]
    colours = evaluation_colours(evaluation, dict.fromkeys(report_names))
    curves = []
    shown: set[str] = set()
    # Protocol structures first; a plan ROI of the same name ("plan:NAME") is the same curve.
    for key, dvh in sorted(evaluation.dvhs.items(), key=lambda item: item[0].startswith("plan:")):
        name = key.removeprefix("plan:")
        if dvh.volume_cc <= 0 or dvh.is_empty or name in shown:
            continue
        shown.add(name)
        dose, volume = dvh.curve(points)
        curves.append(
            {
                "name": name,
                "color": colours.get(name) or evaluation_colours(evaluation, [name])[name],
                "volume_cc": round(float(dvh.volume_cc), 3),
                "dose_gy": [round(float(d), 4) for d in dose],
                "volume_pct": [round(float(100.0 * v / dvh.volume_cc), 4) for v in volume],
            }
        )
    return curves


def evaluate_upload(
    store: ContentStore,
    files: Sequence[tuple[str, StoredObject]],
    case_label: str,
    record: dict[str, Any],
    *,
    protocol: str | None = None,
    fractions: int | None = None,
    prescription_gy: float | None = None,
    with_report: bool = True,
    on_stage: Callable[[int, str], None] | None = None,
) -> PlanEvaluationOutput:
    """Evaluate an uploaded plan with the patient's record and write the report.

    With ``with_report=False`` the PDF report and its figures are skipped (a quick check: the
    constraints, NTCP and DVH curves are the same).

    The patient record goes to the evaluation under the case label (name and identifier left
    out), so the report shows the pseudonym only. ``on_stage(step, name)`` is called as each
    of :data:`EVALUATION_STAGES` starts (progress for the job page).

    Raises
    ------
    InputError
        What the plan evaluation refuses (no RTSTRUCT/RTDOSE, unknown fractions, relative dose
        without reference, mismatched Frames of Reference, unknown protocol).
    """
    from hccrt.evaluation import evaluate_files, files_from_case
    from hccrt.report import write_report

    def stage(step: int) -> None:
        if on_stage is not None:
            on_stage(step, EVALUATION_STAGES[step - 1])

    with tempfile.TemporaryDirectory(prefix="eval-", dir=store.work_dir()) as tmp:
        stage(1)
        case = Path(tmp) / "case"
        materialize(store, files, case)
        pseudonymous = {k: v for k, v in record.items() if k not in ("name", "patient_id")}
        (case / "patient.json").write_text(
            json.dumps({**pseudonymous, "patient_id": case_label}), encoding="utf-8"
        )
        try:
            stage(2)
            plan_files = files_from_case(case)
            evaluation, ct = evaluate_files(
                plan_files,
                protocol=protocol,
                fractions=fractions,
                prescription_gy=prescription_gy,
            )
        except InputError as error:
            raise type(error)(
                _display(error.field, case, files),
                error.rule,
                _display(str(error.value), case, files) if error.value is not None else None,
                error.fix,
            ) from None
        report: StoredObject | None = None
        figures: dict[str, str] = {}
        report_error = None
        try:
            if with_report:
                stage(3)
                identity = upload_identity(plan_files, case, files)
                with _REPORT_LOCK:
                    paths = write_report(evaluation, Path(tmp) / "report", ct, identity)
        except Exception as error:  # keep the evaluation even when the report fails
            log.exception("report writer failed")
            report_error = f"the PDF report could not be written ({type(error).__name__}: {error})"
        if with_report and report_error is None:
            report = store.put_bytes(paths["report_pdf"].read_bytes())
            figures = {
                key.removeprefix("figure_"): store.put_bytes(path.read_bytes()).sha256
                for key, path in paths.items()
                if key.startswith("figure_") and path.suffix == ".png"
            }
    result = evaluation.to_json()
    if report_error:
        result["report_error"] = report_error
    result["dvh_curves"] = dvh_curves(evaluation)
    provenance = Provenance(
        f"{evaluation.protocol.id} {evaluation.protocol.version}; {RULESET}",
        {
            "protocol_requested": protocol or "automatic",
            "protocol_selection": evaluation.protocol_selection,
            "fractions": evaluation.plan.fractions,
            "prescription_gy": evaluation.plan.prescription_gy,
            "child_pugh_class": evaluation.child_pugh_class,
            "ntcp_parameter_sets": [n.parameter_set for n in evaluation.ntcp],
            "report": with_report,
        },
    )
    return PlanEvaluationOutput(result, provenance, report, figures)


@dataclass(frozen=True)
class PlanningOutput:
    """A case planned by :func:`plan_upload`: the files of the planned case and the summary.

    Attributes
    ----------
    files
        ``(name, object)`` of the CT, the RTSTRUCT with the built targets, RTPLAN and RTDOSE
        (in the store; a new upload of the patient).
    summary
        Chosen technique, the reason (e.g. why IMRT after 3DCRT), prescription and fractions.
    """

    files: list[tuple[str, StoredObject]]
    summary: dict[str, Any]


def plan_upload(
    store: ContentStore,
    files: Sequence[tuple[str, StoredObject]],
    *,
    prescription_gy: float,
    fractions: int,
    child_pugh_class: str,
    final_dose: str = "collapsed_cone",
    on_stage: Callable[[int, str], None] | None = None,
) -> PlanningOutput:
    """Plan an uploaded CT + RTSTRUCT with the library's planner (3DCRT, IMRT by the seed rule).

    The planning stage of the main job (:func:`hccrt.pipeline.plan_in_memory`, technique
    ``auto``: 3DCRT first, IMRT when 3DCRT fails the hard constraints, seed 000) with the
    protocol limits converted to ``fractions`` and the Child-Pugh class of the patient's
    record. ``final_dose`` is the engine of the reported dose (:data:`FINAL_DOSE_CHOICES`):
    ``collapsed_cone`` (default, the dose to sign) or ``pencil_beam`` (the optimiser's dose, a
    fast preview). The planned files go into the store; the caller records them as an upload
    and evaluates it like any uploaded plan.

    Raises
    ------
    InputError
        No CT or RTSTRUCT, no Liver or target ROI, Child-Pugh C, an infeasible plan.
    """
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.evaluation import PlanFacts
    from hccrt.pipeline import EvaluationContext, PlanRequest, plan_in_memory
    from hccrt.pipeline._planning import write_planned

    def stage(step: int, detail: str = "") -> None:
        if on_stage is not None:
            name = PLANNING_STAGES[step - 1]
            on_stage(step, f"{name}: {detail}" if detail else name)

    request = PlanRequest(
        prescription_gy,
        fractions,
        "auto",
        child_pugh_class,
        final_dose=final_dose_engine(final_dose),
    )

    def facts(technique: str, _plan: Any, _dose: Any) -> PlanFacts:
        return PlanFacts(
            fractions,
            prescription_gy,
            technique.lower(),
            technique_source="hccrt web: plan this case",
            prescription_source="hccrt web: plan this case (prescription)",
            fractions_source="hccrt web: plan this case (fractions)",
            label=technique,
        )

    context = EvaluationContext(facts, child_pugh_source="the patient's record (web)")
    with tempfile.TemporaryDirectory(prefix="plan-", dir=store.work_dir()) as tmp:
        stage(1)
        case = Path(tmp) / "case"
        materialize(store, files, case)
        try:
            inventory = inventory_case(case)
            if not inventory.ct_files or inventory.rtstruct is None:
                raise InputError(
                    "upload",
                    "needs a CT series and an RTSTRUCT to plan",
                    ", ".join(f"{k}={v}" for k, v in inventory.modalities.items()),
                    "upload the planning CT and its structure set (with Liver and GTV)",
                )
            ct = read_ct_series(list(inventory.ct_files))
            structure_set = read_rtstruct(inventory.rtstruct)
            stage(2)
            planned = plan_in_memory(
                ct, structure_set, request, context, lambda message: stage(2, message)
            )
        except InputError as error:
            raise type(error)(
                _display(error.field, case, files),
                error.rule,
                _display(str(error.value), case, files) if error.value is not None else None,
                error.fix,
            ) from None
        stage(3)
        out = Path(tmp) / "plan"
        payload = write_planned(planned, out, ct, inventory.rtstruct, 0.0)
        rtstruct = out / "RTSTRUCT.dcm" if (out / "RTSTRUCT.dcm").is_file() else inventory.rtstruct
        names = {
            **{path: f"CT/{path.name}" for path in inventory.ct_files},
            rtstruct: "RTSTRUCT.dcm",
            out / "RTPLAN.dcm": "RTPLAN.dcm",
            out / "RTDOSE.dcm": "RTDOSE.dcm",
        }
        stored = [(name, store.put_bytes(path.read_bytes())) for path, name in names.items()]
    summary = {
        "chosen_technique": payload.get("chosen_technique"),
        "reason": payload.get("reason"),
        "infeasibility": payload.get("infeasibility"),
        "prescription_gy": prescription_gy,
        "fractions": fractions,
        "child_pugh_class": child_pugh_class,
        "protocol": payload.get("protocol"),
        "final_dose": payload.get("final_dose"),
    }
    return PlanningOutput(stored, summary)


FinalDose = Literal["collapsed_cone", "pencil_beam"]

FINAL_DOSE_CHOICES: dict[FinalDose, str] = {
    "collapsed_cone": "collapsed cone (dose to medium, the dose to sign)",
    "pencil_beam": "pencil beam (fast preview, not for signing)",
}
"""The final-dose engines a web plan offers (:class:`hccrt.pipeline.PlanRequest`), in words."""


def final_dose_engine(raw: str | None) -> FinalDose:
    """The final-dose engine of a plan request; empty means ``collapsed_cone`` (the default).

    Raises
    ------
    InputError
        For a name that is not in :data:`FINAL_DOSE_CHOICES`.
    """
    name = (raw or "").strip() or "collapsed_cone"
    if name not in FINAL_DOSE_CHOICES:
        raise InputError(
            "final_dose",
            "not a final-dose engine",
            name if name.isidentifier() and len(name) <= 64 else "(refused)",
            f"choose one of {', '.join(FINAL_DOSE_CHOICES)} (collapsed_cone to sign)",
        )
    return name


def planned_by_hccrt(options: dict[str, Any], job_id: int, source_upload_id: int) -> dict[str, Any]:
    """What "Plan this case" made, in words, from a finished plan job's options.

    Returns
    -------
    dict
        ``{job_id, source_upload_id, chosen_technique, prescription_gy, fractions,
        final_dose, for_signing, text}``: ``final_dose`` is the engine of the plan's
        ``final_dose`` entry (``collapsed_cone`` or ``pencil_beam``); ``for_signing`` is false
        for the pencil-beam preview; ``text`` is the sentence the pages show.
    """
    summary = options.get("planning") or {}
    entry = summary.get("final_dose") or {}
    engine = str(entry.get("engine") or options.get("final_dose") or "collapsed_cone")
    technique = summary.get("chosen_technique") or "no technique (infeasible)"
    rx = summary.get("prescription_gy", options.get("prescription_gy"))
    fractions = summary.get("fractions", options.get("fractions"))
    engine_words = FINAL_DOSE_CHOICES.get(cast(FinalDose, engine), engine)
    text = (
        f"Planned by hccrt from upload {source_upload_id}: {technique}, "
        f"{'?' if rx is None else f'{float(rx):g}'} Gy in {fractions} fractions; "
        f"final dose: {engine_words}"
    )
    return {
        "job_id": job_id,
        "source_upload_id": source_upload_id,
        "chosen_technique": summary.get("chosen_technique"),
        "prescription_gy": rx,
        "fractions": fractions,
        "final_dose": engine,
        "for_signing": engine == "collapsed_cone",
        "text": text,
    }


def has_fusion(series: Sequence[SeriesRow]) -> bool:
    """Whether an upload's series include a CT, an MR and a registration (REG) to fuse them."""
    modalities = {row.modality for row in series}
    return {"CT", "MR", "REG"} <= modalities


_FUSED_CACHE: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
_FUSED_CACHE_SIZE = 8
"""The last fused views rendered, by the SHA-256 of the upload's files (a page view each)."""


def fused_view(store: ObjectSource, files: Sequence[tuple[str, StoredObject]]) -> bytes:
    """The fused view of an upload (:func:`render_fused_view`), kept for the last 8 uploads."""
    key = tuple(obj.sha256 for _, obj in files)
    with _REPORT_LOCK:
        if key in _FUSED_CACHE:
            _FUSED_CACHE.move_to_end(key)
            return _FUSED_CACHE[key]
    png = render_fused_view(store, files)
    with _REPORT_LOCK:
        _FUSED_CACHE[key] = png
        while len(_FUSED_CACHE) > _FUSED_CACHE_SIZE:
            _FUSED_CACHE.popitem(last=False)
    return png


def render_fused_view(store: ObjectSource, files: Sequence[tuple[str, StoredObject]]) -> bytes:
    """PNG of the planning CT with the registered MR of an upload (checkerboard, for review).

    The upload's REG (the first one whose moving series is uploaded) maps the MR onto the CT;
    :func:`hccrt.registration.display.fused_view_png` draws the axial and coronal planes through
    the target (the first non-empty GTV/ITV/CTV/PTV of the CT's RTSTRUCT, its contours drawn),
    else through the middle of the MR mapped onto the CT.

    Raises
    ------
    InputError
        No CT, no REG, no uploaded series that a REG registers, unreadable series (the readers'
        messages, with the uploaded file names).
    """
    from hccrt.registration.display import case_fused_view

    with tempfile.TemporaryDirectory(prefix="fuse-", dir=store.work_dir()) as tmp:
        case = Path(tmp) / "case"
        materialize(store, files, case)
        try:
            with _REPORT_LOCK:
                return case_fused_view(inventory_case(case)).png
        except InputError as error:
            raise type(error)(
                _display(error.field, case, files),
                error.rule,
                _display(str(error.value), case, files) if error.value is not None else None,
                error.fix,
            ) from None
