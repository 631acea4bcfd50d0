"""The patient course on the web: the timeline, forms to add, edit and remove events, versions.

Every save is a new course version (:mod:`hccrt.store.courses`); older versions stay readable.
The forms are built from the event models of :mod:`hccrt.clinical.course` (one field per model
field, its description as the hint) and the routes only turn the typed text into JSON values:
:func:`hccrt.clinical.course.with_event` / :func:`~hccrt.clinical.course.without_event` and
:func:`~hccrt.store.courses.save_course` validate, and their errors (field, rule, value, fix)
are shown next to the field.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from hccrt.clinical import course as courses
from hccrt.clinical.board import event_text
from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.courses import course_versions, save_course
from hccrt.store.models import CourseVersion, Patient
from hccrt.web.pages import FormData, commit_and_show, page_context, render
from hccrt.web.security import CanEditPatient, CanRead, DbSession, Principal

router = APIRouter()

EVENT_MODELS: dict[str, type[BaseModel]] = {
    "tace": courses.ArterialSession,
    "tae": courses.ArterialSession,
    "deb_tace": courses.ArterialSession,
    "ablation": courses.Ablation,
    "resection": courses.Resection,
    "y90": courses.Y90,
    "rt": courses.RtCourse,
    "systemic": courses.SystemicLine,
    "labs": courses.CourseLabs,
    "imaging": courses.ImagingVisit,
}
KIND_TITLES = {
    "tace": "TACE session",
    "tae": "TAE (bland) session",
    "deb_tace": "DEB-TACE session",
    "ablation": "Ablation",
    "resection": "Resection",
    "y90": "Y-90 radioembolisation",
    "rt": "Radiotherapy course",
    "systemic": "Systemic therapy line",
    "labs": "Lab set",
    "imaging": "Imaging visit (mRECIST)",
}


@dataclass(frozen=True)
class FormField:
    """One input of an event form, from one field of the event model."""

    name: str
    input: str  # date, number, integer, choice, yesno, lesions, text
    hint: str
    required: bool
    choices: tuple[str, ...] = ()


def _plain(annotation: Any) -> Any:
    """The type inside ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def form_fields(kind: str) -> list[FormField]:
    """The inputs of the form of an event ``kind`` (every field of its model but ``kind``)."""
    out = []
    for name, info in EVENT_MODELS[kind].model_fields.items():
        if name == "kind":
            continue
        plain = _plain(info.annotation)
        choices: tuple[str, ...] = ()
        if plain is bool:
            widget = "yesno"
        elif plain is dt.date:
            widget = "date"
        elif plain is float:
            widget = "number"
        elif plain is int:
            widget = "integer"
        elif typing.get_origin(plain) is Literal:
            widget, choices = "choice", tuple(str(c) for c in typing.get_args(plain))
        elif isinstance(plain, type) and issubclass(plain, enum.Enum):
            widget, choices = "choice", tuple(str(m.value) for m in plain)
        elif typing.get_origin(plain) is tuple:
            widget = "lesions"
        else:
            widget = "text"
        hint = info.description or ""
        if widget == "lesions":
            hint = "One target lesion per line: id, colon, viable diameter in mm (e.g. S6: 28)."
        out.append(FormField(name, widget, hint, info.is_required(), choices))
    return out


def _number(text: str, whole: bool) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text  # the library names it: "must be a number, not a string"
    if whole:
        return int(value) if value.is_integer() else value
    return value


def _lesions(text: str) -> Any:
    lesions = []
    for line in (x.strip() for x in text.splitlines()):
        if not line:
            continue
        lesion, colon, size = line.partition(":")
        if not colon:
            raise InputError(
                "target_lesions",
                "each line is 'lesion id: viable diameter mm'",
                line[:40],
                "e.g. S6: 28",
            )
        lesions.append({"lesion_id": lesion.strip(), "viable_diameter_mm": _number(size, False)})
    return lesions


def event_from_form(kind: str, form: dict[str, str]) -> dict[str, Any]:
    """The event JSON from the form of ``kind``: empty inputs are left out (not known)."""
    event: dict[str, Any] = {"kind": kind}
    for field in form_fields(kind):
        raw = form.get(field.name, "").strip()
        if not raw:
            continue
        if field.input == "number":
            event[field.name] = _number(raw, False)
        elif field.input == "integer":
            event[field.name] = _number(raw, True)
        elif field.input == "yesno":
            event[field.name] = {"yes": True, "no": False}.get(raw, raw)
        elif field.input == "lesions":
            event[field.name] = _lesions(raw)
        else:
            event[field.name] = raw
    return event


