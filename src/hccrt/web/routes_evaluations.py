"""Plan evaluation of an upload (form and JSON API) and the evaluation's page and images."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hccrt.clinical.assess import RULESET
from hccrt.errors import InputError
from hccrt.evaluation.protocol import PROTOCOL_NAMES
from hccrt.store import repository
from hccrt.store.files import StoredObject
from hccrt.store.models import Evaluation, Patient, Upload
from hccrt.store.repository import NotFound, Provenance
from hccrt.web.app import render
from hccrt.web.pages import FormData, content_store, page_context, provenance_json, read_owned
from hccrt.web.security import CanEvaluate, CanRead, DbSession, Principal
from hccrt.web.services import evaluate_upload

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


def _run_evaluation(
    request: Request,
    session: Session,
    principal: Principal,
    upload_id: int,
    protocol: str | None,
    fractions: int | None,
    prescription_gy: float | None,
    with_report: bool = True,
) -> Evaluation:
    row = read_owned(session, principal, Upload, upload_id)
    patient = session.get(Patient, row.patient_id)
    if patient is None:
        raise NotFound(f"patient of upload {upload_id} not found")
    stored = [(f.name, StoredObject(f.sha256, f.size_bytes)) for f in row.files]
    requested = {
        "protocol_requested": protocol or "automatic",
        "fractions": fractions,
        "prescription_gy": prescription_gy,
        "report": with_report,
    }
    try:
        output = evaluate_upload(
            content_store(request),
            stored,
            patient.label,
            patient.record,
            protocol=protocol,
            fractions=fractions,
            prescription_gy=prescription_gy,
            with_report=with_report,
        )
    except InputError as error:
        message = str(error)
    except Exception as error:  # a bug in a library stage: recorded, not hidden
        log.exception("plan evaluation failed")
        message = f"internal error in the plan evaluation ({type(error).__name__}: {error})"
    else:
        message = ""
    if message:
        evaluation = repository.save_evaluation(
            session,
            principal.user,
            row,
            {},
            Provenance(RULESET, requested),
            None,
            {},
            error=message,
        )
        session.commit()
        return evaluation
    evaluation = repository.save_evaluation(
        session,
        principal.user,
        row,
        output.result,
        output.provenance,
        output.report.sha256 if output.report else None,
        output.figures,
    )
    session.commit()
    return evaluation


@router.post("/uploads/{upload_id}/evaluate", include_in_schema=False)
def evaluate_form(
    request: Request,
    upload_id: int,
    principal: CanEvaluate,
    form: FormData,
    session: DbSession,
) -> Response:
    """Evaluate the uploaded plan (form) and show the result, or the reason it failed."""
    evaluation = _run_evaluation(
        request,
        session,
        principal,
        upload_id,
        form.get("protocol", "").strip() or None,
        _number(form.get("fractions", ""), int, "fractions"),  # type: ignore[arg-type]
        _number(form.get("prescription_gy", ""), float, "prescription_gy"),
    )
    return RedirectResponse(f"/evaluations/{evaluation.id}", status_code=303)


class EvaluationRequest(BaseModel):
    """Options of a plan evaluation (all optional)."""

    model_config = ConfigDict(extra="forbid")

    protocol: str | None = Field(None, description="Protocol name; default: by fractions.")
    fractions: int | None = Field(None, gt=0, description="Overrides the RTPLAN's fractions.")
    prescription_gy: float | None = Field(None, gt=0, description="Prescription dose, Gy.")
    report: bool = Field(True, description="Write the PDF report and its figures.")


@router.post("/api/uploads/{upload_id}/evaluations", tags=["dicom"], status_code=201)
def evaluate_api(
    request: Request,
    upload_id: int,
    principal: CanEvaluate,
    session: DbSession,
    options: EvaluationRequest | None = None,
) -> JSONResponse:
    """Evaluate an uploaded plan: 201 with the stored evaluation, or 400 with the reason."""
    options = options or EvaluationRequest()
    evaluation = _run_evaluation(
        request,
        session,
        principal,
        upload_id,
        options.protocol,
        options.fractions,
        options.prescription_gy,
        options.report,
    )
    body = {
        "id": evaluation.id,
        "status": evaluation.status,
        "error": evaluation.error,
        "url": f"/evaluations/{evaluation.id}",
        "result": evaluation.result,
    }
    return JSONResponse(body, status_code=201 if evaluation.status == "ok" else 400)


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
