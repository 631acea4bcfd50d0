"""Back-off against password guessing, counted atomically in the database.

Every sign-in attempt first *claims* a try on two keys: the user name and the client address.
A claim is a compare-and-set ``UPDATE`` (``WHERE failures = <value read>``) committed at once,
so of any number of parallel guesses only one per count can win: after
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

from sqlalchemy import CursorResult, delete, select, update
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
_CLAIM_ROUNDS = 3


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
        .values(key=key, failures=0, next_allowed_at=now, last_attempt_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def claim(session: Session, key: str, free: int) -> dt.datetime | None:
    """Claim one try for ``key`` and commit it.

    Parameters
    ----------
    session
        A session with no pending changes (it is committed).
    key
        ``name:...``, ``device:...`` or ``client:...``, at most 160 characters.
    free
        Tries before the back-off starts.

    Returns
    -------
    datetime or None
        ``None`` when the try may go ahead; otherwise the earliest time of the next try.
    """
    now = utcnow()
    _ensure_row(session, key, now)
    session.commit()
    for _ in range(_CLAIM_ROUNDS):
        row = session.execute(
            select(
                LoginThrottle.failures, LoginThrottle.next_allowed_at, LoginThrottle.last_attempt_at
            ).where(LoginThrottle.key == key)
        ).one()
        failures, next_allowed_at, last_attempt_at = row
        if as_utc(last_attempt_at) + FORGET_AFTER < now:
            counted = 0
        elif as_utc(next_allowed_at) > now:
            return as_utc(next_allowed_at)
        else:
            counted = failures
        won = rows_changed(
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.failures == failures)
                .values(
                    failures=counted + 1,
                    next_allowed_at=now + delay_after(counted + 1, free),
                    last_attempt_at=now,
                )
            )
        )
        session.commit()
        if won == 1:
            return None
    return now + dt.timedelta(seconds=1)


def succeeded(session: Session, name_key: str, client_key: str) -> None:
    """After a successful sign-in: clear the name's count, give the client its try back."""
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == name_key)
        .values(failures=0, next_allowed_at=utcnow())
    )
    session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == client_key, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_attempt_at < utcnow() - FORGET_AFTER)
    )


def clear(session: Session, prefix: str) -> int:
    """Forget the counts of every key starting with ``prefix`` (admin unlock); how many."""
    return rows_changed(
        session.execute(delete(LoginThrottle).where(LoginThrottle.key.startswith(prefix)))
    )


def locked_until(session: Session, key: str) -> dt.datetime | None:
    """When ``key`` may try again, ``None`` if it may now."""
    at = session.scalar(select(LoginThrottle.next_allowed_at).where(LoginThrottle.key == key))
    if at is None or as_utc(at) <= utcnow():
        return None
    return as_utc(at)
