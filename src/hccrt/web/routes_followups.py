"""Follow-up visits: the lab form (baseline pre-filled), CTCAE/RILD grading and the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class LabField:
    """A follow-up lab input: record field, label, and its units as (unit label, input field).

    The first unit is the record's; another one names the SI input field that the follow-up
    record converts on load (:func:`hccrt.clinical.units.convert_si_inputs`), so a value typed
    in µmol/L is stored in mg/dL by the library, not by the web page.
    """

    key: str
    label: str
    units: tuple[tuple[str, str], ...]


LAB_FIELDS = (
    LabField("alt_u_l", "ALT", (("U/L", "alt_u_l"),)),
    LabField("alt_uln_u_l", "ALT upper limit of normal", (("U/L", "alt_uln_u_l"),)),
    LabField("ast_u_l", "AST", (("U/L", "ast_u_l"),)),
    LabField("ast_uln_u_l", "AST upper limit of normal", (("U/L", "ast_uln_u_l"),)),
    LabField("alp_u_l", "Alkaline phosphatase", (("U/L", "alp_u_l"),)),
    LabField("alp_uln_u_l", "ALP upper limit of normal", (("U/L", "alp_uln_u_l"),)),
    LabField(
        "bilirubin_mg_dl",
        "Total bilirubin",
        (("mg/dL", "bilirubin_mg_dl"), ("µmol/L", "bilirubin_umol_l")),
    ),
    LabField(
        "bilirubin_uln_mg_dl",
        "Bilirubin upper limit of normal",
        (("mg/dL", "bilirubin_uln_mg_dl"), ("µmol/L", "bilirubin_uln_umol_l")),
    ),
    LabField("child_pugh_score", "Child-Pugh score", (("points, 5-15", "child_pugh_score"),)),
)
_LAB_KEYS = tuple(f.key for f in LAB_FIELDS)
_INPUT_TO_KEY = {field: f.key for f in LAB_FIELDS for _, field in f.units}


def _labset(form: dict[str, str], prefix: str) -> dict[str, Any]:
    labs: dict[str, Any] = {"date": form.get(f"{prefix}.date") or None}
    for lab in LAB_FIELDS:
        raw = form.get(f"{prefix}.{lab.key}", "").strip()
        if not raw:
            continue
        chosen = form.get(f"{prefix}.{lab.key}_unit", lab.key)
        target = chosen if chosen in {field for _, field in lab.units} else lab.key
        try:
            labs[target] = int(raw) if lab.key == "child_pugh_score" else float(raw)
        except ValueError:
            labs[target] = raw
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
    context = page_context(
        principal, patient=patient, values=values, errors={}, lab_fields=LAB_FIELDS
    )
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
            principal, patient=patient, values=form, errors=errors, lab_fields=LAB_FIELDS
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
        parts = [str(p) for p in item["loc"]]
        if isinstance(cause, InputError) and cause.field in _INPUT_TO_KEY and len(parts) == 1:
            parts.append(_INPUT_TO_KEY[cause.field])  # the SI input names its form field
        if parts and parts[-1] in _INPUT_TO_KEY:
            parts[-1] = _INPUT_TO_KEY[parts[-1]]
        loc = ".".join(parts)
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
