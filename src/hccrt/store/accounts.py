"""Accounts, roles and login sessions.

Passwords are hashed with argon2id (:mod:`hccrt.store.passwords`, which also holds the password
rule). Four roles; each permission names the roles that hold it, and the web layer checks a
permission on every route. Sign-in is throttled per user name and per client
(:mod:`hccrt.store.throttle`); an unknown user name costs the same argon2 verification as a known
one. A login session ends :data:`IDLE_TIMEOUT` after its last request and
:data:`SESSION_LIFETIME` after sign-in, whichever comes first; it records when the password was
last checked, for actions that need a recent re-authentication (:data:`REAUTH_WINDOW`). Every
account change is audited.

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

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store import throttle
from hccrt.store.audit import record_event
from hccrt.store.db import as_utc
from hccrt.store.models import LoginSession, User, utcnow
from hccrt.store.names import check_username, name_key
from hccrt.store.passwords import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_PROFILES,
    hash_password,
    use_password_profile,
    verify_against_nobody,
    verify_password,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "PASSWORD_PROFILES",
    "hash_password",
    "use_password_profile",
    "verify_password",
]

SESSION_LIFETIME = dt.timedelta(hours=8)
IDLE_TIMEOUT = dt.timedelta(minutes=30)
REAUTH_WINDOW = dt.timedelta(minutes=5)
_TOUCH_EVERY = dt.timedelta(seconds=60)


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


class SignInThrottled(InputError):
    """Too many recent sign-in attempts for a user name or from a client.

    Attributes
    ----------
    retry_at
        The earliest time of the next attempt (UTC).
    """

    def __init__(self, scope: str, retry_at: dt.datetime) -> None:
        wait_s = max(1, int((retry_at - utcnow()).total_seconds() + 0.999))
        super().__init__(
            scope,
            "too many failed sign-ins",
            None,
            f"wait {wait_s} s (at most {throttle.MAX_DELAY.seconds // 60} minutes) "
            "or ask an administrator to unlock",
        )
        self.retry_at = retry_at
        self.wait_s = wait_s


def allowed(role: str, permission: Permission) -> bool:
    """Whether an account with ``role`` holds ``permission``."""
    return role in {r.value for r in GRANTS[permission]}


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise InputError("role", "unknown role", role, f"use one of {', '.join(Role)}")


def create_user(
    session: Session, username: str, password: str, role: str, actor: User | None = None
) -> User:
    """Add an account (audited).

    User names follow :func:`hccrt.store.names.check_username` (no look-alikes of an existing
    name); the password :func:`hccrt.store.passwords.check_password_rule`.
    """
    check_username(username, list(session.scalars(select(User.username))))
    _check_role(role)
    user = User(
        username=username,
        password_hash=hash_password(password, (username,)),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    record_event(session, actor, "create", "user", user.id, detail=f"role={role}")
    return user


def name_throttle_key(username: str, device: str | None = None) -> str:
    """Throttle key of a user name, or of the user name on one known browser."""
    key = f"name:{name_key(username)[:64]}"
    return f"{key}:device:{device[:64]}" if device else key


def authenticate(
    session: Session,
    username: str,
    password: str,
    client: str = "-",
    device: str | None = None,
) -> User | None:
    """The active account with these credentials, or ``None`` (both outcomes audited).

    The try is first claimed on the client and on the user name (committed at once, see
    :mod:`hccrt.store.throttle`); an unknown or inactive user name is verified against a dummy
    hash, so the time taken is the same.

    Parameters
    ----------
    session
        A session without pending changes (it is committed by the claim).
    username, password
        What was typed.
    client
        The client address.
    device
        The device token of a browser that signed in as ``username`` before (see
        :mod:`hccrt.store.throttle`), or ``None``.

    Raises
    ------
    SignInThrottled
        When the client or the user name has to wait (the password is then not checked).
    """
    client_key = f"client:{client[:64]}"
    name = name_throttle_key(username, device)
    for scope, key, free in (
        ("client", client_key, throttle.FREE_PER_CLIENT),
        ("username", name, throttle.FREE_PER_NAME),
    ):
        retry_at = throttle.claim(session, key, free)
        if retry_at is not None:
            raise SignInThrottled(scope, retry_at)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_against_nobody(password)
        valid = False
    else:
        valid = verify_password(user.password_hash, password)
    if user is None or not valid:
        record_event(session, None, "login_failed", "user", None, actor_name=username[:64])
        return None
    throttle.reset(session, name)
    throttle.refund(session, client_key, throttle.FREE_PER_CLIENT)
    record_event(session, user, "login", "user", user.id)
    return user


def unlock(session: Session, user: User, actor: User) -> int:
    """Clear the sign-in back-off of ``user``'s name on every browser (audited); rows cleared."""
    cleared = throttle.clear(session, name_throttle_key(user.username))
    record_event(session, actor, "unlock", "user", user.id, detail=f"cleared={cleared}")
    return cleared


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User) -> tuple[str, LoginSession]:
    """Start a login session; returns the secret cookie token and the session row.

    The password has just been checked, so the session counts as recently re-authenticated.
    Expired sessions of every account are removed at the same time.
    """
    now = utcnow()
    session.execute(
        delete(LoginSession).where(
            (LoginSession.expires_at < now) | (LoginSession.last_seen_at < now - IDLE_TIMEOUT)
        )
    )
    token = secrets.token_urlsafe(32)
    login = LoginSession(
        token_sha256=_token_hash(token),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
        last_seen_at=now,
        password_checked_at=now,
    )
    session.add(login)
    session.flush()
    return token, login


def _find_session(session: Session, token: str) -> LoginSession | None:
    return session.scalar(
        select(LoginSession).where(LoginSession.token_sha256 == _token_hash(token))
    )


