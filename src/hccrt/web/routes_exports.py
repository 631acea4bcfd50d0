"""Downloads that leave the system: the PDF report and the de-identified DICOM (audited)."""

from __future__ import annotations

import io
import zipfile

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hccrt.store.audit import record_event
from hccrt.store.models import Evaluation, Patient, Upload
from hccrt.store.repository import NotFound
from hccrt.web.pages import content_store, read_owned
from hccrt.web.security import CanExport, CanRead, DbSession

router = APIRouter()


@router.get("/evaluations/{evaluation_id}/report.pdf", tags=["dicom"])
def report_pdf(
    evaluation_id: int,
    request: Request,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """The PDF report of an evaluation (audited as an export)."""
    row = read_owned(session, principal, Evaluation, evaluation_id)
    if not row.report_sha256:
        raise NotFound(f"evaluation {evaluation_id} has no report")
    record_event(session, principal.user, "export", "report", row.id, row.patient_id)
    session.commit()
    data = content_store(request).read_bytes(row.report_sha256)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="hccrt-evaluation-{row.id}.pdf"'},
    )


@router.get("/uploads/{upload_id}/export.zip", tags=["dicom"])
def export_upload(
    request: Request, upload_id: int, principal: CanExport, session: DbSession
) -> Response:
    """The uploaded DICOM, de-identified (case label as name and ID), as a zip (audited)."""
    from hccrt.dicom.deidentify import Deidentifier

    row = read_owned(session, principal, Upload, upload_id)
    patient = session.get(Patient, row.patient_id)
    if patient is None:
        raise NotFound(f"patient of upload {upload_id} not found")
    deidentify = Deidentifier(patient.label)  # one UID mapping for the whole export
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in row.files:
            data = content_store(request).read_bytes(item.sha256)
            archive.writestr(f"{item.position:05d}.dcm", deidentify(data))
    record_event(
        session, principal.user, "export", "upload", row.id, row.patient_id, "deidentified"
    )
    session.commit()
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="hccrt-upload-{row.id}.zip"'},
    )
