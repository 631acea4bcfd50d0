"""Patients: list and search, the unit-aware form, assessments and follow-up visits."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from hccrt.clinical.patient import PatientRecord, parse_patient
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.accounts import Permission, allowed
from hccrt.store.audit import record_event
from hccrt.store.models import Assessment, FollowUp, Patient
from hccrt.store.repository import NotFound
from hccrt.web import patient_form
from hccrt.web.app import render
from hccrt.web.forms import FormData
from hccrt.web.security import (
    CanEditPatient,
    CanRead,
    DbSession,
    Principal,
)
from hccrt.web.services import assessment_of, followup_of

router = APIRouter()


def _base(principal: Principal, **extra: Any) -> dict[str, Any]:
    return {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "can": {p.value: allowed(principal.user.role, p) for p in Permission},
        **extra,
    }


@router.get("/patients", response_class=HTMLResponse, include_in_schema=False)
def patient_list(
    request: Request,
    principal: CanRead,
    session: DbSession,
    q: str = "",
) -> Response:
    """Patient list with search by case label."""
    patients = repository.search_patients(session, principal.user, q)
    session.commit()
    return render(request, "patients.html", _base(principal, patients=patients, q=q))


def _form_page(
    request: Request,
    principal: Principal,
    patient: Patient | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = _base(
        principal,
        patient=patient,
        values=values,
        errors=errors,
        spec=patient_form,
    )
    return render(request, "patient_form.html", context, status)


@router.get("/patients/new", response_class=HTMLResponse, include_in_schema=False)
def new_patient_form(request: Request, principal: CanEditPatient) -> Response:
    """Empty patient form."""
    return _form_page(request, principal, None, {"histology": "HCC"}, {})


@router.post("/patients/new", include_in_schema=False)
def create_patient(
    request: Request,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Validate and store a new patient; errors are shown next to their fields."""
    result = patient_form.validate_form(form)
    errors = dict(result.errors)
    if not form.get("label", "").strip():
        errors["label"] = "label: required; enter a pseudonymous case label"
    if result.record is None or errors:
        return _form_page(request, principal, None, form, errors, 400)
    try:
        patient = repository.create_patient(
            session, principal.user, form["label"], result.record.model_dump(mode="json")
        )
    except InputError as error:
        session.rollback()
        return _form_page(request, principal, None, form, {"label": str(error)}, 400)
    session.commit()
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.get("/patients/{patient_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_patient_form(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    session: DbSession,
) -> Response:
    """The form filled with the stored record."""
    patient = repository.get_patient(session, principal.user, patient_id)
    session.commit()
    values = patient_form.record_to_form(patient.record)
    values["label"] = patient.label
    return _form_page(request, principal, patient, values, {})


