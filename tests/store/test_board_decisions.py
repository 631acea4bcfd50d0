"""Signed tumour-board decisions: password re-entry, audit, immutability (both backends).

Issue 16, item 7: "The board's decision is recorded with who decided, who dissented and why.
'Signed' means the user re-authenticates ..., and the record is audited and then immutable."
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, inspect, text, update
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import Session

from hccrt.errors import ClinicalInputError, InputError
from hccrt.store import accounts, repository
from hccrt.store.audit import grant_app_role, list_events, verify_chain
from hccrt.store.board_decisions import (
    BoardDecisionRecord,
    ImmutableRecord,
    decisions_of,
    last_decision,
    sign_decision,
)
from hccrt.store.db import downgrade, make_engine, migrate, session_factory
from hccrt.store.models import Patient, User
from tests.store.test_audit import APP_ROLE, app_role_url

PASSWORD = "correct horse battery"
DECISION: dict[str, Any] = {
    "board_date": "2026-05-20",
    "decision": "SBRT 5 x 8 Gy to the 4 cm segment VII lesion after two TACE sessions",
    "rationale": "Child-Pugh A6, single lesion, incomplete lipiodol deposition after TACE",
    "decided_by": ["Dr A (radiation oncology)", "Dr B (hepatology)"],
    "dissent": [{"member": "Dr C (surgery)", "reason": "prefers resection: tumour on the surface"}],
}


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        yield opened


def _patient(session: Session) -> tuple[Any, Any]:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    patient = repository.create_patient(session, doc, "HCC-B1", {})
    return doc, patient


def test_a_signed_decision_keeps_who_decided_who_dissented_and_why(session: Session) -> None:
    doc, patient = _patient(session)
    signed = sign_decision(session, doc, PASSWORD, patient, DECISION)
    session.commit()
    back = last_decision(session, doc, patient)
    assert back is not None
    assert back.id == signed.id
    assert back.signed_by == "dr.a"
    assert back.decision.decided_by == ("Dr A (radiation oncology)", "Dr B (hepatology)")
    assert back.decision.dissent[0].member == "Dr C (surgery)"
    assert "resection" in back.decision.dissent[0].reason
    assert "signed by dr.a" in back.summary()
    assert back.as_json()["dissent"][0]["reason"].startswith("prefers resection")
    session.commit()
    seen = [(e.action, e.object_type, e.detail) for e in list_events(session)]
    assert ("reauth", "user", "sign_board_decision") in seen
    assert ("sign", "board_decision", "") in seen
    assert verify_chain(session).ok


def test_a_wrong_password_signs_nothing_and_is_audited(session: Session) -> None:
    doc, patient = _patient(session)
    with pytest.raises(InputError, match=r"password=\(hidden\): wrong; type your own password"):
        sign_decision(session, doc, "not my password", patient, DECISION)
    session.commit()
    assert last_decision(session, doc, patient) is None
    seen = [(e.action, e.detail) for e in list_events(session)]
    assert ("reauth_failed", "sign_board_decision") in seen


def test_a_viewer_may_not_sign(session: Session) -> None:
    _, patient = _patient(session)
    viewer = accounts.create_user(session, "viewer1", PASSWORD, "viewer")
    with pytest.raises(InputError, match=r"role=viewer: may not sign a board decision"):
        sign_decision(session, viewer, PASSWORD, patient, DECISION)


def test_an_invalid_decision_is_refused_in_words(session: Session) -> None:
    doc, patient = _patient(session)
    no_members = {**DECISION, "decided_by": []}
    with pytest.raises(ClinicalInputError, match=r"decided_by=\[\]: no member named; name who"):
        sign_decision(session, doc, PASSWORD, patient, no_members)
    both = {**DECISION, "dissent": [{"member": "Dr A (radiation oncology)", "reason": "x"}]}
    with pytest.raises(ClinicalInputError, match=r"dissent\.member=.*also listed in decided_by"):
        sign_decision(session, doc, PASSWORD, patient, both)
    silent = {**DECISION, "dissent": [{"member": "Dr C", "reason": " "}]}
    with pytest.raises(ClinicalInputError, match=r"dissent\.reason: empty; say why"):
        sign_decision(session, doc, PASSWORD, patient, silent)
    with pytest.raises(ClinicalInputError, match=r"course_version=True: must be a number"):
        sign_decision(session, doc, PASSWORD, patient, {**DECISION, "course_version": True})
    with pytest.raises(InputError, match=r"course_version=1: no such stored course version"):
        sign_decision(session, doc, PASSWORD, patient, {**DECISION, "course_version": 1})


def test_the_last_decision_is_the_latest_board(session: Session) -> None:
    doc, patient = _patient(session)
    later = {**DECISION, "board_date": "2026-07-01", "decision": "Second SBRT course"}
    sign_decision(session, doc, PASSWORD, patient, later)
    sign_decision(session, doc, PASSWORD, patient, DECISION)  # an earlier board, signed late
    session.commit()
    last = last_decision(session, doc, patient)
    assert last is not None
    assert last.decision.decision == "Second SBRT course"
    dates = [d.decision.board_date.isoformat() for d in decisions_of(session, doc, patient)]
    assert dates == ["2026-05-20", "2026-07-01"]


def test_a_stored_assessment_sees_only_the_decisions_signed_before_it(session: Session) -> None:
    doc, patient = _patient(session)
    signed = sign_decision(session, doc, PASSWORD, patient, DECISION)
    session.commit()
    before = signed.signed_at - dt.timedelta(seconds=1)
    assert last_decision(session, doc, patient, as_of=before) is None
    after = last_decision(session, doc, patient, as_of=signed.signed_at + dt.timedelta(seconds=1))
    assert after is not None
    assert after.id == signed.id


def test_the_app_role_may_add_decisions_but_not_change_them(session: Session) -> None:
    owner = session.get_bind()
    assert isinstance(owner, Engine)
    if owner.dialect.name != "postgresql":
        pytest.skip("table rights exist on PostgreSQL only")
    doc, patient = _patient(session)
    session.commit()
    grant_app_role(owner, APP_ROLE)
    app = make_engine(app_role_url(owner))
    try:
        with session_factory(app)() as as_app:
            signer = as_app.get(User, doc.id)
            stored = as_app.get(Patient, patient.id)
            assert signer is not None
            assert stored is not None
            sign_decision(as_app, signer, PASSWORD, stored, DECISION)
            as_app.commit()
            for statement in (
                "UPDATE board_decisions SET board_date = 'x'",
                "DELETE FROM board_decisions",
            ):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    as_app.execute(text(statement))
                as_app.rollback()
    finally:
        app.dispose()


def test_a_signed_decision_cannot_be_changed_through_the_orm(session: Session) -> None:
    doc, patient = _patient(session)
    signed = sign_decision(session, doc, PASSWORD, patient, DECISION)
    session.commit()
    row = session.get(BoardDecisionRecord, signed.id)
    assert row is not None
    row.decision = {**row.decision, "decision": "Resection"}
    with pytest.raises(ImmutableRecord, match=r"cannot be changed or deleted; record and sign"):
        session.flush()
    session.rollback()
    row = session.get(BoardDecisionRecord, signed.id)
    session.delete(row)
    with pytest.raises(ImmutableRecord, match=r"cannot be changed or deleted"):
        session.flush()
    session.rollback()
    again = last_decision(session, doc, patient)
    assert again is not None
    assert again.decision.decision.startswith("SBRT")


def test_the_database_refuses_update_and_delete_by_sql(session: Session) -> None:
    doc, patient = _patient(session)
    signed = sign_decision(session, doc, PASSWORD, patient, DECISION)
    session.commit()
    statements = [
        update(BoardDecisionRecord)
        .where(BoardDecisionRecord.id == signed.id)
        .values(board_date="2026-01-01"),
        delete(BoardDecisionRecord).where(BoardDecisionRecord.id == signed.id),
        text("DELETE FROM board_decisions"),
    ]
    for statement in statements:
        with pytest.raises(DBAPIError, match="board_decisions rows are immutable"):
            session.execute(statement)
        session.rollback()
    assert last_decision(session, doc, patient) is not None


def test_migration_0006_adds_and_removes_the_decision_table(empty_engine: Engine) -> None:
    migrate(empty_engine)
    assert "board_decisions" in inspect(empty_engine).get_table_names()
    downgrade(empty_engine, "0005")
    assert "board_decisions" not in inspect(empty_engine).get_table_names()
    migrate(empty_engine)
    assert "board_decisions" in inspect(empty_engine).get_table_names()
