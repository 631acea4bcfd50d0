"""DICOM upload, plan evaluation, report download and de-identified export."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from hccrt.clinical.assess import RULESET
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.audit import record_event
from hccrt.store.files import ContentStore, StoredObject
from hccrt.store.models import Evaluation, Patient, Upload
from hccrt.store.repository import NotFound, Provenance
from hccrt.web.app import render
from hccrt.web.forms import FormData
from hccrt.web.routes_patients import _base
from hccrt.web.security import CanEvaluate, CanExport, CanRead, CanUpload, DbSession, Principal
from hccrt.web.services import check_case, evaluate_upload
from hccrt.web.settings import Settings
from hccrt.web.uploads import IncomingFile, UploadRejected, store_upload

router = APIRouter()
log = logging.getLogger(__name__)


def _files(request: Request) -> ContentStore:
    store: ContentStore = request.app.state.files
    return store


async def upload_form(request: Request) -> AsyncIterator[list[IncomingFile]]:
    """The uploaded files, after the request-size check (before the body is parsed).

    The spooled temporary files are closed once the response is sent.
    """
    settings: Settings = request.app.state.settings
    limits = settings.limits
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise UploadRejected(
            "upload",
            "request without Content-Length",
            length,
            "send the files as a regular form upload",
            411,
        )
    if int(length) > limits.max_request_bytes:
        raise UploadRejected(
            "upload",
            f"larger than {limits.max_request_bytes} bytes",
            int(length),
            "split the upload into several parts",
            413,
        )
    try:
        form = await request.form(max_files=limits.max_files, max_fields=10)
    except StarletteHTTPException as error:  # starlette's multipart limits
        raise UploadRejected(
            "upload", str(error.detail), None, f"upload at most {limits.max_files} files", 413
        ) from None
    try:
        yield [
            IncomingFile(item.filename or "unnamed", item.file)
            for item in form.getlist("files")
            if isinstance(item, StarletteUploadFile)
        ]
    finally:
        await form.close()


@router.get("/patients/{patient_id}/upload", response_class=HTMLResponse, include_in_schema=False)
def upload_page(
    request: Request,
    patient_id: int,
    principal: CanUpload,
    session: DbSession,
) -> Response:
    """The upload form (XHR with a progress bar)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    session.commit()
    limits = request.app.state.settings.limits
    return render(request, "upload.html", _base(principal, patient=patient, limits=limits))


@router.post("/api/patients/{patient_id}/uploads", tags=["dicom"], status_code=201)
@router.post("/patients/{patient_id}/uploads", include_in_schema=False, status_code=201)
def upload(
    request: Request,
    patient_id: int,
    principal: CanUpload,
    incoming: Annotated[list[IncomingFile], Depends(upload_form)],
    session: DbSession,
) -> JSONResponse:
    """Upload DICOM files or a zip (multipart field ``files``).

    Returns ``{upload_id, file_count, total_bytes, modalities, warnings, url}``; 400/411/413 with
    ``detail`` naming the file, the rule and the fix when a check fails (nothing is recorded).
    """
    patient = repository.get_patient(session, principal.user, patient_id)
    session.commit()
    store = _files(request)
    stored = store_upload(store, incoming, request.app.state.settings.limits)
    try:
        summary = check_case(store, stored)
    except InputError as error:  # the DICOM reader's message, with the uploaded file names
        raise UploadRejected(error.field, error.rule, error.value, error.fix) from None
    row = repository.save_upload(session, principal.user, patient, stored)
    session.commit()
    return JSONResponse(
        {
            "upload_id": row.id,
            "file_count": row.file_count,
            "total_bytes": row.total_bytes,
            "modalities": summary["modalities"],
            "warnings": summary["warnings"],
            "url": f"/uploads/{row.id}",
        },
        status_code=201,
    )


def _get_upload(session: Session, principal: Principal, upload_id: int) -> Upload:
    row = session.get(Upload, upload_id)
    if row is None:
        raise NotFound(f"upload {upload_id} not found")
    record_event(session, principal.user, "read", "upload", row.id, row.patient_id)
    session.commit()
    return row


