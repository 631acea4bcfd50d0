"""DICOM upload: the upload page, the size-checked multipart upload and the upload's page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from hccrt.errors import InputError
from hccrt.evaluation.protocol import PROTOCOL_NAMES
from hccrt.store import repository
from hccrt.store.files import StoredObject, StoreFull
from hccrt.store.models import Assessment, Evaluation, Patient, Upload
from hccrt.web.jobs import planned_uploads
from hccrt.web.pages import content_store, page_context, read_owned, read_patient, render
from hccrt.web.security import CanRead, CanUpload, DbSession, Principal
from hccrt.web.services import (
    FINAL_DOSE_CHOICES,
    check_case,
    fused_view,
    has_fusion,
    upload_series,
)
from hccrt.web.settings import Settings, UploadLimits
from hccrt.web.uploads import IncomingFile, UploadRejected, store_upload

router = APIRouter()


def _check_quota_and_space(
    request: Request, session: Session, principal: Principal, length: int
) -> None:
    """Refuse before reading the body: the account's quota (413), the disk's space (507)."""
    limits: UploadLimits = request.app.state.settings.limits
    used = session.scalar(
        select(func.coalesce(func.sum(Upload.total_bytes), 0)).where(
            Upload.created_by == principal.user.id
        )
    )
    session.commit()  # end the read transaction before the body arrives
    if int(used or 0) + length > limits.max_user_bytes:
        raise UploadRejected(
            "upload",
            f"over your quota of {limits.max_user_bytes} bytes ({used} used)",
            length,
            "ask an administrator for a larger quota or to remove old uploads",
            413,
        )
    try:
        # The body is spooled once by the form parser and once more into the staging area.
        content_store(request).require_space(2 * length)
    except StoreFull as full:
        raise UploadRejected(full.field, full.rule, full.value, full.fix, 507) from None


async def upload_form(
    request: Request, principal: CanUpload, session: DbSession
) -> AsyncIterator[list[IncomingFile]]:
    """The uploaded files, after the size, quota and free-space checks (before the body is read).

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
    await run_in_threadpool(_check_quota_and_space, request, session, principal, int(length))
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
    patient = read_patient(session, principal, patient_id)
    limits = request.app.state.settings.limits
    return render(request, "upload.html", page_context(principal, patient=patient, limits=limits))


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

    Returns ``{upload_id, file_count, total_bytes, modalities, warnings, url}``; 400/411/413/507
    with ``detail`` naming the file, the rule and the fix when a check fails (nothing is
    recorded, no file kept). 413 also for an account over its quota, 507 for a full disk.
    """
    patient = read_patient(session, principal, patient_id)
    with content_store(request).staging() as staged:
        try:
            stored = store_upload(staged, incoming, request.app.state.settings.limits)
            summary = check_case(staged, stored)
        except StoreFull as full:
            raise UploadRejected(full.field, full.rule, full.value, full.fix, 507) from None
        except UploadRejected:
            raise
        except InputError as error:  # the DICOM reader's message, with the uploaded file names
            raise UploadRejected(error.field, error.rule, error.value, error.fix) from None
        staged.commit()
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


@router.get("/uploads/{upload_id}", response_class=HTMLResponse, include_in_schema=False)
def upload_detail(
    request: Request,
    upload_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Files of an upload, its evaluations and the evaluate button."""
    row = read_owned(session, principal, Upload, upload_id)
    patient = session.get(Patient, row.patient_id)
    evaluations = (
        session.query(Evaluation)
        .filter(Evaluation.upload_id == row.id)
        .order_by(Evaluation.id.desc())
        .all()
    )
    series = upload_series(
        content_store(request), [StoredObject(f.sha256, f.size_bytes) for f in row.files]
    )
    modalities = {s.modality for s in series}
    latest = (
        session.query(Assessment)
        .filter(Assessment.patient_id == row.patient_id)
        .order_by(Assessment.id.desc())
        .first()
    )
    schemes = (latest.result.get("radiotherapy") or {}).get("fractionation") or [] if latest else []
    preferred = next((f for f in schemes if f.get("preferred")), schemes[0] if schemes else None)
    return render(
        request,
        "upload_detail.html",
        page_context(
            principal,
            upload=row,
            patient=patient,
            evaluations=evaluations,
            protocols=PROTOCOL_NAMES,
            series=series,
            can_plan={"CT", "RTSTRUCT"} <= modalities,
            preferred=preferred,
            planned=planned_uploads(session, row.patient_id).get(row.id),
            fusion=has_fusion(series),
            final_dose_choices=FINAL_DOSE_CHOICES,
        ),
    )


@router.get("/uploads/{upload_id}/fused.png", include_in_schema=False)
def fused_png(
    request: Request,
    upload_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """The CT with the registered MR of an upload (checkerboard PNG, for review).

    400 naming what is missing when the upload holds no CT, MR and REG to fuse.
    """
    row = read_owned(session, principal, Upload, upload_id)
    stored = [(f.name, StoredObject(f.sha256, f.size_bytes)) for f in row.files]
    session.commit()  # release the connection before the rendering
    png = fused_view(content_store(request), stored)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
