"""The patient course in the store: every saved state kept as a numbered version (audited).

A course is validated (:func:`hccrt.clinical.course.parse_course`) before it is stored; each
save adds version n + 1 and the earlier states stay readable. Table ``patient_courses``
(migration 0005).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hccrt.store.audit import record_event
from hccrt.store.models import CourseVersion, Patient, User

__all__ = ["CourseVersion", "course_versions", "latest_course", "save_course"]


def save_course(
    session: Session, actor: User, patient: Patient, course: dict[str, Any]
) -> CourseVersion:
    """Validate ``course`` and store it as the patient's next course version (audited).

    Raises
    ------
    ClinicalInputError
        When ``course`` is not a valid course record (one line, see docs/course-schema.json).
    """
    from hccrt.clinical.course import parse_course

    valid = parse_course(course)
    if valid.patient_id and patient.record.get("patient_id") not in (None, valid.patient_id):
        from hccrt.errors import ClinicalInputError

        raise ClinicalInputError(
            "course.patient_id",
            f"differs from the stored patient's {patient.record.get('patient_id')}",
            valid.patient_id,
            "store the course with its own patient",
        )
    latest = session.scalar(
        select(func.max(CourseVersion.version)).where(CourseVersion.patient_id == patient.id)
    )
    row = CourseVersion(
        patient_id=patient.id,
        version=(latest or 0) + 1,
        course=valid.model_dump(mode="json"),
        saved_by=actor.id,
    )
    session.add(row)
    session.flush()
    action = "create" if row.version == 1 else "update"
    record_event(session, actor, action, "course", row.id, patient.id, f"version={row.version}")
    return row


def course_versions(session: Session, actor: User, patient: Patient) -> Sequence[CourseVersion]:
    """Every saved state of the patient's course, oldest first (audited as a read)."""
    record_event(session, actor, "read", "course_versions", patient.id, patient.id)
    return session.scalars(
        select(CourseVersion)
        .where(CourseVersion.patient_id == patient.id)
        .order_by(CourseVersion.version)
    ).all()


def latest_course(session: Session, actor: User, patient: Patient) -> Any:
    """The latest stored course as a :class:`~hccrt.clinical.course.PatientCourse`, or None."""
    from hccrt.clinical.course import parse_course

    row = session.scalars(
        select(CourseVersion)
        .where(CourseVersion.patient_id == patient.id)
        .order_by(CourseVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    record_event(session, actor, "read", "course", row.id, patient.id, f"version={row.version}")
    return parse_course(row.course)
