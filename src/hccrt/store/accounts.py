"""Accounts, roles and login sessions.

Passwords are hashed with argon2id (argon2-cffi defaults). Four roles; each permission names
the roles that hold it, and the web layer checks a permission on every route.

==========  ==============================================================================
role        may
==========  ==============================================================================
viewer      read patients, assessments, evaluations, follow-ups and reports
clinician   viewer + enter/edit patients, run assessments, add follow-ups, upload, evaluate
physicist   viewer + upload DICOM, run plan evaluations, export de-identified DICOM
admin       everything, plus accounts and the audit log
==========  ==============================================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store.audit import record_event
from hccrt.store.db import as_utc
from hccrt.store.models import AuditEvent, LoginSession, User, utcnow

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
PASSWORD_PROFILES = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,
    "cheapest-for-tests": profiles.CHEAPEST,
}
_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


class Role(StrEnum):
    """Account roles."""

    viewer = "viewer"
    clinician = "clinician"
    physicist = "physicist"
    admin = "admin"


class Permission(StrEnum):
    """What a route needs."""

    read = "read"
    edit_patient = "edit_patient"
    upload = "upload"
    evaluate = "evaluate"
    export_dicom = "export_dicom"
    admin = "admin"


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.read: frozenset(Role),
    Permission.edit_patient: frozenset({Role.clinician, Role.admin}),
    Permission.upload: frozenset({Role.clinician, Role.physicist, Role.admin}),
    Permission.evaluate: frozenset({Role.clinician, Role.physicist, Role.admin}),
    Permission.export_dicom: frozenset({Role.physicist, Role.admin}),
    Permission.admin: frozenset({Role.admin}),
}


def use_password_profile(name: str) -> None:
    """Choose the argon2 parameters for new hashes (default ``rfc9106-low-memory``).

    ``cheapest-for-tests`` exists only to keep test suites fast. Stored hashes carry their own
    parameters, so changing the profile never locks anyone out.
    """
    global _hasher
    if name not in PASSWORD_PROFILES:
        raise InputError("password profile", "unknown", name, f"use {', '.join(PASSWORD_PROFILES)}")
    _hasher = PasswordHasher.from_parameters(PASSWORD_PROFILES[name])


def allowed(role: str, permission: Permission) -> bool:
    """Whether an account with ``role`` holds ``permission``."""
    return role in {r.value for r in GRANTS[permission]}


def hash_password(password: str) -> str:
    """argon2id hash of a password of at least :data:`MIN_PASSWORD_LENGTH` characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            "password",
            f"shorter than {MIN_PASSWORD_LENGTH} characters",
            "(hidden)",
            "choose a longer password",
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session, username: str, password: str, role: str, actor: User | None = None
) -> User:
    """Add an account (audited). User names are 3-64 characters of letters, digits, ``._-``."""
    if not (3 <= len(username) <= 64) or not all(c.isalnum() or c in "._-" for c in username):
        raise InputError(
            "username",
            "must be 3-64 letters, digits, '.', '_' or '-'",
            username,
            "choose another user name",
        )
    if role not in {r.value for r in Role}:
        raise InputError("role", "unknown role", role, f"use one of {', '.join(Role)}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InputError("username", "already exists", username, "choose another user name")
    user = User(username=username, password_hash=hash_password(password), role=role, active=True)
    session.add(user)
    session.flush()
    record_event(session, actor, "create", "user", user.id, detail=f"role={role}")
    return user


def recent_failures(session: Session, username: str) -> int:
    """Failed sign-ins for ``username`` in the last :data:`LOCKOUT` period (from the audit log)."""
    since = utcnow() - LOCKOUT
    count = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.username == username[:64],
            AuditEvent.action == "login_failed",
            AuditEvent.at > since,
        )
    )
    return int(count or 0)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active account with these credentials, or ``None`` (both outcomes audited).

    Raises
    ------
    InputError
        After :data:`MAX_FAILED_LOGINS` failures for this user name within :data:`LOCKOUT`
        (the password is then not even checked), against password guessing.
    """
    if recent_failures(session, username) >= MAX_FAILED_LOGINS:
        raise InputError(
            "username",
            f"{MAX_FAILED_LOGINS} failed sign-ins in {LOCKOUT.seconds // 60} minutes",
            username[:64],
            f"wait {LOCKOUT.seconds // 60} minutes or ask an administrator",
        )
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not verify_password(user.password_hash, password):
        record_event(session, None, "login_failed", "user", None, actor_name=username[:64])
        return None
    record_event(session, user, "login", "user", user.id)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """Start a login session; returns the secret cookie token and the session row.

    Expired sessions of every account are removed at the same time.
    """
    session.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_sha256=_token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    session.add(login)
    session.flush()
    return token, login


def resolve_session(session: Session, token: str) -> LoginSession | None:
    """The live session for a cookie token, or ``None`` if unknown, expired or deactivated."""
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_sha256 == _token_hash(token))
    )
    if login is None or as_utc(login.expires_at) <= utcnow() or not login.user.active:
        return None
    return login


def close_session(session: Session, token: str) -> None:
    """End a login session (logout)."""
    login = session.scalar(
        select(LoginSession).where(LoginSession.token_sha256 == _token_hash(token))
    )
    if login is not None:
        record_event(session, login.user, "logout", "user", login.user_id)
        session.delete(login)