@router.get("/uploads/{upload_id}", response_class=HTMLResponse, include_in_schema=False)
def upload_detail(
    request: Request,
    upload_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Files of an upload, its evaluations and the evaluate button."""
    row = _get_upload(session, principal, upload_id)
    patient = session.get(Patient, row.patient_id)
    evaluations = (
        session.query(Evaluation)
        .filter(Evaluation.upload_id == row.id)
        .order_by(Evaluation.id.desc())
        .all()
    )
    return render(
        request,
        "upload_detail.html",
        _base(principal, upload=row, patient=patient, evaluations=evaluations),
    )


def _get_evaluation(session: Session, principal: Principal, evaluation_id: int) -> Evaluation:
    row = session.get(Evaluation, evaluation_id)
    if row is None:
        raise NotFound(f"evaluation {evaluation_id} not found")
    record_event(session, principal.user, "read", "evaluation", row.id, row.patient_id)
    session.commit()
    return row


@router.get("/api/evaluations/{evaluation_id}", tags=["dicom"])
def api_evaluation(
    evaluation_id: int,
    principal: CanRead,
    session: DbSession,
) -> dict[str, Any]:
    """A stored evaluation: ``{id, status, error, result, hccrt_version, ...}``."""
    row = _get_evaluation(session, principal, evaluation_id)
    return {
        "id": row.id,
        "patient_id": row.patient_id,
        "upload_id": row.upload_id,
        "status": row.status,
        "error": row.error,
        "result": row.result,
        "hccrt_version": row.hccrt_version,
        "ruleset_version": row.ruleset_version,
        "parameters": row.parameters,
        "report_url": f"/evaluations/{row.id}/report.pdf" if row.report_sha256 else None,
    }


@router.get("/evaluations/{evaluation_id}/report.pdf", tags=["dicom"])
def report_pdf(
    evaluation_id: int,
    request: Request,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """The PDF report of an evaluation (audited as an export)."""
    row = _get_evaluation(session, principal, evaluation_id)
    if not row.report_sha256:
        raise NotFound(f"evaluation {evaluation_id} has no report")
    record_event(session, principal.user, "export", "report", row.id, row.patient_id)
    session.commit()
    data = _files(request).read_bytes(row.report_sha256)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="hccrt-evaluation-{row.id}.pdf"'},
    )


@router.get("/evaluations/{evaluation_id}/artifacts/{name}", include_in_schema=False)
def artifact(
    evaluation_id: int,
    name: str,
    request: Request,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """An image of an evaluation (dose overlays, DVH plot) by its name."""
    row = _get_evaluation(session, principal, evaluation_id)
    sha = row.artifacts.get(name)
    if not isinstance(sha, str):
        raise NotFound(f"evaluation {evaluation_id} has no image {name!r}")
    return Response(_files(request).read_bytes(sha), media_type="image/png")


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
    row = _get_upload(session, principal, upload_id)
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
            _files(request),
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
    row = _get_evaluation(session, principal, evaluation_id)
    patient = session.get(Patient, row.patient_id)
    curves = {"curves": row.result.get("dvh_curves", [])}
    return render(
        request,
        "evaluation.html",
        _base(
            principal,
            row=row,
            e=row.result,
            patient=patient,
            dvh_json=json.dumps(curves).replace("<", "\\u003c"),
        ),
    )


@router.get("/uploads/{upload_id}/export.zip", tags=["dicom"])
def export_upload(
    request: Request, upload_id: int, principal: CanExport, session: DbSession
) -> Response:
    """The uploaded DICOM, de-identified (case label as name and ID), as a zip (audited)."""
    from hccrt.dicom.deidentify import deidentify_bytes

    row = _get_upload(session, principal, upload_id)
    patient = session.get(Patient, row.patient_id)
    if patient is None:
        raise NotFound(f"patient of upload {upload_id} not found")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in row.files:
            data = _files(request).read_bytes(item.sha256)
            archive.writestr(f"{item.position:05d}.dcm", deidentify_bytes(data, patient.label))
    record_event(
        session, principal.user, "export", "upload", row.id, row.patient_id, "deidentified"
    )
    session.commit()
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="hccrt-upload-{row.id}.zip"'},
    )
