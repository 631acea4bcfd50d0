"""Signed tumour-board decisions: recorded once, audited, then immutable (issue 16, item 7).

"Signed" means that the recording account re-enters its password at the moment of signing
(:func:`hccrt.store.accounts.confirm_password`: throttled and audited like a sign-in). The
decision is validated (:func:`hccrt.clinical.board_decision.parse_decision`), written with the
signing account and time, and audited (``sign`` on ``board_decision``). There is no update or
delete function: the ORM refuses to flush a change or a deletion of a loaded row, and the
database refuses every UPDATE and DELETE on ``board_decisions`` (triggers of migration 0006;
on PostgreSQL :func:`hccrt.store.audit.grant_app_role` also grants INSERT and SELECT only). A
board that changes its mind records and signs a new decision; :func:`last_decision` gives the
latest, which a later assessment shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hccrt.clinical.board_decision import BoardDecision, parse_decision
from hccrt.errors import InputError
from hccrt.store import accounts
from hccrt.store.audit import record_event
from hccrt.store.db import as_utc
from hccrt.store.models import (
    BoardDecisionRecord,
    CourseVersion,
    ImmutableRecord,
    Patient,
    User,
)

__all__ = [
    "BoardDecisionRecord",
    "ImmutableRecord",
    "SignedDecision",
    "decisions_of",
    "last_decision",
    "sign_decision",
]

ACTION = "sign_board_decision"
"""The action named in the audit detail of the password check that signs a decision."""


@dataclass(frozen=True)
class SignedDecision:
    """A stored decision as read back: the validated record, who signed it and when."""

    id: int
    patient_id: int
    decision: BoardDecision
    signed_by: str
    signed_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The decision with its signature, for ``--format json`` and the API."""
        return {
            "id": self.id,
            "patient_id": self.patient_id,
            **self.decision.model_dump(mode="json"),
            "signed_by": self.signed_by,
            "signed_at": as_utc(self.signed_at).isoformat(),
        }

    def summary(self) -> str:
        """One line: date, decision, who decided, dissent count, signature."""
        d = self.decision
        dissent = f"; {len(d.dissent)} dissent(s)" if d.dissent else "; no dissent"
        return (
            f"Board decision of {d.board_date.isoformat()}: {d.decision} (decided by "
            f"{', '.join(d.decided_by)}{dissent}; signed by {self.signed_by} on "
            f"{as_utc(self.signed_at).strftime('%Y-%m-%d %H:%M')} UTC)"
        )


def _signed(session: Session, row: BoardDecisionRecord) -> SignedDecision:
    signer = session.get(User, row.signed_by)
    return SignedDecision(
        id=row.id,
        patient_id=row.patient_id,
        decision=parse_decision(row.decision),
        signed_by=signer.username if signer is not None else f"user {row.signed_by}",
        signed_at=row.signed_at,
    )


def sign_decision(
    session: Session, signer: User, password: str, patient: Patient, decision: Any
) -> SignedDecision:
    """Validate ``decision``, check ``signer``'s password and store the signed decision.

    The caller commits (also after a refusal: the failed password check is audited).

    Parameters
    ----------
    session
        An open store session.
    signer
        The account that records the decision; it must be allowed to edit patients.
    password
        ``signer``'s password, typed again to sign.
    patient
        The stored patient the board discussed.
    decision
        A :class:`~hccrt.clinical.board_decision.BoardDecision` or its JSON object.

    Returns
    -------
    SignedDecision
        The stored decision with its id, signer and time.

    Raises
    ------
    ClinicalInputError
        ``decision`` is not a valid board decision.
    InputError
        The role may not sign, or the password is wrong.
    SignInThrottled
        Too many wrong passwords for this user name recently.
    """
    valid = decision if isinstance(decision, BoardDecision) else parse_decision(decision)
    if not accounts.allowed(signer.role, accounts.Permission.edit_patient):
        raise InputError(
            "role",
            "may not sign a board decision",
            signer.role,
            "sign in as a clinician (or ask an administrator for that role)",
        )
    if valid.course_version is not None:
        _check_course_version(session, patient, valid.course_version)
    if not accounts.confirm_password(session, signer, password, ACTION):
        raise InputError(
            "password", "wrong", "(hidden)", "type your own password again to sign the decision"
        )
    row = BoardDecisionRecord(
        patient_id=patient.id,
        board_date=valid.board_date.isoformat(),
        decision=valid.model_dump(mode="json"),
        course_version=valid.course_version,
        signed_by=signer.id,
    )
    session.add(row)
    session.flush()
    record_event(session, signer, "sign", "board_decision", row.id, patient.id)
    return _signed(session, row)


def _check_course_version(session: Session, patient: Patient, version: int) -> None:
    latest = session.scalar(
        select(func.max(CourseVersion.version)).where(CourseVersion.patient_id == patient.id)
    )
    if latest is None or version > latest:
        known = f"1 to {latest}" if latest else "none: no course is stored for this patient"
        raise InputError(
            "course_version",
            f"no such stored course version (known: {known})",
            version,
            "give the version the board read, or leave it empty",
        )


def _ordered(patient: Patient) -> Any:
    return (
        select(BoardDecisionRecord)
        .where(BoardDecisionRecord.patient_id == patient.id)
        .order_by(BoardDecisionRecord.board_date, BoardDecisionRecord.id)
    )


def decisions_of(session: Session, actor: User, patient: Patient) -> list[SignedDecision]:
    """Every signed decision of the patient, oldest board first (audited as a read)."""
    record_event(session, actor, "read", "board_decisions", patient.id, patient.id)
    rows: Sequence[BoardDecisionRecord] = session.scalars(_ordered(patient)).all()
    return [_signed(session, row) for row in rows]


def last_decision(
    session: Session, actor: User, patient: Patient, as_of: datetime | None = None
) -> SignedDecision | None:
    """The decision of the latest board (the last signed on that date), or None (audited).

    ``as_of``: only decisions signed at or before this time (a stored assessment shows the
    decision that was known when it was made); None: all.
    """
    query = select(BoardDecisionRecord).where(BoardDecisionRecord.patient_id == patient.id)
    if as_of is not None:
        query = query.where(BoardDecisionRecord.signed_at <= as_utc(as_of))
    query = query.order_by(
        BoardDecisionRecord.board_date.desc(), BoardDecisionRecord.id.desc()
    ).limit(1)
    row = session.scalars(query).first()
    if row is None:
        return None
    record_event(session, actor, "read", "board_decision", row.id, patient.id)
    return _signed(session, row)
