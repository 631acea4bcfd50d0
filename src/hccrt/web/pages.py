"""What the route modules share: page rendering, form fields, page context, the content store and
audited reads. It sits below :mod:`hccrt.web.app`, which imports the routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from hccrt.store import repository
from hccrt.store.accounts import Permission, allowed
from hccrt.store.files import ContentStore
from hccrt.store.models import Assessment, Evaluation, Patient
from hccrt.store.repository import Owned
from hccrt.web.security import Principal


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page template (``context`` holds the signed-in user and the CSRF token)."""
    templates: Jinja2Templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(request, name, context, status_code=status)
    return response


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as text fields (files are ignored here)."""
    form = await request.form()
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


FormData = Annotated[dict[str, str], Depends(form_data)]


def page_context(principal: Principal, **extra: Any) -> dict[str, Any]:
    """Template context: the user, the CSRF token, the permission flags and ``extra``."""
    return {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "can": {p.value: allowed(principal.user.role, p) for p in Permission},
        **extra,
    }


def content_store(request: Request) -> ContentStore:
    """The application's content-addressed file store."""
    store: ContentStore = request.app.state.files
    return store


def read_patient(session: Session, principal: Principal, patient_id: int) -> Patient:
    """Read a patient and commit the audit event of the read (404 if there is none)."""
    patient = repository.get_patient(session, principal.user, patient_id)
    session.commit()
    return patient


def read_owned(session: Session, principal: Principal, model: type[Owned], object_id: int) -> Owned:
    """Read an assessment, upload or evaluation and commit the audit event of the read.

    Raises :class:`hccrt.store.repository.NotFound` (HTTP 404) if there is none.
    """
    row = repository.get_owned(session, principal.user, model, object_id)
    session.commit()
    return row


def provenance_json(row: Assessment | Evaluation) -> dict[str, Any]:
    """What produced a stored result: hccrt version, rule-set version and parameters."""
    return {
        "hccrt_version": row.hccrt_version,
        "ruleset_version": row.ruleset_version,
        "parameters": row.parameters,
    }


def commit_and_show(session: Session, url: str) -> RedirectResponse:
    """Commit the transaction and redirect (303, post/redirect/get) to ``url``."""
    session.commit()
    return RedirectResponse(url, status_code=303)
