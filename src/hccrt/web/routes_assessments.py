"""Clinical assessments: run one on the current record, show it, and the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from hccrt.clinical.patient import PatientRecord
from hccrt.store import repository
from hccrt.store.models import Assessment, Patient
from hccrt.web.pages import commit_and_show, page_context, provenance_json, read_owned, render
from hccrt.web.routes_board import last_decision_of
from hccrt.web.security import CanEditPatient, CanRead, DbSession, Principal
from hccrt.web.services import assessment_of

router = APIRouter()


def _assess(session: Session, principal: Principal, patient: Patient) -> Assessment:
    record = PatientRecord.model_validate(patient.record)
    result, provenance = assessment_of(record)
    return repository.save_assessment(session, principal.user, patient, result, provenance)


@router.post("/patients/{patient_id}/assess", include_in_schema=False)
def assess_patient(
    patient_id: int,
    principal: CanEditPatient,
    session: DbSession,
) -> Response:
    """Run and store the clinical assessment of the current record."""
    patient = repository.get_patient(session, principal.user, patient_id)
    row = _assess(session, principal, patient)
    return commit_and_show(session, f"/assessments/{row.id}")


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse, include_in_schema=False)
def assessment_page(
    request: Request,
    assessment_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Scores, staging, options with verdicts, radiotherapy, reasons and sources."""
    row = read_owned(session, principal, Assessment, assessment_id)
    patient = session.get(Patient, row.patient_id)
    last = last_decision_of(session, principal, patient, row.created_at)  # issue 16
    return render(
        request,
        "assessment.html",
        page_context(principal, row=row, a=row.result, patient=patient, last_decision=last),
    )


@router.post("/api/patients/{patient_id}/assessments", tags=["patients"], status_code=201)
def api_assess(
    patient_id: int,
    principal: CanEditPatient,
    session: DbSession,
) -> dict[str, Any]:
    """Assess the current record: ``{id, hccrt_version, ruleset_version, result}``."""
    patient = repository.get_patient(session, principal.user, patient_id)
    row = _assess(session, principal, patient)
    session.commit()
    return {
        "id": row.id,
        "hccrt_version": row.hccrt_version,
        "ruleset_version": row.ruleset_version,
        "result": row.result,
    }


@router.get("/api/assessments/{assessment_id}", tags=["patients"])
def api_assessment(
    assessment_id: int,
    principal: CanRead,
    session: DbSession,
) -> dict[str, Any]:
    """A stored assessment with its provenance."""
    row = read_owned(session, principal, Assessment, assessment_id)
    return {
        "id": row.id,
        "patient_id": row.patient_id,
        **provenance_json(row),
        "result": row.result,
    }