@router.post("/patients/{patient_id}/edit", include_in_schema=False)
def update_patient(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Validate and replace the record."""
    patient = repository.get_patient(session, principal.user, patient_id)
    result = patient_form.validate_form(form)
    if result.record is None:
        session.commit()
        return _form_page(request, principal, patient, form, result.errors, 400)
    repository.update_patient(
        session, principal.user, patient, result.record.model_dump(mode="json")
    )
    session.commit()
    return RedirectResponse(f"/patients/{patient.id}", status_code=303)


@router.get("/patients/{patient_id}", response_class=HTMLResponse, include_in_schema=False)
def patient_page(
    request: Request,
    patient_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Overview: record, assessments, uploads, evaluations and follow-ups."""
    patient = repository.get_patient(session, principal.user, patient_id)
    assessments, uploads, evaluations, followups = repository.patient_history(session, patient)
    session.commit()
    series = [
        {
            "date": row.visit_date,
            **{
                term: (row.result.get("ctcae", {}).get(term) or {}).get("ratio")
                for term in ("alt", "ast", "alp", "bilirubin")
            },
        }
        for row in followups
    ]
    return render(
        request,
        "patient.html",
        _base(
            principal,
            patient=patient,
            assessments=assessments,
            uploads=uploads,
            evaluations=evaluations,
            followups=followups,
            lab_json=json.dumps({"visits": series}).replace("<", "\\u003c"),
        ),
    )


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
    session.commit()
    return RedirectResponse(f"/assessments/{row.id}", status_code=303)


def _get_assessment(session: Session, principal: Principal, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    if row is None:
        raise NotFound(f"assessment {assessment_id} not found")
    record_event(session, principal.user, "read", "assessment", row.id, row.patient_id)
    session.commit()
    return row


@router.get("/assessments/{assessment_id}", response_class=HTMLResponse, include_in_schema=False)
def assessment_page(
    request: Request,
    assessment_id: int,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """Scores, staging, options with verdicts, radiotherapy, reasons and sources."""
    row = _get_assessment(session, principal, assessment_id)
    patient = session.get(Patient, row.patient_id)
    return render(
        request, "assessment.html", _base(principal, row=row, a=row.result, patient=patient)
    )


_LAB_KEYS = (
    "alt_u_l",
    "alt_uln_u_l",
    "ast_u_l",
    "ast_uln_u_l",
    "alp_u_l",
    "alp_uln_u_l",
    "bilirubin_mg_dl",
    "bilirubin_uln_mg_dl",
    "child_pugh_score",
)


def _labset(form: dict[str, str], prefix: str) -> dict[str, Any]:
    labs: dict[str, Any] = {"date": form.get(f"{prefix}.date") or None}
    for key in _LAB_KEYS:
        raw = form.get(f"{prefix}.{key}", "").strip()
        if raw:
            try:
                labs[key] = int(raw) if key == "child_pugh_score" else float(raw)
            except ValueError:
                labs[key] = raw
    return labs


def _tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def followup_dict(form: dict[str, str]) -> dict[str, Any]:
    """The follow-up record from the follow-up form."""
    data: dict[str, Any] = {
        "baseline": _labset(form, "baseline"),
        "current": _labset(form, "current"),
        "rt_ongoing": bool(form.get("rt_ongoing")),
    }
    for key in ("rt_start_date", "rt_end_date"):
        if form.get(key):
            data[key] = form[key]
    for key in ("high_dose_liver_rt", "ascites", "hepatomegaly", "tumor_progression_excluded"):
        value = _tri(form.get(key, ""))
        if value is not None:
            data[key] = value
    return data


@router.get(
    "/patients/{patient_id}/followups/new", response_class=HTMLResponse, include_in_schema=False
)
def followup_form(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    session: DbSession,
) -> Response:
    """Follow-up form; baseline labs pre-filled from the record or the previous visit."""
    patient = repository.get_patient(session, principal.user, patient_id)
    *_, followups = repository.patient_history(session, patient)
    session.commit()
    values: dict[str, str] = {}
    if followups:
        last = followups[-1].record
        for key, value in last.get("baseline", {}).items():
            if value is not None:
                values[f"baseline.{key}"] = str(value)
        for key in ("rt_start_date", "rt_end_date"):
            if last.get(key):
                values[key] = str(last[key])
    else:
        for key in _LAB_KEYS:
            if patient.record.get(key) is not None:
                values[f"baseline.{key}"] = str(patient.record[key])
        if patient.record.get("planned_rt_start_date"):
            values["rt_start_date"] = str(patient.record["planned_rt_start_date"])
    context = _base(principal, patient=patient, values=values, errors={}, lab_keys=_LAB_KEYS)
    return render(request, "followup_form.html", context)


@router.post("/patients/{patient_id}/followups/new", include_in_schema=False)
def add_followup(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Grade and store a follow-up visit."""
    patient = repository.get_patient(session, principal.user, patient_id)
    try:
        record, result, provenance = followup_of(followup_dict(form))
    except (ValidationError, InputError) as error:
        session.commit()
        errors = _followup_errors(error)
        context = _base(principal, patient=patient, values=form, errors=errors, lab_keys=_LAB_KEYS)
        return render(request, "followup_form.html", context, 400)
    repository.save_followup(
        session,
        principal.user,
        patient,
        str(record.current.date),
        record.model_dump(mode="json"),
        result,
        provenance,
    )
    session.commit()
    return RedirectResponse(f"/patients/{patient.id}#followups", status_code=303)


def _followup_errors(error: ValidationError | InputError) -> dict[str, str]:
    if isinstance(error, InputError):
        return {error.field: str(error)}
    errors: dict[str, str] = {}
    for item in error.errors():
        cause = (item.get("ctx") or {}).get("error")
        loc = ".".join(str(p) for p in item["loc"])
        if isinstance(cause, InputError):
            loc = loc or cause.field
            errors.setdefault(loc, str(cause))
        else:
            errors.setdefault(loc or "form", item["msg"])
    return errors


# ---- JSON API -------------------------------------------------------------------------------


def _patient_json(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id,
        "label": patient.label,
        "record": patient.record,
        "created_at": patient.created_at.isoformat(),
        "updated_at": patient.updated_at.isoformat(),
    }


@router.get("/api/patients", tags=["patients"])
def api_list(
    principal: CanRead,
    session: DbSession,
    q: str = "",
) -> list[dict[str, Any]]:
    """Patients whose case label contains ``q``: ``[{id, label, record, ...}]``."""
    patients = repository.search_patients(session, principal.user, q)
    session.commit()
    return [_patient_json(p) for p in patients]


@router.post("/api/patients", tags=["patients"], status_code=201)
def api_create(
    principal: CanEditPatient,
    session: DbSession,
    label: Annotated[str, Body(description="Pseudonymous case label, unique.")],
    record: Annotated[
        dict[str, Any], Body(description="Patient record (docs/patient-schema.json).")
    ],
) -> dict[str, Any]:
    """Create a patient from a JSON record; 400 with the first error on invalid input."""
    validated = parse_patient(record)
    patient = repository.create_patient(
        session, principal.user, label, validated.model_dump(mode="json")
    )
    session.commit()
    return _patient_json(patient)


@router.get("/api/patients/{patient_id}", tags=["patients"])
def api_get(
    patient_id: int,
    principal: CanRead,
    session: DbSession,
) -> dict[str, Any]:
    """One patient (audited)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    session.commit()
    return _patient_json(patient)


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
    row = _get_assessment(session, principal, assessment_id)
    return {
        "id": row.id,
        "patient_id": row.patient_id,
        "hccrt_version": row.hccrt_version,
        "ruleset_version": row.ruleset_version,
        "parameters": row.parameters,
        "result": row.result,
    }


@router.get("/api/patients/{patient_id}/followups", tags=["patients"])
def api_followups(
    patient_id: int,
    principal: CanRead,
    session: DbSession,
) -> list[dict[str, Any]]:
    """Follow-up visits by date: ``[{id, visit_date, record, result}]``."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows: list[FollowUp] = list(repository.patient_history(session, patient)[3])
    session.commit()
    return [
        {"id": r.id, "visit_date": r.visit_date, "record": r.record, "result": r.result}
        for r in rows
    ]
