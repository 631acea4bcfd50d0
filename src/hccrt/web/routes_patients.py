"""Patients: list and search, the unit-aware form, the overview page and the JSON API."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hccrt.clinical.patient import parse_patient
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.models import Patient
from hccrt.store.repository import MAX_PAGE_SIZE, PatientPage
from hccrt.web import patient_form
from hccrt.web.jobs import planned_uploads
from hccrt.web.pages import FormData, commit_and_show, page_context, read_patient, render
from hccrt.web.security import CanEditPatient, CanRead, DbSession, Principal

router = APIRouter()


Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Rows to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")]
Search = Annotated[str, Query(max_length=128, description="Part of the case label (literal).")]


def _page_url(path: str, q: str, offset: int, limit: int) -> str:
    return f"{path}?{urlencode({'q': q, 'offset': offset, 'limit': limit})}"


def _neighbours(page: PatientPage, path: str, q: str) -> dict[str, str | None]:
    after = page.offset + page.limit
    return {
        "previous": _page_url(path, q, max(0, page.offset - page.limit), page.limit)
        if page.offset > 0
        else None,
        "next": _page_url(path, q, after, page.limit) if after < page.total else None,
    }


@router.get("/patients", response_class=HTMLResponse, include_in_schema=False)
def patient_list(
    request: Request,
    principal: CanRead,
    session: DbSession,
    q: Search = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> Response:
    """Patient list (case labels only, one page) with search by case label."""
    page = repository.search_patients(session, principal.user, q, offset, limit)
    session.commit()
    return render(
        request,
        "patients.html",
        page_context(principal, page=page, q=q, links=_neighbours(page, "/patients", q)),
    )


def _form_page(
    request: Request,
    principal: Principal,
    patient: Patient | None,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = page_context(
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
    return commit_and_show(session, f"/patients/{patient.id}")


@router.get("/patients/{patient_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_patient_form(
    request: Request,
    patient_id: int,
    principal: CanEditPatient,
    session: DbSession,
) -> Response:
    """The form filled with the stored record."""
    patient = read_patient(session, principal, patient_id)
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
    return commit_and_show(session, f"/patients/{patient.id}")


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
        page_context(
            principal,
            patient=patient,
            assessments=assessments,
            uploads=uploads,
            planned=planned_uploads(session, patient.id),
            evaluations=evaluations,
            followups=followups,
            lab_json=json.dumps({"visits": series}).replace("<", "\\u003c"),
        ),
    )


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
    q: Search = "",
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSONResponse:
    """One page of patients whose case label contains ``q``: ``[{id, label, updated_at, url}]``.

    Labels only (open ``url`` for the record). Headers: ``X-Total-Count`` (all matches) and
    ``Link`` with ``rel="next"``/``rel="prev"`` pages.
    """
    page = repository.search_patients(session, principal.user, q, offset, limit)
    session.commit()
    body = [
        {
            "id": patient_id,
            "label": label,
            "updated_at": updated_at.isoformat(),
            "url": f"/api/patients/{patient_id}",
        }
        for patient_id, label, updated_at in page.rows
    ]
    links = _neighbours(page, "/api/patients", q)
    link = ", ".join(
        f'<{url}>; rel="{"prev" if rel == "previous" else rel}"'
        for rel, url in links.items()
        if url
    )
    headers = {"X-Total-Count": str(page.total), **({"Link": link} if link else {})}
    return JSONResponse(body, headers=headers)


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
    patient = read_patient(session, principal, patient_id)
    return _patient_json(patient)
