"""Tumour-board decisions: the signed decisions of a patient, the form to sign one, and the API.

Signing needs the password typed on the form itself (or ``"password"`` in the API body);
:func:`hccrt.store.board_decisions.sign_decision` checks it, audits and stores the decision,
which is then immutable. The routes only parse the form and call the store.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hccrt.clinical.board import BoardSummary, board_summary
from hccrt.clinical.patient import PatientRecord
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.audit import record_event
from hccrt.store.board_decisions import decisions_of, last_decision, sign_decision
from hccrt.store.courses import latest_course
from hccrt.store.models import CourseVersion, Patient
from hccrt.web.pages import FormData, commit_and_show, page_context, render
from hccrt.web.security import CanEditPatient, CanRead, DbSession, Principal

router = APIRouter()

FIELDS = ("board_date", "decision", "rationale", "decided_by", "dissent", "course_version")


def decision_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The decision JSON from the form: members one per line, dissent as ``Name: reason`` lines.

    Raises
    ------
    InputError
        A dissent line without ``:`` between the member and the reason.
    """
    data: dict[str, Any] = {
        "board_date": form.get("board_date", "").strip() or None,
        "decision": form.get("decision", ""),
        "rationale": form.get("rationale", ""),
        "decided_by": [n.strip() for n in form.get("decided_by", "").splitlines() if n.strip()],
    }
    dissent = []
    for line in (x.strip() for x in form.get("dissent", "").splitlines()):
        if not line:
            continue
        member, colon, reason = line.partition(":")
        if not colon:
            raise InputError(
                "dissent",
                "each line is 'member: reason'",
                line[:60],
                "write the dissenting member, a colon, then why, e.g. 'Dr C (surgery): prefers "
                "resection'",
            )
        dissent.append({"member": member.strip(), "reason": reason.strip()})
    data["dissent"] = dissent
    version = form.get("course_version", "").strip()
    if version:
        data["course_version"] = int(version) if version.isdigit() else version
    return data


def _latest_course_version(session: Session, patient: Patient) -> int | None:
    value = session.scalar(
        select(func.max(CourseVersion.version)).where(CourseVersion.patient_id == patient.id)
    )
    return int(value) if value is not None else None


def _board_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("date", "not a date YYYY-MM-DD", text, "e.g. ?date=2026-05-20") from None


def _summary(
    session: Session, principal: Principal, patient: Patient, day: dt.date | None
) -> BoardSummary:
    """The board summary of the stored record and the latest stored course on ``day``.

    ``day`` None: the record's ``assessment_date``, else today (UTC), as ``hccrt board``.
    """
    record = PatientRecord.model_validate(patient.record)
    course = latest_course(session, principal.user, patient)
    when = day or record.assessment_date or dt.datetime.now(dt.UTC).date()
    return board_summary(record, course, when)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    patient: Patient,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    day: dt.date | None = None,
) -> Response:
    decisions = decisions_of(session, principal.user, patient)
    summary: BoardSummary | None = None
    summary_error = ""
    try:
        summary = _summary(session, principal, patient, day)
    except InputError as error:  # the decisions stay readable
        summary_error = str(error)
    session.commit()
    if "board_date" not in values and summary is not None:
        values = {**values, "board_date": summary.board_date.isoformat()}
    context = page_context(
        principal,
        patient=patient,
        decisions=list(reversed(decisions)),
        values=values,
        errors=errors,
        s=summary,
        summary_error=summary_error,
    )
    return render(request, "board_decision.html", context, status)


@router.get("/patients/{patient_id}/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(
    request: Request,
    patient_id: int,
    principal: CanRead,
    session: DbSession,
    date: str | None = None,
) -> Response:
    """The board summary on a date (``?date=``, default as ``hccrt board``), the signed
    decisions (newest first) and the form to sign a new one."""
    patient = repository.get_patient(session, principal.user, patient_id)
    version = _latest_course_version(session, patient)
    values = {"course_version": str(version)} if version is not None else {}
    return _page(request, session, principal, patient, values, {}, day=_board_date(date))


@router.get("/patients/{patient_id}/board/summary.pdf", include_in_schema=False)
def board_pdf(
    patient_id: int, principal: CanRead, session: DbSession, date: str | None = None
) -> Response:
    """The one-page board summary as PDF (the page of ``hccrt board --out board.pdf``)."""
    from hccrt.report.board import render_board_pdf
    from hccrt.store.board_decisions import last_decision

    patient = repository.get_patient(session, principal.user, patient_id)
    summary = _summary(session, principal, patient, _board_date(date))
    signed = last_decision(session, principal.user, patient)
    with tempfile.TemporaryDirectory(prefix="hccrt-board-") as folder:
        path = render_board_pdf(
            summary, Path(folder) / "board.pdf", None if signed is None else signed.as_json()
        )
        content = path.read_bytes()
    record_event(session, principal.user, "export", "board_summary", patient.id, patient.id)
    session.commit()
    name = f"board-{summary.board_date.isoformat()}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/patients/{patient_id}/board", include_in_schema=False)
def sign_board_decision(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Validate the decision, check the password again, store and audit it (then immutable)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    values = {k: v for k, v in form.items() if k != "password"}
    try:
        signed = sign_decision(
            session, principal.user, form.get("password", ""), patient, decision_from_form(form)
        )
    except InputError as error:
        session.commit()  # the audit row of a wrong password
        field = error.field.split(".")[0] if error.field.split(".")[0] in FIELDS else error.field
        status = 401 if error.field == "password" else 400
        return _page(request, session, principal, patient, values, {field: str(error)}, status)
    return commit_and_show(session, f"/patients/{patient.id}/board#decision-{signed.id}")


class SignBody(BaseModel):
    """``{"password": ..., "decision": {board_date, decision, rationale, decided_by, ...}}``."""

    model_config = ConfigDict(extra="forbid")
    password: str
    decision: dict[str, Any]


@router.get("/api/patients/{patient_id}/board-decisions", tags=["patients"])
def api_decisions(patient_id: int, principal: CanRead, session: DbSession) -> list[dict[str, Any]]:
    """The signed board decisions of a patient, oldest board first."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = decisions_of(session, principal.user, patient)
    session.commit()
    return [row.as_json() for row in rows]


@router.post("/api/patients/{patient_id}/board-decisions", tags=["patients"], status_code=201)
def api_sign(
    patient_id: int, body: SignBody, principal: CanEditPatient, session: DbSession
) -> Response:
    """Sign a board decision (password checked again; 401 if wrong); it is then immutable."""
    patient = repository.get_patient(session, principal.user, patient_id)
    try:
        signed = sign_decision(session, principal.user, body.password, patient, body.decision)
    except InputError as error:
        session.commit()
        status = 401 if error.field == "password" else 400
        return JSONResponse({"detail": str(error)}, status_code=status)
    session.commit()
    return JSONResponse(signed.as_json(), status_code=201)


def last_decision_of(
    session: Session, principal: Principal, patient: Patient | None, as_of: Any = None
) -> Any:
    """The last signed decision of ``patient`` (signed by ``as_of`` if given), or None.

    The read is audited and committed here, so a page that renders it needs no commit.
    """
    if patient is None:
        return None
    found = last_decision(session, principal.user, patient, as_of)
    session.commit()
    return found
