"""Accounts and the audit log (admin): create, deactivate, change role, reset password, unlock,
end sessions. Every action is audited; creating an admin needs a recent password check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store import accounts
from hccrt.store.accounts import Role
from hccrt.store.audit import list_events
from hccrt.store.models import User
from hccrt.store.repository import NotFound
from hccrt.web.pages import FormData, render
from hccrt.web.security import DbSession, IsAdmin, Principal, require_recent_password

router = APIRouter()


def _users_page(
    request: Request, principal: Principal, session: Session, error: str = "", status: int = 200
) -> Response:
    users = session.query(User).order_by(User.username).all()
    locked = {u.id: at for u in users if (at := accounts.waiting_until(session, u)) is not None}
    context: dict[str, Any] = {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "users": users,
        "locked": locked,
        "roles": [r.value for r in Role],
        "error": error,
        "min_length": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, "users.html", context, status)


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, principal: IsAdmin, session: DbSession) -> Response:
    """Accounts (admin)."""
    return _users_page(request, principal, session)


def _apply(
    request: Request,
    principal: Principal,
    session: Session,
    action: Callable[[], object],
) -> Response:
    try:
        action()
    except InputError as error:
        session.rollback()
        return _users_page(request, principal, session, str(error), 400)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users", include_in_schema=False)
def add_user(request: Request, principal: IsAdmin, form: FormData, session: DbSession) -> Response:
    """Create an account (admin; an admin account needs a recent password check)."""
    if form.get("role") == Role.admin.value:
        require_recent_password(principal)
    return _apply(
        request,
        principal,
        session,
        lambda: accounts.create_user(
            session,
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            actor=principal.user,
        ),
    )


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"account {user_id} not found")
    return user


@router.post("/admin/users/{user_id}/active", include_in_schema=False)
def set_active(
    request: Request, user_id: int, principal: IsAdmin, form: FormData, session: DbSession
) -> Response:
    """Deactivate (``active=0``, ending its sessions) or reactivate (``active=1``) an account."""
    user = _account(session, user_id)
    active = form.get("active") == "1"
    return _apply(
        request,
        principal,
        session,
        lambda: accounts.set_active(session, user, active, principal.user),
    )


@router.post("/admin/users/{user_id}/role", include_in_schema=False)
def set_role(
    request: Request, user_id: int, principal: IsAdmin, form: FormData, session: DbSession
) -> Response:
    """Change an account's role (making an admin needs a recent password check)."""
    role = form.get("role", "")
    if role == Role.admin.value:
        require_recent_password(principal)
    user = _account(session, user_id)
    return _apply(
        request, principal, session, lambda: accounts.set_role(session, user, role, principal.user)
    )


@router.post("/admin/users/{user_id}/password", include_in_schema=False)
def reset_password(
    request: Request, user_id: int, principal: IsAdmin, form: FormData, session: DbSession
) -> Response:
    """Set a new password for an account and end its sessions."""
    user = _account(session, user_id)
    password = form.get("password", "")
    return _apply(
        request,
        principal,
        session,
        lambda: accounts.reset_password(session, user, password, principal.user),
    )


@router.post("/admin/users/{user_id}/unlock", include_in_schema=False)
def unlock(request: Request, user_id: int, principal: IsAdmin, session: DbSession) -> Response:
    """Clear the sign-in back-off of an account's user name."""
    user = _account(session, user_id)
    return _apply(
        request, principal, session, lambda: accounts.unlock(session, user, principal.user)
    )


@router.post("/admin/users/{user_id}/end-sessions", include_in_schema=False)
def end_sessions(
    request: Request, user_id: int, principal: IsAdmin, session: DbSession
) -> Response:
    """Sign an account out everywhere (one's own current session stays)."""
    user = _account(session, user_id)
    keep = principal.token if user.id == principal.user.id else None
    return _apply(
        request,
        principal,
        session,
        lambda: accounts.end_sessions(session, user, principal.user, keep_token=keep),
    )


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    principal: IsAdmin,
    session: DbSession,
    patient_id: int | None = None,
    username: str | None = None,
) -> Response:
    """The audit log: who saw or changed what, when (admin)."""
    events = list_events(session, patient_id=patient_id, username=username or None)
    return render(
        request,
        "audit.html",
        {
            "user": principal.user,
            "csrf": principal.csrf_token,
            "events": events,
            "patient_id": patient_id,
            "username": username or "",
        },
    )


@router.get("/api/audit", tags=["admin"])
def audit_api(
    principal: IsAdmin,
    session: DbSession,
    patient_id: int | None = None,
    username: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Audit events, newest first: ``{at, username, action, object_type, object_id, ...}``."""
    return [
        {
            "at": e.at.isoformat(),
            "username": e.username,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "patient_id": e.patient_id,
            "detail": e.detail,
        }
        for e in list_events(session, patient_id, username, min(max(limit, 1), 5000))
    ]