def form_values(event: dict[str, Any]) -> dict[str, str]:
    """The form inputs of a stored event (the reverse of :func:`event_from_form`)."""
    values: dict[str, str] = {}
    for name, value in event.items():
        if value is None or name == "kind":
            continue
        if isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif name == "target_lesions":
            values[name] = "\n".join(
                f"{t['lesion_id']}: {t['viable_diameter_mm']:g}" for t in value
            )
        elif isinstance(value, float):
            values[name] = f"{value:g}"
        else:
            values[name] = str(value)
    return values


def _latest(session: Session, principal: Principal, patient: Patient) -> list[CourseVersion]:
    rows = list(course_versions(session, principal.user, patient))
    session.commit()
    return rows


def _error_field(error: InputError, index: int | None) -> str:
    """The form input an error belongs to: ``events.N.dose_gy`` -> ``dose_gy`` for this event."""
    parts = error.field.split(".")
    if parts[0] == "events" and len(parts) >= 3 and parts[1] == str(index):
        return parts[2]
    if len(parts) == 1 and parts[0] not in ("events", "course", "event"):
        return parts[0]
    return "form"


def _check_base(form: dict[str, str], latest: int) -> None:
    base = form.get("base_version", "")
    if base != str(latest):
        raise InputError(
            "base_version",
            f"the course changed since this form was opened (now version {latest})",
            base or "none",
            "reload the course page and enter the change again",
        )


def _known_kind(kind: str) -> str:
    if kind not in EVENT_MODELS:
        raise InputError(
            "kind", "unknown event kind", kind, f"use one of {', '.join(EVENT_MODELS)}"
        )
    return kind


@router.get("/patients/{patient_id}/course", response_class=HTMLResponse, include_in_schema=False)
def course_page(
    request: Request,
    patient_id: int,
    principal: CanRead,
    session: DbSession,
    version: int | None = None,
) -> Response:
    """The course timeline (latest version, or ``?version=N``), the versions and the add menu."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    shown = rows[-1] if rows else None
    if version is not None:
        shown = next((r for r in rows if r.version == version), None)
        if shown is None:
            raise InputError("version", "no such course version", version, "pick one listed")
    course = courses.parse_course(shown.course) if shown is not None else None
    timeline = [
        {"index": i, "date": e.date.isoformat(), "kind": e.kind, "text": event_text(e)}
        for i, e in enumerate(course.events if course is not None else ())
    ]
    context = page_context(
        principal,
        patient=patient,
        versions=rows,
        shown=shown,
        latest=rows[-1].version if rows else 0,
        timeline=timeline,
        kinds=KIND_TITLES,
    )
    return render(request, "course.html", context)


def _event_page(
    request: Request,
    principal: Principal,
    patient: Patient,
    kind: str,
    values: dict[str, str],
    errors: dict[str, str],
    index: int | None,
    base_version: int,
    status: int = 200,
) -> Response:
    context = page_context(
        principal,
        patient=patient,
        kind=kind,
        title=KIND_TITLES[kind],
        fields=form_fields(kind),
        values=values,
        errors=errors,
        index=index,
        base_version=base_version,
    )
    return render(request, "course_event.html", context, status)


@router.get(
    "/patients/{patient_id}/course/events/new", response_class=HTMLResponse, include_in_schema=False
)
def new_event_form(
    request: Request, patient_id: int, kind: str, principal: CanEditPatient, session: DbSession
) -> Response:
    """The empty form of one event kind (``?kind=rt``)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    latest = rows[-1].version if rows else 0
    return _event_page(request, principal, patient, _known_kind(kind), {}, {}, None, latest)


def _save_event(
    request: Request,
    principal: Principal,
    session: Session,
    patient: Patient,
    kind: str,
    form: dict[str, str],
    index: int | None,
) -> Response:
    rows = _latest(session, principal, patient)
    latest = rows[-1].version if rows else 0
    current = courses.parse_course(rows[-1].course) if rows else None
    where = _position_of(current, form, index)
    try:
        _check_base(form, latest)
        event = event_from_form(kind, form)
        new = courses.with_event(current, event, replace=index)
        saved = save_course(session, principal.user, patient, new.model_dump(mode="json"))
    except InputError as error:
        session.commit()
        errors = {_error_field(error, where): str(error)}
        return _event_page(
            request, principal, patient, kind, form, errors, index, latest, status=400
        )
    return commit_and_show(
        session, f"/patients/{patient.id}/course?version={saved.version}#event-{where}"
    )


