"""Audit log: every read and write of patient data, with who, what and when.

Events hold the account, an action name, the object type and id and a short non-clinical detail
(e.g. ``files=3``); they never hold names, labels or clinical values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from hccrt.store.models import AuditEvent

if TYPE_CHECKING:
    from hccrt.store.models import User


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
    """Add an audit event to the current transaction (committed with the action it records)."""
    event = AuditEvent(
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else (actor_name or "-"),
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        detail=detail[:255],
    )
    session.add(event)
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
