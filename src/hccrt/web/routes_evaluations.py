"""Plan evaluation of an upload: queued (form and JSON API), its progress, page and images."""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.evaluation.protocol import PROTOCOL_NAMES
from hccrt.store.models import Evaluation, EvaluationJob, Patient, Upload
from hccrt.store.repository import NotFound
from hccrt.web.jobs import JobQueue, QueueFull, job_json, queue_position
from hccrt.web.pages import (
    FormData,
    content_store,
    page_context,
    provenance_json,
    read_owned,
    render,
)
from hccrt.web.security import CanEvaluate, CanRead, DbSession, Principal
from hccrt.web.services import final_dose_engine

router = APIRouter()
log = logging.getLogger(__name__)


@router.get("/api/evaluations/{evaluation_id}", tags=["dicom"])
def api_evaluation(
    evaluation_id: int,
    principal: CanRead,
    session: DbSession,
) -> dict[str, Any]:
    """A stored evaluation: ``{id, status, error, result, hccrt_version, ...}``."""
    row = read_owned(session, principal, Evaluation, evaluation_id)
    return {
        "id": row.id,
        "patient_id": row.patient_id,
        "upload_id": row.upload_id,
        "status": row.status,
        "error": row.error,
        "result": row.result,
        **provenance_json(row),
        "report_url": f"/evaluations/{row.id}/report.pdf" if row.report_sha256 else None,
    }


@router.get("/evaluations/{evaluation_id}/artifacts/{name}", include_in_schema=False)
def artifact(
    evaluation_id: int,
    name: str,
    request: Request,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """An image of an evaluation (dose overlays, DVH plot) by its name."""
    row = read_owned(session, principal, Evaluation, evaluation_id)
    sha = row.artifacts.get(name)
    if not isinstance(sha, str):
        raise NotFound(f"evaluation {evaluation_id} has no image {name!r}")
    return Response(content_store(request).read_bytes(sha), media_type="image/png")


def _number(raw: str, kind: type[int] | type[float], field: str) -> int | float | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise InputError(field, f"not a {kind.__name__} number", raw, "correct the value") from None
    if value <= 0:
        raise InputError(field, "must be positive", raw, "correct the value")
    return value


def packaged_protocol(raw: str | None) -> str | None:
    """The protocol name of a web request: one of the packaged protocols, or ``None`` (automatic).

    The web app never reads a protocol from a path (a path would let any user make the server
    read, and echo, any JSON file); protocol files stay a command-line option.

    Raises
    ------
    InputError
        For anything else; the message names the packaged protocols and never the file.
    """
    name = (raw or "").strip()
    if not name or name == "automatic":
        return None
    if name not in PROTOCOL_NAMES:
        raise InputError(
            "protocol",
            "not a packaged protocol (the web app does not read protocol files)",
            name if name.isidentifier() and len(name) <= 64 else "(refused)",
            f"choose one of {', '.join(PROTOCOL_NAMES)}, or leave it empty for automatic",
        )
    return name


def job_queue(request: Request) -> JobQueue:
    """The application's evaluation queue."""
    queue: JobQueue = request.app.state.jobs
    return queue


def _submit(
    request: Request,
    session: Session,
    principal: Principal,
    upload_id: int,
    options: dict[str, Any],
) -> EvaluationJob:
    """Queue an evaluation; the request's session is released before any heavy work."""
    upload = read_owned(session, principal, Upload, upload_id)
    return job_queue(request).submit(session, principal.user, upload, options)


def _busy(request: Request, full: QueueFull) -> Response:
    """429/503 with Retry-After, as JSON for the API and as the error page for forms."""
    headers = {"Retry-After": str(full.retry_after_s)}
    message = f"{full}; retry in {full.retry_after_s} s"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=full.status_code, headers=headers)
    page = render(
        request,
        "error.html",
        {"status": full.status_code, "message": message, "user": None},
        full.status_code,
    )
    page.headers.update(headers)
    return page


@router.post("/uploads/{upload_id}/evaluate", include_in_schema=False)
def evaluate_form(
    request: Request,
    upload_id: int,
    principal: CanEvaluate,
    form: FormData,
    session: DbSession,
) -> Response:
    """Queue an evaluation of the uploaded plan (form) and show its progress page."""
    options = {
        "protocol": packaged_protocol(form.get("protocol")),
        "fractions": _number(form.get("fractions", ""), int, "fractions"),
        "prescription_gy": _number(form.get("prescription_gy", ""), float, "prescription_gy"),
        "report": True,
    }
    try:
        job = _submit(request, session, principal, upload_id, options)
    except QueueFull as full:
        return _busy(request, full)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _required(raw: str, kind: type[int] | type[float], field: str) -> int | float:
    value = _number(raw, kind, field)
    if value is None:
        raise InputError(field, "required to plan", "(empty)", "enter the value")
    return value


