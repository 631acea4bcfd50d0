"""Audit log: every read and write of patient data, with who, what, when, from where.

Events hold the account, an action name, the object type and id, a short non-clinical detail
(e.g. ``files=3``), the client address and a session reference (the first 16 hex digits of
the session token's SHA-256, which the ``login_sessions`` row also stores); they never hold
names, labels or clinical values.

The rows form a hash chain: each row stores its sequence number, the previous row's hash and
its own hash over all its fields, and the one-row ``audit_head`` table holds the length of the
chain and its last hash. Appending locks the head row (an UPDATE, so concurrent writers queue
on SQLite and PostgreSQL alike) until the transaction ends. :func:`verify_chain` then finds an
edited row (its hash), a deleted row (a gap in the sequence) and deleted rows at the end (the
head's length). On PostgreSQL :func:`grant_app_role` gives the application's role INSERT and
SELECT only on the audit table, so the server itself cannot rewrite history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from hccrt.store.models import AuditEvent, Base, utcnow

if TYPE_CHECKING:
    from hccrt.store.models import User

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class RequestOrigin:
    """Where the audited action came from: client address and session reference."""

    client_addr: str = ""
    session_ref: str = ""


_ORIGIN: ContextVar[RequestOrigin | None] = ContextVar("hccrt_audit_origin", default=None)


def session_ref(token: str) -> str:
    """The session reference kept in the audit log (prefix of the token's SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def set_origin(origin: RequestOrigin) -> None:
    """Attach ``origin`` to the audit events of the current request (a context variable)."""
    _ORIGIN.set(origin)


@contextmanager
def origin_of(origin: RequestOrigin | None) -> Iterator[None]:
    """Record the events inside the block with ``origin`` (background jobs)."""
    reset = _ORIGIN.set(origin)
    try:
        yield
    finally:
        _ORIGIN.reset(reset)


def current_origin() -> RequestOrigin:
    """The origin the next audit event will record."""
    return _ORIGIN.get() or RequestOrigin()


def _utc_text(value: dt.datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat()


def row_hash(event: AuditEvent) -> str:
    """SHA-256 (hex) over every field of ``event`` and the previous row's hash."""
    fields = [
        event.chain_seq,
        event.prev_hash,
        _utc_text(event.at),
        event.user_id,
        event.username,
        event.action,
        event.object_type,
        event.object_id,
        event.patient_id,
        event.detail,
        event.client_addr,
        event.session_ref,
    ]
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_event(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    patient_id: int | None = None,
    detail: str = "",
    actor_name: str | None = None,
) -> AuditEvent:
    """Append an audit event to the chain in the current transaction (committed with it)."""
    seq, previous = session.execute(
        text("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, row_hash")
    ).one()
    origin = current_origin()
    event = AuditEvent(
        at=utcnow(),
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else (actor_name or "-"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        detail=detail[:255],
        client_addr=origin.client_addr[:64],
        session_ref=origin.session_ref[:16],
        chain_seq=int(seq),
        prev_hash=str(previous),
    )
    event.row_hash = row_hash(event)
    session.add(event)
    session.execute(
        text("UPDATE audit_head SET row_hash = :hash WHERE id = 1"), {"hash": event.row_hash}
    )
    return event


def list_events(
    session: Session,
    patient_id: int | None = None,
    username: str | None = None,
    limit: int = 500,
) -> Sequence[AuditEvent]:
    """Newest events first, optionally for one patient or one account."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if patient_id is not None:
        query = query.where(AuditEvent.patient_id == patient_id)
    if username is not None:
        query = query.where(AuditEvent.username == username)
    return session.scalars(query).all()


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found: chained rows, older unchained rows, and the problems."""

    chained: int
    unchained: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """No row edited, none missing."""
        return not self.problems


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the audit chain in sequence order and check every link and row hash.

    Returns a report naming each problem: ``seq N: row changed`` (hash mismatch), ``seq N:
    rows missing before it`` (a deleted row), ``rows missing at the end`` (head ahead of the
    last row).
    """
    problems: list[str] = []
    expected_seq, previous = 1, GENESIS_HASH
    chained = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain_seq.is_not(None), AuditEvent.chain_seq > last_seq)
            .order_by(AuditEvent.chain_seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            seq = int(event.chain_seq or 0)
            chained += 1
            if seq != expected_seq:
                problems.append(f"seq {seq}: {seq - expected_seq} row(s) missing before it")
            elif event.prev_hash != previous:
                problems.append(f"seq {seq}: link to the previous row broken")
            if row_hash(event) != event.row_hash:
                problems.append(f"seq {seq}: row changed after it was written (id {event.id})")
            expected_seq, previous, last_seq = seq + 1, event.row_hash or "", seq
    head_seq, head_hash = session.execute(
        text("SELECT seq, row_hash FROM audit_head WHERE id = 1")
    ).one()
    if int(head_seq) > last_seq:
        problems.append(f"rows missing at the end: the chain has {head_seq}, the table {last_seq}")
    elif int(head_seq) == last_seq and last_seq and head_hash != previous:
        problems.append(f"seq {last_seq}: last row differs from the chain head")
    unchained = len(
        session.scalars(select(AuditEvent.id).where(AuditEvent.chain_seq.is_(None))).all()
    )
    return ChainReport(chained, unchained, problems)


def grant_app_role(owner: Engine, role: str) -> None:
    """PostgreSQL: let ``role`` use the store but only INSERT and SELECT audit rows.

    Run as the owner of the tables (the role that runs the migrations). The application then
    connects as ``role``; it can append audit events and move the chain head, but an UPDATE or
    DELETE on ``audit_events`` or ``board_decisions`` (signed tumour-board decisions) fails with a
    permission error.
    """
    if owner.dialect.name != "postgresql":
        raise ValueError("table rights exist on PostgreSQL only")
    quoted = owner.dialect.identifier_preparer.quote(role)
    append_only = ("audit_events", "board_decisions")
    tables = [t for t in Base.metadata.sorted_tables if t.name not in append_only]
    with owner.begin() as connection:
        connection.execute(text(f"GRANT SELECT ON alembic_version TO {quoted}"))
        for table in tables:
            connection.execute(
                text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table.name} TO {quoted}")
            )
        for name in append_only:
            connection.execute(text(f"REVOKE ALL ON {name} FROM {quoted}"))
            connection.execute(text(f"GRANT SELECT, INSERT ON {name} TO {quoted}"))
        connection.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))
