"""The patient course in the store: versions kept, validated, audited (both backends)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from hccrt.errors import ClinicalInputError
from hccrt.store import accounts, repository
from hccrt.store.audit import list_events
from hccrt.store.courses import course_versions, latest_course, save_course
from hccrt.store.db import downgrade, migrate, session_factory

PASSWORD = "correct horse battery"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "courses" / "reirradiation.json"


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        yield opened


def test_each_save_is_a_new_version_and_the_latest_is_read_back(session: Session) -> None:
    doc = accounts.create_user(session, "dr.c", PASSWORD, "clinician")
    patient = repository.create_patient(
        session, doc, "HCC-C1", {"patient_id": "COURSE-REIRRADIATION"}
    )
    course = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    first = save_course(session, doc, patient, course)
    course["events"] = course["events"][:-1]  # the planned course dropped
    second = save_course(session, doc, patient, course)
    session.commit()
    assert (first.version, second.version) == (1, 2)
    versions = course_versions(session, doc, patient)
    assert [len(v.course["events"]) for v in versions] == [6, 5]
    latest = latest_course(session, doc, patient)
    assert latest is not None
    assert len(latest.events) == 5
    session.commit()
    seen = [
        (e.action, e.object_type, e.detail) for e in list_events(session, patient_id=patient.id)
    ]
    assert ("create", "course", "version=1") in seen
    assert ("update", "course", "version=2") in seen
    assert ("read", "course_versions", "") in seen


def test_an_invalid_course_is_refused_and_nothing_is_stored(session: Session) -> None:
    doc = accounts.create_user(session, "dr.c", PASSWORD, "clinician")
    patient = repository.create_patient(session, doc, "HCC-C2", {})
    bad = {
        "events": [{"kind": "tace", "date": "2026-02-01"}, {"kind": "tace", "date": "2026-01-01"}]
    }
    with pytest.raises(ClinicalInputError, match=r"events\.1\.date=2026-01-01: before events\.0"):
        save_course(session, doc, patient, bad)
    assert latest_course(session, doc, patient) is None


def test_a_course_of_another_patient_is_refused(session: Session) -> None:
    doc = accounts.create_user(session, "dr.c", PASSWORD, "clinician")
    patient = repository.create_patient(session, doc, "HCC-C3", {"patient_id": "EX-001"})
    course = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with pytest.raises(
        ClinicalInputError, match=r"course\.patient_id=COURSE-REIRRADIATION: differs"
    ):
        save_course(session, doc, patient, course)


def test_migration_0005_adds_and_removes_the_course_table(empty_engine: Engine) -> None:
    migrate(empty_engine)
    assert "patient_courses" in inspect(empty_engine).get_table_names()
    downgrade(empty_engine, "0004")
    assert "patient_courses" not in inspect(empty_engine).get_table_names()
    migrate(empty_engine)
