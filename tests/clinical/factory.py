"""A complete, unremarkable patient to derive vignettes from (each test changes a few facts)."""

from __future__ import annotations

from typing import Any

from hccrt.clinical.assess import Assessment, assess
from hccrt.clinical.patient import PatientRecord, parse_patient

BASE: dict[str, Any] = {
    "patient_id": "VIGNETTE",
    "bilirubin_mg_dl": 0.8,
    "albumin_g_dl": 4.0,
    "inr": 1.1,
    "creatinine_mg_dl": 0.9,
    "sodium_mmol_l": 139,
    "kps": 90,
    "ascites": "none",
    "encephalopathy": "none",
    "cirrhosis": True,
    "histology": "HCC",
    "tumors": [{"diameter_cm": 2.5, "segment": 6}],
    "vascular_invasion": {"portal_vein": "none", "hepatic_vein": False, "ivc": False},
    "extrahepatic_disease": [],
    "prior_treatments": [],
    "resectable": False,
    "transplant_candidate": False,
    "refuses_surgery": False,
    "planned_rt_start_date": "2026-06-01",
    "normal_liver_volume_cc": 1200,
    "abc_available": True,
}


def patient(**changes: Any) -> PatientRecord:
    """The base patient with ``changes`` applied (``None`` removes a field)."""
    data = {**BASE, **changes}
    return parse_patient({k: v for k, v in data.items() if v is not None})


def run(**changes: Any) -> Assessment:
    """Assess the base patient with ``changes``."""
    return assess(patient(**changes))


def verdict(assessment: Assessment, therapy: str) -> str:
    """The verdict string of ``therapy``."""
    return assessment.option(therapy).verdict.value


def tumor(diameter_cm: float, **location: Any) -> dict[str, Any]:
    """A tumour dict with optional location facts."""
    return {"diameter_cm": diameter_cm, **location}
