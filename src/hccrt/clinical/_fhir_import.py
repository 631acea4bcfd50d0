"""Read a patient record from a FHIR R4/R4B Bundle: map what is known, refuse what is not.

Nothing is guessed: an Observation, Condition or Procedure whose code has no mapping, a lab in a
unit that has none, a Bundle without exactly one Patient are errors that name the resource; the
facts that are mapped but not used by the record (platelets, AFP, the EHR's own stage) are
listed in the import's notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from hccrt.clinical._fhir_codes import (
    CIRRHOSIS_CODES,
    ECOG_ANSWERS,
    HCC_CODES,
    HCCRT_SYSTEM,
    INTEGER_FIELDS,
    LAB_BY_LOINC,
    LOINC,
    ULN_FIELD,
    LabCode,
)
from hccrt.clinical._fhir_values import decode_value
from hccrt.clinical.patient import PatientRecord, parse_patient
from hccrt.errors import ClinicalInputError

_SKIPPED_STATUS = {"entered-in-error", "cancelled", "not-done"}


@dataclass(frozen=True)
class FhirImport:
    """A record read from a Bundle, with what the reading noted.

    Attributes
    ----------
    record
        The validated patient record.
    notes
        Values converted, repeated values resolved to the latest, facts ignored and why.
    """

    record: PatientRecord
    notes: tuple[str, ...]


def _codings(element: dict[str, Any] | None) -> list[tuple[str, str]]:
    codings = (element or {}).get("coding", [])
    return [(str(c.get("system", "")), str(c.get("code", ""))) for c in codings]


def _where(resource: dict[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id', '?')}"


def _code_text(element: dict[str, Any] | None) -> str:
    return ", ".join(f"{system}|{code}" for system, code in _codings(element)) or "no coding"


def _hccrt_field(element: dict[str, Any] | None) -> str | None:
    return next((code for system, code in _codings(element) if system == HCCRT_SYSTEM), None)


class _Reader:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.dates: dict[str, str] = {}
        self.notes: list[str] = []
        self.unmapped: list[str] = []
        self.tumors: list[dict[str, Any]] = []
        self.sites: list[dict[str, Any]] = []
        self.treatments: list[dict[str, Any]] = []
        self.comorbidities: list[str] = []

    def put(self, field: str, value: Any, when: str, where: str) -> None:
        if field in self.data and when <= self.dates[field]:
            self.notes.append(f"{where}: older {field} not used (a later value exists)")
            return
        if field in self.data:
            self.notes.append(f"{field}: the latest value ({when or 'undated'}) is used")
        self.data[field] = value
        self.dates[field] = when

    def lab(self, lab: LabCode, resource: dict[str, Any], where: str) -> None:
        when = str(resource.get("effectiveDateTime", ""))
        value: Any
        if lab.loinc == "89247-1" and "valueCodeableConcept" in resource:
            answers = [
                ECOG_ANSWERS.get(code)
                for system, code in _codings(resource["valueCodeableConcept"])
                if system == LOINC
            ]
            value = next((a for a in answers if a is not None), None)
            if value is None:
                raise ClinicalInputError(
                    f"{where}.valueCodeableConcept",
                    "not an ECOG answer code (LA9622-7 ... LA9627-6)",
                    None,
                    "give 0-5",
                )
        elif "valueInteger" in resource:
            value = resource["valueInteger"]
        elif "valueQuantity" in resource:
            value = self._quantity(lab, resource["valueQuantity"], where)
        else:
            raise ClinicalInputError(f"{where}.value[x]", "no value", None, "add valueQuantity")
        if lab.field is None:
            self.notes.append(f"{where}: {lab.display} = {value} (not a fact of the hccrt record)")
            return
        if lab.field in INTEGER_FIELDS and isinstance(value, float) and value.is_integer():
            value = int(value)
        self.put(lab.field, value, when, where)
        high = ((resource.get("referenceRange") or [{}])[0]).get("high")
        if lab.field in ULN_FIELD and high is not None:
            self.put(ULN_FIELD[lab.field], self._quantity(lab, high, where), when, where)

    def _quantity(self, lab: LabCode, quantity: dict[str, Any], where: str) -> float:
        unit = str(quantity.get("code", quantity.get("unit", "")))
        if unit not in lab.units:
            known = ", ".join(repr(u) for u in lab.units if u)
            raise ClinicalInputError(
                f"{where}.valueQuantity.code",
                f"unit not mapped for LOINC {lab.loinc} ({lab.display})",
                unit,
                f"give the value in UCUM {known}",
            )
        value = quantity.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ClinicalInputError(f"{where}.valueQuantity.value", "must be a number", value)
        factor = lab.units[unit]
        if factor != 1.0:
            self.notes.append(
                f"{where}: {value} {unit} converted to {value / factor:.4g} (÷ {factor:g})"
            )
        return float(value) / factor

    def observation(self, resource: dict[str, Any], where: str) -> None:
        field = _hccrt_field(resource.get("code"))
        lab = next(
            (
                LAB_BY_LOINC[c]
                for s, c in _codings(resource.get("code"))
                if s == LOINC and c in LAB_BY_LOINC
            ),
            None,
        )
        if lab is not None:
            self.lab(lab, resource, where)
        elif field in ("tumor", "vascular_invasion", "extrahepatic_disease"):
            parts = {
                str(_hccrt_field(c.get("code"))): decode_value(
                    str(_hccrt_field(c.get("code"))), c, where
                )
                for c in resource.get("component", [])
            }
            if field == "tumor":
                self.tumors.append(parts)
            elif field == "vascular_invasion":
                self.put(field, parts, "", where)
            elif parts:
                self.sites.append(parts)
            else:
                self.data.setdefault("extrahepatic_disease", [])
        elif field is not None and field in PatientRecord.model_fields:
            self.put(field, decode_value(field, resource, where), "", where)
        else:
            self.unmapped.append(f"{where} ({_code_text(resource.get('code'))})")

    def condition(self, resource: dict[str, Any], where: str) -> None:
        codes = set(_codings(resource.get("code")))
        refuted = ("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted") in set(
            _codings(resource.get("verificationStatus"))
        )
        for stage in resource.get("stage", []):
            summary = stage.get("summary", {})
            self.notes.append(
                f"{where}: the EHR's stage {summary.get('text') or _codings(summary)}"
                " is noted; hccrt stages from the record's facts"
            )
        if codes & HCC_CODES:
            if not refuted:
                self.put("histology", "HCC", "", where)
        elif codes & CIRRHOSIS_CODES:
            self.put("cirrhosis", not refuted, "", where)
        elif not codes and resource.get("code", {}).get("text"):
            self.comorbidities.append(str(resource["code"]["text"]))
        else:
            self.unmapped.append(f"{where} ({_code_text(resource.get('code'))})")

    def procedure(self, resource: dict[str, Any], where: str) -> None:
        kind = _hccrt_field(resource.get("code"))
        if kind is None:
            self.unmapped.append(f"{where} ({_code_text(resource.get('code'))})")
            return
        treatment: dict[str, Any] = {"kind": kind, "date": resource.get("performedDateTime")}
        outcome = _hccrt_field(resource.get("outcome"))
        if outcome is not None:
            treatment["outcome"] = outcome
        for extension in resource.get("extension", []):
            if extension.get("url") == f"{HCCRT_SYSTEM}#margin_positive":
                treatment["margin_positive"] = extension.get("valueBoolean")
        notes = [n.get("text", "") for n in resource.get("note", [])]
        if any(notes):
            treatment["notes"] = " ".join(n for n in notes if n)
        self.treatments.append(treatment)


def _patient(resources: list[dict[str, Any]]) -> dict[str, Any]:
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise ClinicalInputError(
            "Bundle.entry",
            "needs exactly one Patient resource",
            f"{len(patients)} Patients",
            "export the bundle for one patient (Patient plus their Observations/Conditions)",
        )
    return patients[0]


def record_from_bundle(bundle: dict[str, Any], today: date | None = None) -> FhirImport:
    """Map a FHIR R4/R4B Bundle (a JSON object) to a validated patient record.

    Parameters
    ----------
    bundle
        ``{"resourceType": "Bundle", ...}`` with one Patient and their Observations (LOINC labs
        in UCUM units, ECOG, KPS), Conditions (HCC, cirrhosis, comorbidities, stage) and
        Procedures (prior treatments).
    today
        Date the age is computed at when only ``Patient.birthDate`` gives it (default: today).

    Returns
    -------
    FhirImport

    Raises
    ------
    ClinicalInputError
        Not a valid FHIR R4B Bundle, not exactly one Patient, codes or units with no mapping,
        values the record refuses.
    """
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ClinicalInputError(
            f"Bundle.{where}",
            f"not valid FHIR R4B ({first['msg']})",
            first.get("input"),
            "see docs/fhir.md",
        ) from None
    resources = [e.get("resource", {}) for e in bundle.get("entry", [])]
    patient = _patient(resources)
    reader = _Reader()
    identifiers = [i.get("value") for i in patient.get("identifier", []) if i.get("value")]
    reader.data["patient_id"] = identifiers[0] if identifiers else patient.get("id")
    names = patient.get("name", [])
    if names:
        name = names[0]
        reader.data["name"] = (
            name.get("text") or " ".join([*name.get("given", []), name.get("family", "")]).strip()
        )
    for resource in resources:
        where = _where(resource)
        kind = resource.get("resourceType")
        if kind == "Patient":
            continue
        if resource.get("status") in _SKIPPED_STATUS:
            reader.notes.append(f"{where}: status {resource['status']}, not used")
        elif kind == "Observation":
            reader.observation(resource, where)
        elif kind == "Condition":
            reader.condition(resource, where)
        elif kind == "Procedure":
            reader.procedure(resource, where)
        else:
            reader.notes.append(f"{where}: resource type {kind} not used by the hccrt record")
    if reader.unmapped:
        raise ClinicalInputError(
            "Bundle.entry",
            "codes with no mapping to the hccrt record",
            "; ".join(reader.unmapped),
            "remove those resources or code them as docs/fhir.md lists (nothing is guessed)",
        )
    if "age_years" not in reader.data and patient.get("birthDate"):
        born = date.fromisoformat(str(patient["birthDate"])[:10])
        now = today or date.today()
        age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
        reader.data["age_years"] = age
        reader.notes.append(f"age {age} years from Patient.birthDate at {now.isoformat()}")
    data = dict(reader.data)
    if reader.tumors:
        data["tumors"] = reader.tumors
    if reader.sites:
        data["extrahepatic_disease"] = reader.sites
    if reader.treatments:
        data["prior_treatments"] = reader.treatments
    if reader.comorbidities:
        data["comorbidities"] = reader.comorbidities
    return FhirImport(parse_patient(data), tuple(reader.notes))