@router.post("/uploads/{upload_id}/plan", include_in_schema=False)
def plan_form(
    request: Request,
    upload_id: int,
    principal: CanEvaluate,
    form: FormData,
    session: DbSession,
) -> Response:
    """Queue "plan this case" (3DCRT, IMRT by the seed rule) and show the job's progress page."""
    options = {
        "kind": "plan",
        "protocol": None,
        "fractions": _required(form.get("fractions", ""), int, "fractions"),
        "prescription_gy": _required(form.get("prescription_gy", ""), float, "prescription_gy"),
        "final_dose": final_dose_engine(form.get("final_dose")),
        "report": True,
    }
    try:
        job = _submit(request, session, principal, upload_id, options)
    except QueueFull as full:
        return _busy(request, full)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


class PlanJobRequest(BaseModel):
    """What to plan: prescription, fractions and final-dose engine (technique by the seed rule)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    prescription_gy: float = Field(gt=0, le=100, description="Prescription dose, Gy.")
    fractions: int = Field(gt=0, le=60, description="Number of fractions.")
    final_dose: Literal["collapsed_cone", "pencil_beam"] = Field(
        "collapsed_cone",
        description="Engine of the reported dose: collapsed_cone (dose to medium, the dose to "
        "sign; about a minute) or pencil_beam (the optimiser's dose: fast preview, not for "
        "signing).",
    )


@router.post("/api/uploads/{upload_id}/plans", tags=["dicom"], status_code=202)
def plan_api(
    request: Request,
    upload_id: int,
    body: PlanJobRequest,
    principal: CanEvaluate,
    session: DbSession,
) -> Response:
    """Queue a plan of an uploaded CT + RTSTRUCT: 3DCRT, escalated to IMRT when it fails (seed 000).

    202 with the job (poll its ``url``); when done, ``evaluation_url`` is the evaluation of the
    planned files, stored as a new upload of the patient. 429/503 with ``Retry-After``.
    """
    options = {
        "kind": "plan",
        "protocol": None,
        "fractions": body.fractions,
        "prescription_gy": body.prescription_gy,
        "final_dose": body.final_dose,
        "report": True,
    }
    try:
        job = _submit(request, session, principal, upload_id, options)
    except QueueFull as full:
        return _busy(request, full)
    return JSONResponse(job_json(job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


class EvaluationRequest(BaseModel):
    """Options of a plan evaluation (all optional)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    protocol: str | None = Field(
        None,
        description=f"Packaged protocol name ({', '.join(PROTOCOL_NAMES)}); default: by "
        "fractions. The web app does not read protocol files.",
    )
    fractions: int | None = Field(None, gt=0, description="Overrides the RTPLAN's fractions.")
    prescription_gy: float | None = Field(None, gt=0, description="Prescription dose, Gy.")
    report: bool = Field(True, description="Write the PDF report and its figures.")


@router.post("/api/uploads/{upload_id}/evaluations", tags=["dicom"], status_code=202)
def evaluate_api(
    request: Request,
    upload_id: int,
    principal: CanEvaluate,
    session: DbSession,
    options: EvaluationRequest | None = None,
) -> Response:
    """Queue an evaluation of an uploaded plan.

    202 with the job (poll its ``url``: ``status`` queued, running, done or error, and the
    ``evaluation_url`` when finished); 400 for a protocol that is not packaged; 429 (this
    account's limit) or 503 (server queue full) with ``Retry-After``.
    """
    options = options or EvaluationRequest()
    requested = {
        "protocol": packaged_protocol(options.protocol),
        "fractions": options.fractions,
        "prescription_gy": options.prescription_gy,
        "report": options.report,
    }
    try:
        job = _submit(request, session, principal, upload_id, requested)
    except QueueFull as full:
        return _busy(request, full)
    return JSONResponse(job_json(job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


def _read_job(session: Session, job_id: int) -> EvaluationJob:
    job = session.get(EvaluationJob, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


@router.get("/api/jobs/{job_id}", tags=["dicom"])
def api_job(job_id: int, principal: CanRead, session: DbSession) -> dict[str, Any]:
    """State of an evaluation job: ``{status, step, steps, stage, evaluation_url, error, ...}``."""
    job = _read_job(session, job_id)
    return {**job_json(job), "queued_ahead": queue_position(session, job)}


@router.get("/jobs/{job_id}", response_class=HTMLResponse, include_in_schema=False)
def job_page(request: Request, job_id: int, principal: CanRead, session: DbSession) -> Response:
    """Progress of an evaluation (reloads itself); the evaluation's page once it is stored."""
    job = _read_job(session, job_id)
    if job.evaluation_id is not None:
        return RedirectResponse(f"/evaluations/{job.evaluation_id}", status_code=303)
    context = page_context(principal, job=job_json(job), queued_ahead=queue_position(session, job))
    return render(request, "job.html", context)


@router.get("/evaluations/{evaluation_id}", response_class=HTMLResponse, include_in_schema=False)
def evaluation_page(
    request: Request,
    evaluation_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Verdict, constraints, NTCP, DVH (drawn in the browser), dose overlays, report link."""
    row = read_owned(session, principal, Evaluation, evaluation_id)
    patient = session.get(Patient, row.patient_id)
    curves = {"curves": row.result.get("dvh_curves", [])}
    return render(
        request,
        "evaluation.html",
        page_context(
            principal,
            row=row,
            e=row.result,
            patient=patient,
            dvh_json=json.dumps(curves).replace("<", "\\u003c"),
        ),
    )
