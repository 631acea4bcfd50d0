"""Sign-in, sign-out, accounts and the audit log (admin)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store import accounts
from hccrt.store.accounts import Role
from hccrt.store.audit import list_events
from hccrt.store.models import User
from hccrt.web.app import render
from hccrt.web.pages import FormData
from hccrt.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CanRead,
    DbSession,
    IsAdmin,
    Principal,
    new_login_csrf,
    read_token,
    signer,
)

router = APIRouter()


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/patients"


def _login_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    token = new_login_csrf()
    response = render(
        request,
        "login.html",
        {"user": None, "login_csrf": token, "next": _safe_next(next_url), "error": error},
        status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/patients") -> Response:
    """The sign-in form."""
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    form: FormData,
    session: DbSession,
) -> Response:
    """Check the credentials (audited) and start a session."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted = form.get("csrf_token", "")
    next_url = form.get("next", "/patients")
    if not cookie or not hmac.compare_digest(cookie, submitted):
        return _login_page(request, next_url, "The form expired: please sign in again.", 403)
    try:
        user = accounts.authenticate(session, form.get("username", ""), form.get("password", ""))
    except InputError:
        session.rollback()
        message = (
            f"Too many failed sign-ins for this user name: wait "
            f"{accounts.LOCKOUT.seconds // 60} minutes or ask an administrator."
        )
        return _login_page(request, next_url, message, 429)
    if user is None:
        session.commit()
        return _login_page(request, next_url, "Wrong user name or password.", 401)
    token, _ = accounts.open_session(session, user)
    session.commit()
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signer(request).dumps(token, salt="session"),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    principal: CanRead,
    session: DbSession,
) -> Response:
    """End the session."""
    token = read_token(request)
    if token:
        accounts.close_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _users_page(
    request: Request, principal: Principal, session: Session, error: str = "", status: int = 200
) -> Response:
    users = session.query(User).order_by(User.username).all()
    context: dict[str, Any] = {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "users": users,
        "roles": [r.value for r in Role],
        "error": error,
    }
    return render(request, "users.html", context, status)


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(
    request: Request,
    principal: IsAdmin,
    session: DbSession,
) -> Response:
    """Accounts (admin)."""
    return _users_page(request, principal, session)


@router.post("/admin/users", include_in_schema=False)
def add_user(
    request: Request,
    principal: IsAdmin,
    form: FormData,
    session: DbSession,
) -> Response:
    """Create an account (admin)."""
    try:
        accounts.create_user(
            session,
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            actor=principal.user,
        )
    except InputError as error:
        session.rollback()
        return _users_page(request, principal, session, str(error), 400)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


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


@router.get("/api/session", tags=["session"])
def session_info(principal: CanRead) -> dict[str, str]:
    """The signed-in account and the CSRF token to send as ``X-CSRF-Token`` on every POST."""
    return {
        "username": principal.user.username,
        "role": principal.user.role,
        "csrf_token": principal.csrf_token,
    }
