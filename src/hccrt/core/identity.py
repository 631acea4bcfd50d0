"""Who and what a report is about: the patient identity and plan dates read from the DICOM.

:func:`hccrt.dicom.identity.read_identity` fills a :class:`PatientIdentity` from the headers of a
case's files; the report (:mod:`hccrt.report`) prints it in its identity header, or the
de-identified label when the data carry no name, ID or birth date.
"""

from __future__ import annotations

from dataclasses import dataclass

DEIDENTIFIED = "de-identified"
"""What the report shows for an identity field the data do not carry."""


def person_name(value: object) -> str:
    """A DICOM Person Name ``FAMILY^Given^Middle`` as ``"FAMILY, Given Middle"``."""
    parts = [p.strip() for p in str(value or "").split("^")]
    family, given = parts[0], " ".join(p for p in parts[1:] if p)
    return ", ".join(p for p in (family, given) if p)


@dataclass(frozen=True)
class PatientIdentity:
    """Patient and plan identity of a report (every field ``""`` when not recorded).

    Attributes
    ----------
    patient_name
        DICOM Patient's Name as ``FAMILY^Given`` components joined as ``"FAMILY, Given"``.
    patient_id
        DICOM Patient ID.
    birth_date
        ISO date ``YYYY-MM-DD`` (DICOM Patient's Birth Date).
    institution
        DICOM Institution Name.
    plan_label
        RT Plan Label.
    plan_date
        ISO date of the plan (RT Plan Date, else Structure Set Date, else Study Date).
    plan_date_source
        Which attribute gave ``plan_date``.
    source
        Where the identity was read (file names), for the report.
    """

    patient_name: str = ""
    patient_id: str = ""
    birth_date: str = ""
    institution: str = ""
    plan_label: str = ""
    plan_date: str = ""
    plan_date_source: str = ""
    source: str = ""

    @property
    def is_deidentified(self) -> bool:
        """True when the data carry neither a patient name nor a patient ID."""
        return not (self.patient_name or self.patient_id)

    def shown(self, field: str) -> str:
        """The value printed for ``field``: its value, else the de-identified label."""
        value = str(getattr(self, field))
        return value or DEIDENTIFIED

    def merged(self, other: PatientIdentity) -> PatientIdentity:
        """This identity with its empty fields taken from ``other``."""
        fields = self.__dataclass_fields__
        return PatientIdentity(**{f: getattr(self, f) or getattr(other, f) for f in fields})
