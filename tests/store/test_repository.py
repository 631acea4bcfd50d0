"""Accounts, sessions, patient operations and the audit trail, on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hccrt import __version__
from hccrt.errors import InputError
from hccrt.store import accounts, repository
from hccrt.store.accounts import Permission, allowed
from hccrt.store.audit import list_events
from hccrt.store.db import migrate, session_factory
from hccrt.store.files import StoredObject
from hccrt.store.models import Assessment, Evaluation, LoginSession, Upload, utcnow

PASSWORD = "correct horse battery"


@pytest.fixture
def session(empty_engine: Engine) -> Iterator[Session]:
    migrate(empty_engine)
    with session_factory(empty_engine)() as opened:
        yield opened


def test_password_hash_is_argon2_and_verifies(session: Session) -> None:
    user = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    session.commit()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert accounts.authenticate(session, "dr.a", PASSWORD) is not None
    assert accounts.authenticate(session, "dr.a", "wrong password!") is None
    assert accounts.authenticate(session, "nobody", PASSWORD) is None
    session.commit()
    actions = [(e.username, e.action) for e in list_events(session)]
    assert ("dr.a", "login") in actions
    assert ("nobody", "login_failed") in actions


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [
        ("ab", PASSWORD, "viewer", "must be 3-64"),
        ("a b c", PASSWORD, "viewer", "must be 3-64"),
        ("okname", "short", "viewer", "shorter than 12 characters"),
        ("okname", PASSWORD, "superuser", "unknown role"),
    ],
)
def test_bad_accounts_refused(
    session: Session, username: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        accounts.create_user(session, username, password, role)


def test_duplicate_user_refused(session: Session) -> None:
    accounts.create_user(session, "dr.a", PASSWORD, "viewer")
    with pytest.raises(InputError, match="already exists"):
        accounts.create_user(session, "dr.a", PASSWORD, "viewer")


def test_role_permissions() -> None:
    assert allowed("viewer", Permission.read)
    assert not allowed("viewer", Permission.edit_patient)
    assert not allowed("viewer", Permission.upload)
    assert allowed("physicist", Permission.upload)
    assert not allowed("physicist", Permission.edit_patient)
    assert allowed("clinician", Permission.edit_patient)
    assert not allowed("clinician", Permission.export_dicom)
    assert not allowed("clinician", Permission.admin)
    assert all(allowed("admin", p) for p in Permission)


def test_sessions_resolve_expire_and_close(session: Session) -> None:
    user = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    token, login = accounts.open_session(session, user)
    session.commit()
    resolved = accounts.resolve_session(session, token)
    assert resolved is not None
    assert resolved.user.username == "dr.a"
    assert accounts.resolve_session(session, token + "x") is None
    login.expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    assert accounts.resolve_session(session, token) is None
    token2, _ = accounts.open_session(session, user)  # removes the expired session
    session.commit()
    assert session.query(LoginSession).count() == 1
    accounts.close_session(session, token2)
    session.commit()
    assert session.query(LoginSession).count() == 0
    user.active = False
    token2, _ = accounts.open_session(session, user)
    session.commit()
    assert accounts.resolve_session(session, token2) is None


def test_patient_results_record_provenance_and_audit(session: Session) -> None:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    viewer = accounts.create_user(session, "viewer1", PASSWORD, "viewer")
    patient = repository.create_patient(session, doc, "HCC-001", {"bilirubin_mg_dl": 1.1})
    prov = repository.Provenance("rules-2026.1", {"protocol": "hcc_sbrt_3fx"})
    assessment = repository.save_assessment(session, doc, patient, {"ok": True}, prov)
    upload = repository.save_upload(
        session,
        doc,
        patient,
        [("a.dcm", StoredObject("a" * 64, 10)), ("b.dcm", StoredObject("b" * 64, 5))],
    )
    evaluation = repository.save_evaluation(
        session, doc, upload, {"verdict": "pass"}, prov, None, {}
    )
    followup = repository.save_followup(session, doc, patient, "2026-12-01", {}, {"rild": {}}, prov)
    session.commit()
    for row in (assessment, evaluation, followup):
        assert row.hccrt_version == __version__
        assert row.ruleset_version == "rules-2026.1"
        assert row.parameters == {"protocol": "hcc_sbrt_3fx"}
    assert upload.file_count == 2
    assert upload.total_bytes == 15
    assert [f.name for f in upload.files] == ["a.dcm", "b.dcm"]

    repository.get_patient(session, viewer, patient.id)
    session.commit()
    seen = [
        (e.username, e.action, e.object_type) for e in list_events(session, patient_id=patient.id)
    ]
    assert ("viewer1", "read", "patient") in seen
    assert ("dr.a", "create", "evaluation") in seen
    assert all("HCC-001" not in e.detail for e in list_events(session))
    history = repository.patient_history(session, patient)
    assert [len(part) for part in history] == [1, 1, 1, 1]


def test_get_owned_reads_by_id_with_its_patient_and_audits(session: Session) -> None:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    patient = repository.create_patient(session, doc, "HCC-001", {})
    prov = repository.Provenance("rules-2026.1", {})
    assessment = repository.save_assessment(session, doc, patient, {}, prov)
    upload = repository.save_upload(session, doc, patient, [("a.dcm", StoredObject("a" * 64, 1))])
    evaluation = repository.save_evaluation(session, doc, upload, {}, prov, None, {})
    session.commit()
    assert repository.get_owned(session, doc, Assessment, assessment.id) is assessment
    assert repository.get_owned(session, doc, Upload, upload.id) is upload
    assert repository.get_owned(session, doc, Evaluation, evaluation.id) is evaluation
    session.commit()
    reads = [
        (e.object_type, e.object_id, e.patient_id)
        for e in list_events(session, patient_id=patient.id)
        if e.action == "read"
    ]
    assert sorted(reads) == sorted(
        [
            ("assessment", assessment.id, patient.id),
            ("upload", upload.id, patient.id),
            ("evaluation", evaluation.id, patient.id),
        ]
    )
    for model, name in ((Assessment, "assessment"), (Upload, "upload"), (Evaluation, "evaluation")):
        with pytest.raises(repository.NotFound, match=f"^{name} 999 not found$"):
            repository.get_owned(session, doc, model, 999)


def test_patient_search_and_duplicates(session: Session) -> None:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    for label in ("HCC-001", "HCC-002", "ICC-003"):
        repository.create_patient(session, doc, label, {})
    session.commit()
    assert [label for _, label, _ in repository.search_patients(session, doc, "hcc").rows] == [
        "HCC-002",
        "HCC-001",
    ]
    assert repository.search_patients(session, doc).total == 3
    with pytest.raises(InputError, match="a patient with this case label exists"):
        repository.create_patient(session, doc, "HCC-001", {})
    with pytest.raises(InputError, match="must be 1-128"):
        repository.create_patient(session, doc, "  ", {})
    with pytest.raises(LookupError, match="patient 999 not found"):
        repository.get_patient(session, doc, 999)
    with pytest.raises(InputError, match="no DICOM file"):
        repository.save_upload(session, doc, repository.get_patient(session, doc, 1), [])


def test_search_is_literal_paged_and_audits_each_patient_listed(session: Session) -> None:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    for label in ("A_1", "AB1", "100%", "1000", "C\\D", "CxD"):
        repository.create_patient(session, doc, label, {})
    session.commit()

    def labels(query: str) -> list[str]:
        return [label for _, label, _ in repository.search_patients(session, doc, query).rows]

    assert labels("_") == ["A_1"]  # not "any one character"
    assert labels("%") == ["100%"]  # not "anything"
    assert labels("\\") == ["C\\D"]
    assert labels("0%") == ["100%"]

    first = repository.search_patients(session, doc, offset=0, limit=4)
    second = repository.search_patients(session, doc, offset=4, limit=4)
    assert (first.total, len(first.rows), len(second.rows)) == (6, 4, 2)
    assert {r[0] for r in first.rows}.isdisjoint({r[0] for r in second.rows})
    session.commit()
    listed = [e.patient_id for e in list_events(session) if e.action == "list"]
    assert sorted(listed[: len(second.rows)]) == sorted(r[0] for r in second.rows)
    with pytest.raises(InputError, match="limit=500: must be 1-200"):
        repository.search_patients(session, doc, limit=500)


def test_record_edits_keep_every_earlier_version(session: Session) -> None:
    doc = accounts.create_user(session, "dr.a", PASSWORD, "clinician")
    patient = repository.create_patient(session, doc, "HCC-9", {"bilirubin_mg_dl": 1.0})
    repository.update_patient(session, doc, patient, {"bilirubin_mg_dl": 2.5})
    repository.update_patient(session, doc, patient, {"bilirubin_mg_dl": 3.1})
    session.commit()
    versions = repository.patient_versions(session, doc, patient)
    assert [(v.version, v.record["bilirubin_mg_dl"]) for v in versions] == [
        (1, 1.0),
        (2, 2.5),
        (3, 3.1),
    ]
    assert patient.record == {"bilirubin_mg_dl": 3.1}


def test_default_password_profile_is_rfc9106_low_memory(session: Session) -> None:
    accounts.use_password_profile("rfc9106-low-memory")
    user = accounts.create_user(session, "dr.slow", PASSWORD, "viewer")
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    accounts.use_password_profile("cheapest-for-tests")
    assert accounts.verify_password(user.password_hash, PASSWORD)
    with pytest.raises(InputError, match="password profile=md5: unknown"):
        accounts.use_password_profile("md5")
