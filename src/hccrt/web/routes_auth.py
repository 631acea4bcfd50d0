"""Sign-in, sign-out, re-authentication and one's own password."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature
from pydantic import BaseModel, ConfigDict

from hccrt.errors import InputError
from hccrt.store import accounts
from hccrt.store.accounts import SignInThrottled
from hccrt.store.names import name_key
from hccrt.store.throttle import MAX_DELAY
from hccrt.web.pages import FormData, render
from hccrt.web.security import (
    DEVICE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CanRead,
    DbSession,
    Principal,
    new_login_csrf,
    read_token,
    signer,
)
from hccrt.web.startup import first_admin_hint, has_accounts

router = APIRouter()
DEVICE_COOKIE_DAYS = 180


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/patients"


def _login_page(
    request: Request, next_url: str, error: str = "", status: int = 200, retry_after: int = 0
) -> Response:
    token = new_login_csrf()
    state = request.app.state
    if not getattr(state, "accounts_exist", False):
        state.accounts_exist = has_accounts(state.sessions)  # once true, never asked again
    context = {"user": None, "login_csrf": token, "next": _safe_next(next_url), "error": error}
    if not state.accounts_exist:
        context["first_run"] = first_admin_hint("--data-dir DIR")
    response = render(request, "login.html", context, status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
        max_age=3600,
    )
    return response


def _device_token(request: Request, username: str) -> str | None:
    """The device token of this browser for ``username`` (set by an earlier sign-in)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signer(request).loads(raw, salt="device")
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("name") != name_key(username):
        return None
    device = value.get("device")
    return device if isinstance(device, str) else None


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/patients") -> Response:
    """The sign-in form."""
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(request: Request, form: FormData, session: DbSession) -> Response:
    """Check the credentials (throttled, audited) and start a session."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    submitted = form.get("csrf_token", "")
    next_url = form.get("next", "/patients")
    if not cookie or not hmac.compare_digest(cookie, submitted):
        return _login_page(request, next_url, "The form expired: please sign in again.", 403)
    username = form.get("username", "")
    device = _device_token(request, username)
    client = request.client.host if request.client else "-"
    try:
        user = accounts.authenticate(
            session, username, form.get("password", ""), client=client, device=device
        )
    except SignInThrottled as error:
        session.rollback()
        message = (
            f"Too many failed sign-ins: wait {error.wait_s} s (never more than "
            f"{MAX_DELAY.seconds // 60} minutes) or ask an administrator."
        )
        return _login_page(request, next_url, message, 429, error.wait_s)
    if user is None:
        session.commit()
        return _login_page(request, next_url, "Wrong user name or password.", 401)
    token, _ = accounts.open_session(session, user)
    session.commit()
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    secure = request.app.state.settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE,
        signer(request).dumps(token, salt="session"),
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    if device is None:
        device = new_login_csrf()
    response.set_cookie(
        DEVICE_COOKIE,
        signer(request).dumps({"name": name_key(username), "device": device}, salt="device"),
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=DEVICE_COOKIE_DAYS * 86400,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, principal: CanRead, session: DbSession) -> Response:
    """End the session."""
    token = read_token(request)
    if token:
        accounts.close_session(session, token)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _reauth_page(
    request: Request, principal: Principal, next_url: str, error: str = "", status: int = 200
) -> Response:
    context: dict[str, Any] = {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "next": _safe_next(next_url),
        "error": error,
        "window_min": accounts.REAUTH_WINDOW.seconds // 60,
    }
    return render(request, "reauth.html", context, status)


@router.get("/reauth", response_class=HTMLResponse, include_in_schema=False)
def reauth_form(request: Request, principal: CanRead, next: str = "/patients") -> Response:
    """Confirm the password before a sensitive action (DICOM export, creating an admin)."""
    return _reauth_page(request, principal, next)


@router.post("/reauth", include_in_schema=False)
def reauth(request: Request, principal: CanRead, form: FormData, session: DbSession) -> Response:
    """Check the password again (audited); sensitive actions are open for 5 minutes."""
    ok = accounts.reauthenticate(session, principal.login, form.get("password", ""))
    session.commit()
    if not ok:
        return _reauth_page(request, principal, form.get("next", ""), "Wrong password.", 401)
    return RedirectResponse(_safe_next(form.get("next", "/patients")), status_code=303)


class PasswordBody(BaseModel):
    """``{"password": ...}``."""

    model_config = ConfigDict(extra="forbid")
    password: str


@router.post("/api/reauth", tags=["session"])
def reauth_api(body: PasswordBody, principal: CanRead, session: DbSession) -> Response:
    """Confirm the password; DICOM export and creating an admin are then open for 5 minutes."""
    ok = accounts.reauthenticate(session, principal.login, body.password)
    session.commit()
    if not ok:
        return JSONResponse({"detail": "wrong password"}, status_code=401)
    return JSONResponse({"reauthenticated_for_s": int(accounts.REAUTH_WINDOW.total_seconds())})


def _account_page(
    request: Request, principal: Principal, message: str = "", error: str = "", status: int = 200
) -> Response:
    context: dict[str, Any] = {
        "user": principal.user,
        "csrf": principal.csrf_token,
        "message": message,
        "error": error,
        "min_length": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, "account.html", context, status)


@router.get("/account", response_class=HTMLResponse, include_in_schema=False)
def account_page(request: Request, principal: CanRead) -> Response:
    """One's own account: change the password."""
    return _account_page(request, principal)


@router.post("/account/password", include_in_schema=False)
def change_password(
    request: Request, principal: CanRead, form: FormData, session: DbSession
) -> Response:
    """Change one's own password (audited); one's other sessions end."""
    new = form.get("new_password", "")
    if new != form.get("repeat_password", ""):
        return _account_page(request, principal, error="The two new passwords differ.", status=400)
    try:
        accounts.change_password(session, principal.login, form.get("current_password", ""), new)
    except InputError as error:
        session.commit()  # the audit row of a wrong current password
        return _account_page(request, principal, error=str(error), status=400)
    session.commit()
    return _account_page(request, principal, message="Password changed; other sessions ended.")


@router.get("/api/session", tags=["session"])
def session_info(principal: CanRead) -> dict[str, str]:
    """The signed-in account and the CSRF token to send as ``X-CSRF-Token`` on every POST."""
    return {
        "username": principal.user.username,
        "role": principal.user.role,
        "csrf_token": principal.csrf_token,
    }
