"""Server faults as answers: a locked database or a full disk is 503 with Retry-After.

Anything else unexpected is a 500 whose log line names the exception class only: a database
error's message can hold a patient's name or record (PostgreSQL's ``DETAIL: Key (label)=(...)``),
so neither the message nor the traceback is logged.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError

RETRY_AFTER_LOCKED_S = 5
RETRY_AFTER_DISK_S = 60
# PostgreSQL SQLSTATEs: lock not available, deadlock, serialization failure, query cancelled
# (statement/lock timeout); disk full, out of memory, too many connections.
_PG_BUSY = frozenset({"55P03", "40P01", "40001", "57014", "53300"})
_PG_FULL = frozenset({"53100", "53200"})


@dataclass(frozen=True)
class Fault:
    """How to answer an exception: HTTP status, message and Retry-After (s, or ``None``)."""

    status: int
    message: str
    retry_after_s: int | None


LOCKED = Fault(
    503,
    "the database is busy (locked by another writer): retry in a few seconds",
    RETRY_AFTER_LOCKED_S,
)
DISK_FULL = Fault(
    503, "the server's disk is full: retry later and tell the administrator", RETRY_AFTER_DISK_S
)
INTERNAL = Fault(500, "internal error: the administrator can find its class in the log", None)


def _sqlstate(error: DBAPIError) -> str | None:
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state if isinstance(state, str) else None


def classify(error: BaseException) -> Fault:
    """The answer to an exception a route did not handle."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DISK_FULL
    if isinstance(error, DBAPIError):
        state = _sqlstate(error)
        if state in _PG_FULL:
            return DISK_FULL
        if state in _PG_BUSY:
            return LOCKED
        text = str(error.orig).lower()
        if "database or disk is full" in text or "disk i/o error" in text:
            return DISK_FULL
        if "database is locked" in text or "database table is locked" in text:
            return LOCKED
        if isinstance(error.orig, OSError):
            return classify(error.orig)
    return INTERNAL
