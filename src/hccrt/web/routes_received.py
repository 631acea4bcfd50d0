"""Cases received by the DICOM node: the list, and import as a patient with one upload."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from hccrt.errors import InputError
from hccrt.store import repository
from hccrt.store.audit import record_event
from hccrt.store.files import StoreFull
from hccrt.web.pages import FormData, commit_and_show, content_store, page_context, render
from hccrt.web.received import find_received, received_cases
from hccrt.web.security import CanEditPatient, CanRead, DbSession, Principal
from hccrt.web.services import check_case
from hccrt.web.uploads import IncomingFile, UploadRejected, store_upload

router = APIRouter()


def _node_store(request: Request) -> Path | None:
    store: Path | None = request.app.state.settings.node_store
    return store


def _page(
    request: Request, principal: Principal, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    store = _node_store(request)
    cases = [] if store is None else received_cases(store)
    context = page_context(principal, node_store=store, cases=cases, errors=errors)
    return render(request, "received.html", context, status)


@router.get("/received", response_class=HTMLResponse, include_in_schema=False)
def received_page(request: Request, principal: CanRead) -> HTMLResponse:
    """The node's received cases (``hccrt serve --node-store DIR``), newest first."""
    return _page(request, principal, {})


@router.post("/received/import", include_in_schema=False)
def import_received(
    request: Request, principal: CanEditPatient, form: FormData, session: DbSession
) -> Response:
    """Create a patient (empty record) with one upload holding the received case's files."""
    store = _node_store(request)
    if store is None:
        raise HTTPException(404, "no node store: start the server with --node-store DIR")
    case = find_received(store, form.get("patient", ""), form.get("study", ""))
    if case is None:
        raise HTTPException(404, "no such received case")
    key = f"{case.patient}/{case.study}"
    label = form.get("label", "").strip()
    if not label:
        return _page(request, principal, {key: "label: required; enter a case label"}, 400)
    try:
        patient = repository.create_patient(session, principal.user, label, {})
    except InputError as error:
        session.rollback()
        return _page(request, principal, {key: str(error)}, 400)
    with content_store(request).staging() as staged, ExitStack() as files:
        incoming = [
            IncomingFile(str(p.relative_to(store)), files.enter_context(p.open("rb")))
            for p in case.files
        ]
        try:
            stored = store_upload(staged, incoming, request.app.state.settings.limits)
            check_case(staged, stored)
        except StoreFull as full:
            session.rollback()
            raise UploadRejected(full.field, full.rule, full.value, full.fix, 507) from None
        except InputError as error:  # the case as a whole is refused: nothing is kept
            session.rollback()
            return _page(request, principal, {key: str(error)}, 400)
        staged.commit()
    upload = repository.save_upload(session, principal.user, patient, stored)
    record_event(session, principal.user, "import", "received_case", upload.id, patient.id, key)
    return commit_and_show(session, f"/uploads/{upload.id}")
