"""The audit hash chain: edits and deletions are found; on PostgreSQL the app cannot edit rows."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from hccrt.store import accounts, repository
from hccrt.store.audit import (
    RequestOrigin,
    grant_app_role,
    list_events,
    origin_of,
    session_ref,
    verify_chain,
)
from hccrt.store.db import make_engine, migrate, session_factory

APP_ROLE = "hccrt_test_app"


def app_role_url(owner: Engine) -> str:
    """The URL of the second role that scripts/ci_services.sh creates (same server and database)."""
    default = owner.url.set(username=APP_ROLE, password=APP_ROLE)
    return os.environ.get(
        "HCCRT_TEST_POSTGRES_APP_URL", default.render_as_string(hide_password=False)
    )


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        doc = accounts.create_user(opened, "dr.a", "correct horse battery", "clinician")
        with origin_of(RequestOrigin("192.0.2.7", session_ref("token"))):
            for label in ("HCC-1", "HCC-2", "HCC-3"):
                patient = repository.create_patient(opened, doc, label, {})
                repository.get_patient(opened, doc, patient.id)
        opened.commit()
        yield opened


def test_intact_chain_verifies_and_records_origin(session: Session) -> None:
    report = verify_chain(session)
    assert report.ok, report.problems
    assert (report.chained, report.unchained) == (7, 0)
    reads = [e for e in list_events(session) if e.action == "read"]
    assert {(e.client_addr, e.session_ref) for e in reads} == {("192.0.2.7", session_ref("token"))}
    assert len(session_ref("token")) == 16


def test_edited_row_is_found(session: Session) -> None:
    session.execute(text("UPDATE audit_events SET username = 'someone' WHERE chain_seq = 3"))
    session.commit()
    assert verify_chain(session).problems == ["seq 3: row changed after it was written (id 3)"]


def test_deleted_rows_are_found_in_the_middle_and_at_the_end(session: Session) -> None:
    session.execute(text("DELETE FROM audit_events WHERE chain_seq IN (4, 7)"))
    session.commit()
    assert verify_chain(session).problems == [
        "seq 5: 1 row(s) missing before it",
        "rows missing at the end: the chain has 7, the table 6",
    ]


def test_app_role_may_append_but_not_edit_audit_rows(session: Session) -> None:
    owner = session.get_bind()
    assert isinstance(owner, Engine)
    if owner.dialect.name != "postgresql":
        pytest.skip("table rights exist on PostgreSQL only")
    grant_app_role(owner, APP_ROLE)
    app = make_engine(app_role_url(owner))
    try:
        with session_factory(app)() as as_app:
            doc = accounts.create_user(as_app, "dr.b", "correct horse battery", "viewer")
            repository.get_patient(as_app, doc, 1)
            as_app.commit()
            for statement in ("UPDATE audit_events SET detail = 'x'", "DELETE FROM audit_events"):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    as_app.execute(text(statement))
                as_app.rollback()
        assert verify_chain(session).ok
    finally:
        app.dispose()
