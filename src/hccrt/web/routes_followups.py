"""Follow-up visits: the lab form (baseline pre-filled), CTCAE/RILD grading and the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.models import FollowUp
from hccrt.web.pages import FormData, commit_and_show, page_context, render
from hccrt.web.security import CanEditPatient, CanRead, DbSession
from hccrt.web.services import followup_of

router = APIRouter()


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
    context = page_context(principal, patient=patient, values=values, errors={}, lab_keys=_LAB_KEYS)
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
        context = page_context(
            principal, patient=patient, values=form, errors=errors, lab_keys=_LAB_KEYS
        )
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
    return commit_and_show(session, f"/patients/{patient.id}#followups")


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
