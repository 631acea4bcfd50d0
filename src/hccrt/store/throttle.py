"""Back-off against password guessing, counted atomically in the database.

Every sign-in attempt first *claims* a try on two keys: the user name and the client address.
A claim is one ``UPDATE`` that counts the try and sets the next allowed time, only where that
time has come, committed at once; the database serialises such updates of a row, so of any
number of parallel guesses at most the free ones go ahead: after
:data:`FREE_PER_NAME` tries a user name has to wait :data:`FIRST_DELAY`, doubling with every
further failure up to :data:`MAX_DELAY` (never longer), and a client address the same after
:data:`FREE_PER_CLIENT` tries. A successful sign-in clears the user name's count and gives the
client its try back; counts are forgotten :data:`FORGET_AFTER` after the last try; an
administrator can clear a user name at once (:func:`clear`).

A user name is counted by its look-alike key (:func:`hccrt.store.names.name_key`), so
``Admin`` and ``admin`` share one count. A browser that signed in successfully before carries a
device token; its tries are counted on their own key, so a guesser cannot lock the real user
out of the browser they normally use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CursorResult, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hccrt.store.db import as_utc
from hccrt.store.models import LoginThrottle, utcnow

FREE_PER_NAME = 5
FREE_PER_CLIENT = 20
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=1)
# "May try now" is stored as a fixed past time, never as the clock of one request: a parallel
# request whose clock reading is a little earlier must not find the key waiting.
NO_WAIT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def delay_after(failures: int, free: int) -> dt.timedelta:
    """Wait before the next try after ``failures`` tries (0 while ``failures < free``)."""
    if failures < free:
        return dt.timedelta(0)
    wait: dt.timedelta = FIRST_DELAY * (2 ** min(failures - free, 30))
    return min(wait, MAX_DELAY)


def rows_changed(result: object) -> int:
    """Rows an UPDATE or DELETE changed."""
    return int(result.rowcount or 0) if isinstance(result, CursorResult) else 0


def _ensure_row(session: Session, key: str, now: dt.datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, next_allowed_at=NO_WAIT, last_attempt_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _next_allowed(now: dt.datetime, free: int) -> Any:
    """SQL for the earliest next try after this one: ``now + delay_after(failures + 1)``."""
    steps: list[tuple[Any, dt.datetime]] = []
    count = free
    while delay_after(count, free) < MAX_DELAY:
        steps.append((LoginThrottle.failures + 1 == count, now + delay_after(count, free)))
        count += 1
    return case(
        (LoginThrottle.failures + 1 < free, LoginThrottle.next_allowed_at),
        *steps,
        else_=now + MAX_DELAY,
    )


def claim(session: Session, key: str, free: int) -> dt.datetime | None:
    """Claim one try for ``key`` and commit it.

    One ``UPDATE ... WHERE next_allowed_at <= now`` counts the try and sets the next allowed
    time in the same statement, so the database serialises parallel claims.

    Parameters
    ----------
    session
        A session with no pending changes (it is committed).
    key
        ``name:...``, ``client:...``, at most 160 characters.
    free
        Tries before the back-off starts.

    Returns
    -------
    datetime or None
        ``None`` when the try may go ahead; otherwise the earliest time of the next try.
    """
    now = utcnow()
    _ensure_row(session, key, now)
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.last_attempt_at < now - FORGET_AFTER)
        .values(failures=0, next_allowed_at=NO_WAIT)
    )
    won = rows_changed(
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.next_allowed_at <= now)
            .values(
                failures=LoginThrottle.failures + 1,
                next_allowed_at=_next_allowed(now, free),
                last_attempt_at=now,
            )
        )
    )
    session.commit()
    if won == 1:
        return None
    return locked_until(session, key) or now + dt.timedelta(seconds=1)


def reset(session: Session, key: str) -> None:
    """After a right password: forget ``key``'s count (and stale rows of every key)."""
    now = utcnow()
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=0, next_allowed_at=NO_WAIT)
    )
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_attempt_at < now - FORGET_AFTER))


def refund(session: Session, key: str, free: int) -> None:
    """After a successful sign-in: give ``key`` (a client) its try back."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
        .values(
            failures=LoginThrottle.failures - 1,
            next_allowed_at=case(
                (LoginThrottle.failures - 1 < free, NO_WAIT),
                else_=LoginThrottle.next_allowed_at,
            ),
        )
    )


def clear(session: Session, key: str) -> int:
    """Forget the counts of ``key`` on every browser (admin unlock); how many rows."""
    return rows_changed(session.execute(delete(LoginThrottle).where(_key_and_devices(key))))


def _key_and_devices(key: str) -> Any:
    return (LoginThrottle.key == key) | LoginThrottle.key.startswith(f"{key}:device:")


def waiting(session: Session, key: str) -> dt.datetime | None:
    """The latest time until which ``key`` (on any browser) has to wait, ``None`` if it need not."""
    times = session.scalars(select(LoginThrottle.next_allowed_at).where(_key_and_devices(key)))
    latest = max((as_utc(at) for at in times), default=None)
    return latest if latest is not None and latest > utcnow() else None


def locked_until(session: Session, key: str) -> dt.datetime | None:
    """When ``key`` may try again, ``None`` if it may now."""
    at = session.scalar(select(LoginThrottle.next_allowed_at).where(LoginThrottle.key == key))
    if at is None or as_utc(at) <= utcnow():
        return None
    return as_utc(at)
