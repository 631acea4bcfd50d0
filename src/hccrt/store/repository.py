"""Patient-data operations of the store, each one audited in the same transaction.

The functions add rows and audit events to the caller's SQLAlchemy session and flush; the caller
commits, so a result and its audit event are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from hccrt import __version__
from hccrt.errors import InputError
from hccrt.store.audit import record_event
from hccrt.store.files import StoredObject
from hccrt.store.models import (
    Assessment,
    Evaluation,
    FollowUp,
    Patient,
    PatientVersion,
    Upload,
    UploadFile,
    User,
    utcnow,
)


class NotFound(LookupError):
    """A requested object does not exist (HTTP 404 in the web app)."""


@dataclass(frozen=True)
class Provenance:
    """What produced a result: the rule-set version and the parameters (hccrt version added)."""

    ruleset_version: str
    parameters: dict[str, Any]


Owned = TypeVar("Owned", Assessment, Upload, Evaluation)
"""A row that belongs to one patient and is read by its id."""

_OBJECT_TYPES: dict[type[Any], str] = {
    Assessment: "assessment",
    Upload: "upload",
    Evaluation: "evaluation",
}


def _provenance_columns(provenance: Provenance) -> dict[str, Any]:
    return {
        "hccrt_version": __version__,
        "ruleset_version": provenance.ruleset_version,
        "parameters": provenance.parameters,
    }


def _add_audited(
    session: Session,
    actor: User,
    row: Patient | Assessment | Upload | Evaluation | FollowUp,
    object_type: str,
    patient_id: int | None,
    detail: str = "",
) -> None:
    """Add and flush ``row``, then record its creation (its id exists only after the flush)."""
    session.add(row)
    session.flush()
    record_event(session, actor, "create", object_type, row.id, patient_id, detail)


def _label_ok(label: str) -> str:
    label = label.strip()
    if not (1 <= len(label) <= 128):
        raise InputError("label", "must be 1-128 characters", label, "enter a case label")
    return label


def create_patient(session: Session, actor: User, label: str, record: dict[str, Any]) -> Patient:
    """Add a patient with a unique pseudonymous case label and a validated record (as JSON)."""
    label = _label_ok(label)
    if session.scalar(select(Patient.id).where(Patient.label == label)) is not None:
        raise InputError(
            "label",
            "a patient with this case label exists",
            label,
            "open the existing patient or choose another label",
        )
    patient = Patient(label=label, record=record, created_by=actor.id)
    session.add(patient)
    session.flush()
    _save_version(session, actor, patient)
    record_event(session, actor, "create", "patient", patient.id, patient.id)
    return patient


def _save_version(session: Session, actor: User, patient: Patient) -> PatientVersion:
    latest = session.scalar(
        select(func.max(PatientVersion.version)).where(PatientVersion.patient_id == patient.id)
    )
    version = PatientVersion(
        patient_id=patient.id,
        version=(latest or 0) + 1,
        label=patient.label,
        record=patient.record,
        saved_at=patient.updated_at,
        saved_by=actor.id,
    )
    session.add(version)
    session.flush()
    return version


def update_patient(session: Session, actor: User, patient: Patient, record: dict[str, Any]) -> None:
    """Replace a patient's record; the earlier states stay in ``patient_versions`` (audited)."""
    patient.record = record
    patient.updated_at = utcnow()
    session.flush()
    version = _save_version(session, actor, patient)
    record_event(
        session, actor, "update", "patient", patient.id, patient.id, f"version={version.version}"
    )


def patient_versions(session: Session, actor: User, patient: Patient) -> Sequence[PatientVersion]:
    """Every saved state of a patient's record, oldest first (audited as a read)."""
    record_event(session, actor, "read", "patient_versions", patient.id, patient.id)
    return session.scalars(
        select(PatientVersion)
        .where(PatientVersion.patient_id == patient.id)
        .order_by(PatientVersion.version)
    ).all()