def _position_of(current: Any, form: dict[str, str], index: int | None) -> int:
    """Where the event of ``form`` lands in the new course (to match ``events.N`` errors)."""
    events = [] if current is None else [e.date.isoformat() for e in current.events]
    if index is not None and 0 <= index < len(events):
        del events[index]
    when = form.get("date", "").strip()
    return sum(1 for d in events if d <= when) if when else len(events)


@router.post("/patients/{patient_id}/course/events/new", include_in_schema=False)
def add_event(
    request: Request,
    patient_id: int,
    kind: str,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Add one event; the course is validated and saved as a new version."""
    patient = repository.get_patient(session, principal.user, patient_id)
    return _save_event(request, principal, session, patient, _known_kind(kind), form, None)


def _stored_event(rows: list[CourseVersion], index: int) -> dict[str, Any]:
    events = rows[-1].course.get("events", []) if rows else []
    if not 0 <= index < len(events):
        raise InputError(
            "event", "no such event in the latest course", index, "open the course page again"
        )
    event: dict[str, Any] = events[index]
    return event


@router.get(
    "/patients/{patient_id}/course/events/{index}/edit",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def edit_event_form(
    request: Request, patient_id: int, index: int, principal: CanEditPatient, session: DbSession
) -> Response:
    """The form of one event of the latest course, filled in."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    event = _stored_event(rows, index)
    values = form_values(event)
    return _event_page(
        request, principal, patient, event["kind"], values, {}, index, rows[-1].version
    )


@router.post("/patients/{patient_id}/course/events/{index}/edit", include_in_schema=False)
def edit_event(
    request: Request,
    patient_id: int,
    index: int,
    principal: CanEditPatient,
    form: FormData,
    session: DbSession,
) -> Response:
    """Replace one event; the course is validated and saved as a new version."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    kind = _stored_event(rows, index)["kind"]
    return _save_event(request, principal, session, patient, kind, form, index)


@router.post("/patients/{patient_id}/course/events/{index}/delete", include_in_schema=False)
def delete_event(
    patient_id: int, index: int, principal: CanEditPatient, form: FormData, session: DbSession
) -> Response:
    """Remove one event (a new version; the earlier versions keep it)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    _stored_event(rows, index)
    _check_base(form, rows[-1].version)
    new = courses.without_event(courses.parse_course(rows[-1].course), index)
    saved = save_course(session, principal.user, patient, new.model_dump(mode="json"))
    return commit_and_show(session, f"/patients/{patient.id}/course?version={saved.version}")


def _version_json(row: CourseVersion) -> dict[str, Any]:
    return {
        "version": row.version,
        "saved_at": row.saved_at.isoformat(),
        "saved_by": row.saved_by,
        "course": row.course,
    }


@router.get("/api/patients/{patient_id}/course", tags=["patients"])
def api_course(patient_id: int, principal: CanRead, session: DbSession) -> Response:
    """The latest course version ``{version, saved_at, saved_by, course}`` (404 if none)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    rows = _latest(session, principal, patient)
    if not rows:
        return JSONResponse({"detail": "no course stored for this patient yet"}, status_code=404)
    return JSONResponse(_version_json(rows[-1]))


@router.get("/api/patients/{patient_id}/course/versions", tags=["patients"])
def api_course_versions(
    patient_id: int, principal: CanRead, session: DbSession
) -> list[dict[str, Any]]:
    """Every stored version of the course, oldest first."""
    patient = repository.get_patient(session, principal.user, patient_id)
    return [_version_json(r) for r in _latest(session, principal, patient)]


@router.put("/api/patients/{patient_id}/course", tags=["patients"])
def api_save_course(
    patient_id: int, body: dict[str, Any], principal: CanEditPatient, session: DbSession
) -> Response:
    """Store a whole course (docs/course-schema.json) as the next version; 400 names the field."""
    patient = repository.get_patient(session, principal.user, patient_id)
    saved = save_course(session, principal.user, patient, body)
    session.commit()
    return JSONResponse(_version_json(saved), status_code=201)
