"""Sign-in back-off, the password rule, look-alike names and the account lifecycle, on every
backend."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from hccrt.errors import InputError
from hccrt.store import accounts, passwords, throttle
from hccrt.store.accounts import SignInThrottled
from hccrt.store.audit import list_events
from hccrt.store.db import migrate, session_factory
from hccrt.store.models import LoginSession, LoginThrottle, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        yield opened


class _CountingHasher:
    """Wraps the argon2 hasher and counts verifications (thread-safe)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.verified = 0
        self.lock = threading.Lock()

    def verify(self, hash_: str, password: str) -> bool:
        with self.lock:
            self.verified += 1
        result: bool = self.inner.verify(hash_, password)
        return result

    def hash(self, password: str) -> str:
        result: str = self.inner.hash(password)
        return result


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> _CountingHasher:
    counting = _CountingHasher(passwords._state["hasher"])
    monkeypatch.setitem(passwords._state, "hasher", counting)
    return counting


def _age(session: Session, key: str) -> None:
    """End the wait of a throttle row, as if the time had passed."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(next_allowed_at=utcnow() - dt.timedelta(seconds=1))
    )
    session.commit()


def test_parallel_guesses_check_at_most_the_free_tries(
    empty_engine: Engine, session: Session, hasher: _CountingHasher
) -> None:
    accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    session.commit()
    hasher.verified = 0
    make = session_factory(empty_engine)
    start = threading.Barrier(40)
    outcomes: list[str] = []

    def guess(i: int) -> None:
        with make() as own:
            start.wait()
            try:
                result = accounts.authenticate(own, "dr.a", f"guess number {i:03d}", client=f"c{i}")
                own.commit()
                outcomes.append("checked" if result is None else "signed in")
            except SignInThrottled:
                own.rollback()
                outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 40
    assert outcomes.count("checked") == hasher.verified
    assert 1 <= hasher.verified <= throttle.FREE_PER_NAME
    assert outcomes.count("throttled") == 40 - hasher.verified


def test_back_off_doubles_and_is_capped() -> None:
    free = throttle.FREE_PER_NAME
    assert throttle.delay_after(free - 1, free) == dt.timedelta(0)
    assert throttle.delay_after(free, free) == throttle.FIRST_DELAY
    assert throttle.delay_after(free + 1, free) == 2 * throttle.FIRST_DELAY
    assert throttle.delay_after(free + 1000, free) == throttle.MAX_DELAY == dt.timedelta(minutes=15)


def test_admin_never_locked_beyond_the_cap_and_right_password_works_after_the_wait(
    session: Session,
) -> None:
    accounts.create_user(session, "boss", PASSWORD, "admin")
    session.commit()
    key = accounts.name_throttle_key("boss")
    for i in range(throttle.FREE_PER_NAME):
        assert accounts.authenticate(session, "boss", "wrong password!", client=f"a{i}") is None
        session.commit()
    for i in range(12):  # each further guess after the wait; the wait doubles up to the cap
        until = throttle.locked_until(session, key)
        assert until is not None
        assert until - utcnow() <= throttle.MAX_DELAY
        with pytest.raises(SignInThrottled, match="too many failed sign-ins; wait") as caught:
            accounts.authenticate(session, "boss", PASSWORD, client=f"b{i}")
        assert caught.value.wait_s <= throttle.MAX_DELAY.total_seconds()
        _age(session, key)
        assert accounts.authenticate(session, "boss", "wrong password!", client=f"c{i}") is None
        session.commit()
    assert caught.value.wait_s > throttle.MAX_DELAY.total_seconds() - 60
    _age(session, key)
    assert accounts.authenticate(session, "boss", PASSWORD) is not None
    session.commit()
    assert throttle.locked_until(session, key) is None


def test_known_browser_is_not_locked_out_by_a_guesser(session: Session) -> None:
    accounts.create_user(session, "boss", PASSWORD, "admin")
    session.commit()
    for _ in range(throttle.FREE_PER_NAME):
        accounts.authenticate(session, "boss", "wrong password!", client="attacker")
        session.commit()
    with pytest.raises(SignInThrottled):
        accounts.authenticate(session, "boss", PASSWORD, client="attacker")
    assert accounts.authenticate(session, "boss", PASSWORD, client="ward", device="d1") is not None


def test_client_back_off_across_user_names(session: Session) -> None:
    for i in range(throttle.FREE_PER_CLIENT):
        assert accounts.authenticate(session, f"name{i}", "whatever pw", client="spray") is None
        session.commit()
    with pytest.raises(SignInThrottled, match="client: too many failed sign-ins"):
        accounts.authenticate(session, "another", "whatever pw", client="spray")


def test_look_alike_user_names_share_one_count(session: Session) -> None:
    for _ in range(throttle.FREE_PER_NAME):
        accounts.authenticate(session, "admin", "wrong password!", client="c")
        session.commit()
    with pytest.raises(SignInThrottled):
        accounts.authenticate(session, "ADMIN", "wrong password!", client="c")


def test_unknown_and_inactive_names_cost_one_argon2_verification(
    session: Session, hasher: _CountingHasher
) -> None:
    user = accounts.create_user(session, "gone", PASSWORD, "viewer")
    user.active = False
    session.commit()
    for name in ("nobody-at-all", "gone"):
        hasher.verified = 0
        assert accounts.authenticate(session, name, PASSWORD) is None
        assert hasher.verified == 1, name


def test_admin_unlock_clears_the_back_off_and_is_audited(session: Session) -> None:
    boss = accounts.create_user(session, "boss", PASSWORD, "admin")
    user = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    session.commit()
    for _ in range(throttle.FREE_PER_NAME):
        accounts.authenticate(session, "dr.a", "wrong password!")
        session.commit()
    assert throttle.locked_until(session, accounts.name_throttle_key("dr.a")) is not None
    assert accounts.unlock(session, user, boss) >= 1
    session.commit()
    assert accounts.authenticate(session, "dr.a", PASSWORD) is not None
    assert ("boss", "unlock") in [(e.username, e.action) for e in list_events(session)]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("eleven-char", "shorter than 12 characters"),
        ("password1234", "is a commonly used password"),
        ("aaaaaaaaaaaa", "easy to guess"),
        ("johnsmith1990", "easy to guess"),
    ],
)
def test_weak_passwords_refused(session: Session, password: str, message: str) -> None:
    with pytest.raises(InputError, match=f"password=\\(hidden\\): {message}"):
        accounts.create_user(session, "dr.weak", password, "viewer")


def test_password_containing_the_user_name_is_weaker() -> None:
    with pytest.raises(InputError, match="easy to guess"):
        passwords.check_password_rule("drwatson1990", ("drwatson",))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u0430dmin", "mixes letters of several scripts"),  # Cyrillic a
        ("Admin", "looks like the existing 'admin'"),
        ("ａｄｍｉｎ", "must be 3-64"),  # fullwidth, not NFKC-normal
        ("admin", "already exists"),
    ],
)
def test_look_alike_names_refused(session: Session, name: str, message: str) -> None:
    accounts.create_user(session, "admin", PASSWORD, "admin")
    with pytest.raises(InputError, match=message):
        accounts.create_user(session, name, PASSWORD, "viewer")


def test_other_scripts_allowed_when_not_look_alikes(session: Session) -> None:
    accounts.create_user(session, "admin", PASSWORD, "admin")
    accounts.create_user(session, "dr.müller", PASSWORD, "viewer")
    accounts.create_user(session, "иван", PASSWORD, "viewer")


def _signed_in(session: Session, name: str, role: str) -> tuple[Any, str, LoginSession]:
    user = accounts.create_user(session, name, PASSWORD, role)
    token, login = accounts.open_session(session, user)
    session.commit()
    return user, token, login


def test_idle_and_absolute_expiry(session: Session) -> None:
    _, token, login = _signed_in(session, "dr.a", "clinician")
    assert accounts.resolve_session(session, token) is not None
    login.last_seen_at = utcnow() - accounts.IDLE_TIMEOUT
    session.commit()
    assert accounts.resolve_session(session, token) is None
    login.last_seen_at = utcnow()
    login.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    assert accounts.resolve_session(session, token) is None


def test_reauthentication_window(session: Session) -> None:
    _, _, login = _signed_in(session, "dr.a", "physicist")
    assert accounts.recently_authenticated(login)
    login.password_checked_at = utcnow() - accounts.REAUTH_WINDOW
    assert not accounts.recently_authenticated(login)
    assert not accounts.reauthenticate(session, login, "wrong password!")
    assert accounts.reauthenticate(session, login, PASSWORD)
    assert accounts.recently_authenticated(login)
    session.commit()
    actions = [e.action for e in list_events(session, username="dr.a")]
    assert actions[:2] == ["reauth", "reauth_failed"]


def test_lifecycle_actions_end_sessions_and_are_audited(session: Session) -> None:
    boss, _, _ = _signed_in(session, "boss", "admin")
    user, token, _ = _signed_in(session, "dr.a", "clinician")
    accounts.set_role(session, user, "physicist", boss)
    accounts.reset_password(session, user, "another-strong-passphrase", boss)
    session.commit()
    assert accounts.resolve_session(session, token) is None
    assert accounts.authenticate(session, "dr.a", "another-strong-passphrase") is not None
    token, _ = accounts.open_session(session, user)
    accounts.set_active(session, user, False, boss)
    session.commit()
    assert accounts.resolve_session(session, token) is None
    assert accounts.authenticate(session, "dr.a", "another-strong-passphrase") is None
    session.commit()
    actions = {e.action for e in list_events(session, username="boss")}
    assert {"change_role", "reset_password", "end_sessions", "deactivate"} <= actions
    with pytest.raises(InputError, match="last active admin: cannot deactivate it"):
        accounts.set_active(session, boss, False, boss)
    with pytest.raises(InputError, match="last active admin: cannot change its role"):
        accounts.set_role(session, boss, "viewer", boss)


def test_self_service_password_change(session: Session) -> None:
    user, token, login = _signed_in(session, "dr.a", "clinician")
    other_token, _ = accounts.open_session(session, user)
    with pytest.raises(InputError, match="current password=\\(hidden\\): wrong"):
        accounts.change_password(session, login, "not my password", "new-password-456-xyz")
    with pytest.raises(InputError, match="commonly used"):
        accounts.change_password(session, login, PASSWORD, "password1234")
    accounts.change_password(session, login, PASSWORD, "new-password-456-xyz")
    session.commit()
    assert accounts.resolve_session(session, token) is not None
    assert accounts.resolve_session(session, other_token) is None
    actions = [e.action for e in list_events(session, username="dr.a")]
    assert "change_password" in actions
    assert "password_change_failed" in actions


def test_reauthentication_is_throttled_and_unlock_is_exact(session: Session) -> None:
    boss = accounts.create_user(session, "boss", PASSWORD, "admin")
    other = accounts.create_user(session, "boss2", PASSWORD, "viewer")
    _, login = accounts.open_session(session, boss)
    session.commit()
    for _ in range(throttle.FREE_PER_NAME):
        assert not accounts.reauthenticate(session, login, "wrong password!")
        session.commit()
    with pytest.raises(SignInThrottled):
        accounts.reauthenticate(session, login, PASSWORD)
    for _ in range(throttle.FREE_PER_NAME):
        accounts.authenticate(session, "boss2", "wrong password!")
        session.commit()
    accounts.unlock(session, boss, boss)
    session.commit()
    assert accounts.waiting_until(session, boss) is None
    assert accounts.waiting_until(session, other) is not None  # "boss" does not unlock "boss2"
    assert accounts.reauthenticate(session, login, PASSWORD)