def get_patient(session: Session, actor: User, patient_id: int) -> Patient:
    """Read one patient (audited). Raises ``LookupError`` if there is none."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} not found")
    record_event(session, actor, "read", "patient", patient.id, patient.id)
    return patient


def get_owned(session: Session, actor: User, model: type[Owned], object_id: int) -> Owned:
    """Read one assessment, upload or evaluation by id (audited with its patient).

    Raises :class:`NotFound` (``"<type> <id> not found"``) if there is none.
    """
    object_type = _OBJECT_TYPES[model]
    row = session.get(model, object_id)
    if row is None:
        raise NotFound(f"{object_type} {object_id} not found")
    record_event(session, actor, "read", object_type, row.id, row.patient_id)
    return row


MAX_PAGE_SIZE = 200


def like_escaped(text: str, escape: str = "\\") -> str:
    """``text`` with the LIKE wildcards ``%`` and ``_`` (and the escape character) escaped."""
    return (
        text.replace(escape, escape + escape).replace("%", escape + "%").replace("_", escape + "_")
    )


@dataclass(frozen=True)
class PatientPage:
    """One page of a patient search: ``(id, label, updated_at)`` rows and the total count."""

    rows: Sequence[tuple[int, str, Any]]
    total: int
    offset: int
    limit: int


def search_patients(
    session: Session, actor: User, query: str = "", offset: int = 0, limit: int = 50
) -> PatientPage:
    """Case labels containing ``query`` literally (case-insensitive), newest first, one page.

    Only ids, labels and the last change are read (no clinical record); each patient listed is
    audited by its own ``list`` row.

    Raises
    ------
    InputError
        ``offset`` negative, ``limit`` outside 1-:data:`MAX_PAGE_SIZE`.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InputError("limit", f"must be 1-{MAX_PAGE_SIZE}", limit, "ask for a smaller page")
    if offset < 0:
        raise InputError("offset", "must be 0 or more", offset, "start at 0")
    condition: ColumnElement[bool] = true()
    needle = query.strip().lower()
    if needle:
        condition = func.lower(Patient.label).like(f"%{like_escaped(needle)}%", escape="\\")
    total = session.scalar(select(func.count(Patient.id)).where(condition)) or 0
    rows = session.execute(
        select(Patient.id, Patient.label, Patient.updated_at)
        .where(condition)
        .order_by(Patient.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    for patient_id, _, _ in rows:
        record_event(session, actor, "list", "patient", patient_id, patient_id)
    return PatientPage([(r[0], r[1], r[2]) for r in rows], int(total), offset, limit)


def save_assessment(
    session: Session, actor: User, patient: Patient, result: dict[str, Any], provenance: Provenance
) -> Assessment:
    """Store an assessment of the patient's current record with its provenance."""
    row = Assessment(
        patient_id=patient.id,
        created_by=actor.id,
        record=patient.record,
        result=result,
        **_provenance_columns(provenance),
    )
    _add_audited(session, actor, row, "assessment", patient.id)
    return row


def save_upload(
    session: Session, actor: User, patient: Patient, files: Sequence[tuple[str, StoredObject]]
) -> Upload:
    """Record an upload whose files are already in the content store (``(name, object)`` pairs)."""
    if not files:
        raise InputError("files", "no DICOM file in the upload", 0, "choose files or a zip")
    upload = Upload(
        patient_id=patient.id,
        created_by=actor.id,
        file_count=len(files),
        total_bytes=sum(obj.size_bytes for _, obj in files),
    )
    upload.files = [
        UploadFile(position=i, sha256=obj.sha256, size_bytes=obj.size_bytes, name=name[:255])
        for i, (name, obj) in enumerate(files)
    ]
    _add_audited(session, actor, upload, "upload", patient.id, f"files={len(files)}")
    return upload


def save_evaluation(
    session: Session,
    actor: User,
    upload: Upload,
    result: dict[str, Any],
    provenance: Provenance,
    report_sha256: str | None,
    artifacts: dict[str, Any],
    error: str | None = None,
) -> Evaluation:
    """Store a plan evaluation (or its failure message) with provenance and report hash."""
    row = Evaluation(
        patient_id=upload.patient_id,
        upload_id=upload.id,
        created_by=actor.id,
        status="error" if error else "ok",
        error=error,
        result=result,
        report_sha256=report_sha256,
        artifacts=artifacts,
        **_provenance_columns(provenance),
    )
    _add_audited(session, actor, row, "evaluation", upload.patient_id, row.status)
    return row


def save_followup(
    session: Session,
    actor: User,
    patient: Patient,
    visit_date: str,
    record: dict[str, Any],
    result: dict[str, Any],
    provenance: Provenance,
) -> FollowUp:
    """Store a follow-up visit and its graded result."""
    row = FollowUp(
        patient_id=patient.id,
        visit_date=visit_date,
        created_by=actor.id,
        record=record,
        result=result,
        **_provenance_columns(provenance),
    )
    _add_audited(session, actor, row, "followup", patient.id)
    return row


def patient_history(
    session: Session, patient: Patient
) -> tuple[Sequence[Assessment], Sequence[Upload], Sequence[Evaluation], Sequence[FollowUp]]:
    """Assessments, uploads, evaluations (newest first) and follow-ups (by visit date)."""
    pid = patient.id
    return (
        session.scalars(
            select(Assessment).where(Assessment.patient_id == pid).order_by(Assessment.id.desc())
        ).all(),
        session.scalars(
            select(Upload).where(Upload.patient_id == pid).order_by(Upload.id.desc())
        ).all(),
        session.scalars(
            select(Evaluation).where(Evaluation.patient_id == pid).order_by(Evaluation.id.desc())
        ).all(),
        session.scalars(
            select(FollowUp)
            .where(FollowUp.patient_id == pid)
            .order_by(FollowUp.visit_date, FollowUp.id)
        ).all(),
    )
