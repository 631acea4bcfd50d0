"""Write a patient record as a FHIR R4B collection Bundle (validated by fhir.resources)."""

from __future__ import annotations

from typing import Any

from hccrt.clinical._fhir_codes import (
    EXPORTED_LOINC,
    EXPORTED_UNIT,
    HCCRT_SYSTEM,
    LAB_BY_LOINC,
    LOINC,
    MCODE,
    SNOMED,
    UCUM,
    ULN_FIELD,
)
from hccrt.clinical._fhir_values import encode_value, hccrt_code
from hccrt.clinical.enums import Histology
from hccrt.clinical.patient import PatientRecord

_HANDLED = {
    "patient_id",
    "name",
    "histology",
    "cirrhosis",
    "prior_treatments",
    "comorbidities",
    "tumors",
    "vascular_invasion",
    "extrahepatic_disease",
    *EXPORTED_LOINC,
    *ULN_FIELD.values(),
}
_PROFILES = {  # mCODE profiles that the resources follow
    "ecog": f"{MCODE}/mcode-ecog-performance-status",
    "kps": f"{MCODE}/mcode-karnofsky-performance-status",
}


def _observation(n: int, subject: str, code: dict[str, Any], **rest: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"obs-{n}",
        "status": "final",
        "code": code,
        "subject": {"reference": subject},
        **rest,
    }


def _components(item: Any) -> list[dict[str, Any]]:
    return [
        {"code": hccrt_code(name), **encode_value(name, value)}
        for name, value in item
        if value is not None
    ]


def bundle_from_record(record: PatientRecord) -> dict[str, Any]:
    """The record as a FHIR R4B ``collection`` Bundle (a JSON object).

    Labs, ECOG, KPS and age are LOINC-coded Observations with UCUM units (ECOG and KPS follow
    the mCODE performance-status profiles); HCC and cirrhosis are Conditions (SNOMED CT);
    prior treatments are Procedures; the facts without a standard code are Observations in
    hccrt's code system (docs/fhir.md).

    Returns
    -------
    dict
        The Bundle, checked by ``fhir.resources.R4B``.
    """
    from fhir.resources.R4B.bundle import Bundle

    patient_id = record.patient_id or "patient"
    subject = f"Patient/{_resource_id(patient_id)}"
    patient: dict[str, Any] = {"resourceType": "Patient", "id": _resource_id(patient_id)}
    if record.patient_id:
        patient["identifier"] = [{"value": record.patient_id}]
    if record.name:
        patient["name"] = [{"text": record.name}]
    resources: list[dict[str, Any]] = [patient]
    count = iter(range(1, 10_000))
    for field, loinc in EXPORTED_LOINC.items():
        value = getattr(record, field)
        if value is None:
            continue
        unit = EXPORTED_UNIT[field]
        code = {
            "coding": [{"system": LOINC, "code": loinc, "display": LAB_BY_LOINC[loinc].display}]
        }
        extra: dict[str, Any] = {}
        if field in ("ecog", "kps"):
            extra["valueInteger"] = value
            extra["meta"] = {"profile": [_PROFILES[field]]}
        else:
            extra["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        uln = getattr(record, ULN_FIELD[field]) if field in ULN_FIELD else None
        if uln is not None:
            extra["referenceRange"] = [
                {"high": {"value": uln, "unit": unit, "system": UCUM, "code": unit}}
            ]
        resources.append(_observation(next(count), subject, code, **extra))
    if record.histology is Histology.HCC:
        resources.append(
            {
                "resourceType": "Condition",
                "id": "hcc",
                "meta": {"profile": [f"{MCODE}/mcode-primary-cancer-condition"]},
                "code": {
                    "coding": [
                        {
                            "system": SNOMED,
                            "code": "25370001",
                            "display": "Hepatocellular carcinoma",
                        }
                    ]
                },
                "subject": {"reference": subject},
            }
        )
    if record.cirrhosis is not None:
        status = "confirmed" if record.cirrhosis else "refuted"
        resources.append(
            {
                "resourceType": "Condition",
                "id": "cirrhosis",
                "verificationStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                            "code": status,
                        }
                    ]
                },
                "code": {
                    "coding": [
                        {"system": SNOMED, "code": "19943007", "display": "Cirrhosis of liver"}
                    ]
                },
                "subject": {"reference": subject},
            }
        )
    for k, name in enumerate(record.comorbidities):
        resources.append(
            {
                "resourceType": "Condition",
                "id": f"comorbidity-{k}",
                "code": {"text": name},
                "subject": {"reference": subject},
            }
        )
    for k, treatment in enumerate(record.prior_treatments):
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "id": f"treatment-{k}",
            "status": "completed",
            "code": hccrt_code(treatment.kind.value),
            "subject": {"reference": subject},
            "performedDateTime": treatment.date.isoformat(),
            "outcome": hccrt_code(treatment.outcome.value),
        }
        if treatment.margin_positive is not None:
            procedure["extension"] = [
                {
                    "url": f"{HCCRT_SYSTEM}#margin_positive",
                    "valueBoolean": treatment.margin_positive,
                }
            ]
        if treatment.notes:
            procedure["note"] = [{"text": treatment.notes}]
        resources.append(procedure)
    for tumor in record.tumors:
        resources.append(
            _observation(next(count), subject, hccrt_code("tumor"), component=_components(tumor))
        )
    if record.vascular_invasion is not None:
        resources.append(
            _observation(
                next(count),
                subject,
                hccrt_code("vascular_invasion"),
                component=_components(record.vascular_invasion),
            )
        )
    if record.extrahepatic_disease is not None:
        if not record.extrahepatic_disease:
            resources.append(
                _observation(
                    next(count), subject, hccrt_code("extrahepatic_disease"), valueBoolean=False
                )
            )
        for site in record.extrahepatic_disease:
            resources.append(
                _observation(
                    next(count),
                    subject,
                    hccrt_code("extrahepatic_disease"),
                    component=_components(site),
                )
            )
    for field in PatientRecord.model_fields:
        value = getattr(record, field)
        if field in _HANDLED or value is None:
            continue
        if value == PatientRecord.model_fields[field].default:
            continue  # defaults (False flags) need no resource
        resources.append(
            _observation(next(count), subject, hccrt_code(field), **encode_value(field, value))
        )
    if record.histology is not Histology.HCC:
        resources.append(
            _observation(
                next(count),
                subject,
                hccrt_code("histology"),
                **encode_value("histology", record.histology),
            )
        )
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:hccrt:{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
    Bundle.model_validate(bundle)
    return bundle


def _resource_id(value: str) -> str:
    """A FHIR id (``[A-Za-z0-9-.]{1,64}``) from a patient ID."""
    cleaned = "".join(c if (c.isascii() and c.isalnum()) or c in "-." else "-" for c in value)
    return cleaned[:64] or "patient"
