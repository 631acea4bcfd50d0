"""Tumour-board decisions: the signed decisions of a patient, the form to sign one, and the API.

Signing needs the password typed on the form itself (or ``"password"`` in the API body);
:func:`hccrt.store.board_decisions.sign_decision` checks it, audits and stores the decision,
which is then immutable. The routes only parse the form and call the store.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.board_decisions import decisions_of, last_decision, sign_decision
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


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    patient: Patient,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    decisions = decisions_of(session, principal.user, patient)
    session.commit()
    context = page_context(
        principal,
        patient=patient,
        decisions=list(reversed(decisions)),
        values=values,
        errors=errors,
    )
    return render(request, "board_decision.html", context, status)


@router.get("/patients/{patient_id}/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(
    request: Request, patient_id: int, principal: CanRead, session: DbSession
) -> Response:
    """The patient's signed board decisions (newest first) and the form to sign a new one."""
    patient = repository.get_patient(session, principal.user, patient_id)
    version = _latest_course_version(session, patient)
    values = {"course_version": str(version)} if version is not None else {}
    return _page(request, session, principal, patient, values, {})


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
