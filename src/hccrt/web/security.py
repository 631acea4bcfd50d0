"""Sessions, CSRF and role checks for the web app.

The session cookie (``hccrt_session``) carries a random token signed with the server secret
(itsdangerous), HttpOnly, SameSite=Strict, Secure when configured; the token's hash identifies a
server-side session row, so logout and account deactivation take effect at once. Every
state-changing request must carry the session's CSRF token, as the ``csrf_token`` form field or
the ``X-CSRF-Token`` header. The login form uses a double-submit cookie for the same purpose.
Sessions end after 30 minutes without a request and 8 hours after sign-in. Exporting DICOM (and
creating an admin) needs the password checked within the last 5 minutes (``/reauth``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from hccrt.store import accounts, audit
from hccrt.store.accounts import Permission, allowed
from hccrt.store.models import LoginSession, User

SESSION_COOKIE = "hccrt_session"
LOGIN_CSRF_COOKIE = "hccrt_login_csrf"
DEVICE_COOKIE = "hccrt_device"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No valid session: HTML pages redirect to the login form, the API answers 401."""


class ReauthRequired(Exception):
    """The action needs a recent password check: pages redirect to ``/reauth``, the API 401."""


@dataclass(frozen=True)
class Principal:
    """The signed-in account of a request and its session's CSRF token."""

    user: User
    csrf_token: str
    token: str
    login: LoginSession


def signer(request: Request) -> URLSafeSerializer:
    """The cookie signer configured for this app."""
    result: URLSafeSerializer = request.app.state.signer
    return result


def db_session(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    with request.app.state.sessions() as session:
        yield session


def read_token(request: Request) -> str | None:
    """The session token from the signed cookie, ``None`` if absent or tampered with."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = signer(request).loads(raw, salt="session")
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


DbSession = Annotated[Session, Depends(db_session)]


async def _close_form(request: Request) -> None:
    """Close uploaded temporary files of a request that is refused."""
    if getattr(request, "_form", None) is not None:
        await (await request.form()).close()


def current_principal(request: Request, session: DbSession) -> Principal:
    """The signed-in account; raises :class:`LoginRequired` without a live session."""
    token = read_token(request)
    login = accounts.resolve_session(session, token) if token else None
    if login is None or token is None:
        raise LoginRequired
    session.commit()  # the session's last-seen time
    return Principal(user=login.user, csrf_token=login.csrf_token, token=token, login=login)


def _audit_refusal(session: Session, principal: Principal, request: Request, reason: str) -> None:
    """Record a refused (403) request: the route template and the missing permission."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    audit.record_event(
        session,
        principal.user,
        "refused",
        "request",
        None,
        detail=f"{request.method} {route} needs {reason}",
    )
    session.commit()


def require_recent_password(principal: Principal) -> None:
    """Raise :class:`ReauthRequired` unless the password was checked in the last 5 minutes."""
    if not accounts.recently_authenticated(principal.login):
        raise ReauthRequired


def require(permission: Permission, recent_password: bool = False) -> Callable[..., object]:
    """Dependency: the signed-in account holding ``permission``, CSRF-checked when unsafe,
    re-authenticated within :data:`hccrt.store.accounts.REAUTH_WINDOW` if ``recent_password``."""

    async def dependency(
        request: Request,
        principal: Annotated[Principal, Depends(current_principal)],
        session: DbSession,
    ) -> Principal:
        audit.set_origin(
            audit.RequestOrigin(
                request.client.host if request.client else "", audit.session_ref(principal.token)
            )
        )
        if request.method not in SAFE_METHODS:
            submitted = await _submitted_csrf(request)
            if not submitted or not hmac.compare_digest(submitted, principal.csrf_token):
                await _close_form(request)
                await run_in_threadpool(_audit_refusal, session, principal, request, "csrf")
                raise HTTPException(
                    403, "CSRF token missing or wrong: reload the page and submit again"
                )
        if not allowed(principal.user.role, permission):
            await _close_form(request)
            await run_in_threadpool(_audit_refusal, session, principal, request, permission.value)
            raise HTTPException(
                403,
                f"role '{principal.user.role}' may not {permission.value.replace('_', ' ')}; "
                "ask an administrator for another role",
            )
        if recent_password:
            require_recent_password(principal)
        return principal

    return dependency


def new_login_csrf() -> str:
    """A fresh double-submit token for the login form."""
    return secrets.token_urlsafe(32)


CanRead = Annotated[Principal, Depends(require(Permission.read))]
CanEditPatient = Annotated[Principal, Depends(require(Permission.edit_patient))]
CanUpload = Annotated[Principal, Depends(require(Permission.upload))]
CanEvaluate = Annotated[Principal, Depends(require(Permission.evaluate))]
CanExport = Annotated[Principal, Depends(require(Permission.export_dicom, recent_password=True))]
IsAdmin = Annotated[Principal, Depends(require(Permission.admin))]