def resolve_session(session: Session, token: str) -> LoginSession | None:
    """The live session for a cookie token, or ``None`` if unknown, expired, idle or deactivated.

    Marks the session as seen (at most once a minute; the caller commits).
    """
    login = _find_session(session, token)
    now = utcnow()
    if (
        login is None
        or as_utc(login.expires_at) <= now
        or as_utc(login.last_seen_at) + IDLE_TIMEOUT <= now
        or not login.user.active
    ):
        return None
    if as_utc(login.last_seen_at) + _TOUCH_EVERY <= now:
        login.last_seen_at = now
    return login


def recently_authenticated(login: LoginSession) -> bool:
    """Whether the password was checked in this session within :data:`REAUTH_WINDOW`."""
    checked = login.password_checked_at
    return checked is not None and as_utc(checked) + REAUTH_WINDOW > utcnow()


def _claim_password_check(session: Session, user: User) -> None:
    """Count a password check of a signed-in user on the user name's back-off (commits)."""
    retry_at = throttle.claim(session, name_throttle_key(user.username), throttle.FREE_PER_NAME)
    if retry_at is not None:
        raise SignInThrottled("username", retry_at)


def confirm_password(session: Session, user: User, password: str, action: str) -> bool:
    """Check ``user``'s password again to sign ``action`` (e.g. ``"sign_board_decision"``).

    Audited either way (``reauth`` / ``reauth_failed`` with the action as detail) and counted on
    the user name's back-off like a sign-in, as :func:`reauthenticate` is; it needs no login
    session, so the CLI can use it too.

    Raises
    ------
    SignInThrottled
        Too many wrong passwords for this user name recently.
    """
    _claim_password_check(session, user)
    if not user.active or not verify_password(user.password_hash, password):
        record_event(session, user, "reauth_failed", "user", user.id, detail=action)
        return False
    throttle.reset(session, name_throttle_key(user.username))
    record_event(session, user, "reauth", "user", user.id, detail=action)
    return True


def reauthenticate(session: Session, login: LoginSession, password: str) -> bool:
    """Check the password again for a sensitive action (audited either way; counted on the
    user name's back-off like a sign-in, so a stolen session cannot guess the password).

    Raises
    ------
    SignInThrottled
        Too many wrong passwords for this user name recently.
    """
    user = login.user
    _claim_password_check(session, user)
    if not verify_password(user.password_hash, password):
        record_event(session, user, "reauth_failed", "user", user.id)
        return False
    login.password_checked_at = utcnow()
    throttle.reset(session, name_throttle_key(user.username))
    record_event(session, user, "reauth", "user", user.id)
    return True


def close_session(session: Session, token: str) -> None:
    """End a login session (logout)."""
    login = _find_session(session, token)
    if login is not None:
        record_event(session, login.user, "logout", "user", login.user_id)
        session.delete(login)


def end_sessions(session: Session, user: User, actor: User, keep_token: str | None = None) -> int:
    """End every session of ``user`` (except the one of ``keep_token``), audited; how many."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token is not None:
        query = query.where(LoginSession.token_sha256 != _token_hash(keep_token))
    ended = throttle.rows_changed(session.execute(query))
    record_event(session, actor, "end_sessions", "user", user.id, detail=f"sessions={ended}")
    return ended


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(User.id)).where(User.role == Role.admin.value, User.active)
        )
        or 0
    )


def _keep_an_admin(session: Session, user: User, what: str) -> None:
    if user.role == Role.admin.value and user.active and _active_admins(session) <= 1:
        raise InputError(
            "account",
            f"is the last active admin: cannot {what}",
            user.username,
            "make another account admin first",
        )


def set_active(session: Session, user: User, active: bool, actor: User) -> None:
    """Deactivate (ending its sessions) or reactivate an account (audited)."""
    if not active:
        _keep_an_admin(session, user, "deactivate it")
        end_sessions(session, user, actor)
    user.active = active
    record_event(session, actor, "activate" if active else "deactivate", "user", user.id)


def set_role(session: Session, user: User, role: str, actor: User) -> None:
    """Change an account's role (audited)."""
    _check_role(role)
    if role != Role.admin.value:
        _keep_an_admin(session, user, "change its role")
    record_event(session, actor, "change_role", "user", user.id, detail=f"{user.role}->{role}")
    user.role = role


def reset_password(session: Session, user: User, password: str, actor: User) -> None:
    """Set a new password for an account and end its sessions (admin; audited)."""
    user.password_hash = hash_password(password, (user.username,))
    end_sessions(session, user, actor)
    record_event(session, actor, "reset_password", "user", user.id)


def change_password(session: Session, login: LoginSession, current: str, new: str) -> None:
    """Self-service: change one's own password, ending one's other sessions (audited).

    Raises
    ------
    InputError
        The current password is wrong, or the new one breaks the password rule.
    SignInThrottled
        Too many wrong passwords for this user name recently.
    """
    user = login.user
    _claim_password_check(session, user)
    if not verify_password(user.password_hash, current):
        record_event(session, user, "password_change_failed", "user", user.id)
        raise InputError("current password", "wrong", "(hidden)", "type your current password")
    if new == current:
        raise InputError("new password", "same as the current one", "(hidden)", "choose another")
    user.password_hash = hash_password(new, (user.username,))
    login.password_checked_at = utcnow()
    session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id != login.id)
    )
    record_event(session, user, "change_password", "user", user.id)


def waiting_until(session: Session, user: User) -> dt.datetime | None:
    """Until when ``user``'s name has to wait after failed sign-ins (admin page), or ``None``."""
    return throttle.waiting(session, name_throttle_key(user.username))
