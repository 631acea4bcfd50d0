"""The codes and units of hccrt's FHIR mapping (LOINC, SNOMED CT, ICD-10, UCUM).

Standard codes where a standard code exists for a fact of the patient record (labs, ECOG, KPS,
the HCC and cirrhosis diagnoses); the record's facts that have no standard code (tumour location
flags, ascites and encephalopathy grades as the Child-Pugh table uses them, resectability, ...)
are Observations coded in hccrt's own code system, :data:`HCCRT_SYSTEM`, with the record's field
name as the code, so that export then import loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hccrt.clinical.units import (
    ALBUMIN_G_L_PER_G_DL,
    BILIRUBIN_UMOL_L_PER_MG_DL,
    CREATININE_UMOL_L_PER_MG_DL,
)

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
UCUM = "http://unitsofmeasure.org"
HCCRT_SYSTEM = "https://hccrt.example.org/fhir/CodeSystem/patient-record"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition"
FHIR_VERSION = "4.3.0"  # R4B; Patient/Condition/Observation/Procedure as used here equal R4's


@dataclass(frozen=True)
class LabCode:
    """A LOINC-coded Observation that fills one record field.

    Attributes
    ----------
    loinc, display
        LOINC code and its name.
    field
        Record field filled (``None``: known, but not a fact hccrt's record holds).
    units
        UCUM code -> factor: record value = FHIR value / factor.
    """

    loinc: str
    display: str
    field: str | None
    units: dict[str, float]


_NONE = {"1": 1.0, "{INR}": 1.0, "{ratio}": 1.0, "": 1.0}
_SCORE = {"{score}": 1.0, "1": 1.0, "": 1.0}
_ENZYME = {"U/L": 1.0, "[IU]/L": 1.0}
LABS: tuple[LabCode, ...] = (
    LabCode(
        "1975-2",
        "Bilirubin.total [Mass/volume] in Serum or Plasma",
        "bilirubin_mg_dl",
        {"mg/dL": 1.0, "umol/L": BILIRUBIN_UMOL_L_PER_MG_DL},
    ),
    LabCode(
        "14631-6",
        "Bilirubin.total [Moles/volume] in Serum or Plasma",
        "bilirubin_mg_dl",
        {"umol/L": BILIRUBIN_UMOL_L_PER_MG_DL, "mg/dL": 1.0},
    ),
    LabCode(
        "1751-7",
        "Albumin [Mass/volume] in Serum or Plasma",
        "albumin_g_dl",
        {"g/dL": 1.0, "g/L": ALBUMIN_G_L_PER_G_DL},
    ),
    LabCode("6301-6", "INR in Platelet poor plasma by Coagulation assay", "inr", _NONE),
    LabCode("34714-6", "INR in Blood by Coagulation assay", "inr", _NONE),
    LabCode(
        "2160-0",
        "Creatinine [Mass/volume] in Serum or Plasma",
        "creatinine_mg_dl",
        {"mg/dL": 1.0, "umol/L": CREATININE_UMOL_L_PER_MG_DL},
    ),
    LabCode(
        "14682-9",
        "Creatinine [Moles/volume] in Serum or Plasma",
        "creatinine_mg_dl",
        {"umol/L": CREATININE_UMOL_L_PER_MG_DL, "mg/dL": 1.0},
    ),
    # Sodium is monovalent: 1 mEq/L = 1 mmol/L.
    LabCode(
        "2951-2",
        "Sodium [Moles/volume] in Serum or Plasma",
        "sodium_mmol_l",
        {"mmol/L": 1.0, "meq/L": 1.0},
    ),
    LabCode(
        "1742-6",
        "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "alt_u_l",
        _ENZYME,
    ),
    LabCode(
        "1920-8",
        "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
        "ast_u_l",
        _ENZYME,
    ),
    LabCode(
        "6768-6",
        "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma",
        "alp_u_l",
        _ENZYME,
    ),
    LabCode("89247-1", "ECOG Performance Status score", "ecog", _SCORE),
    LabCode("89243-0", "Karnofsky Performance Status score", "kps", _SCORE),
    LabCode("30525-0", "Age", "age_years", {"a": 1.0}),
    LabCode(
        "777-3",
        "Platelets [#/volume] in Blood by Automated count",
        None,
        {"10*3/uL": 1.0, "10*9/L": 1.0},
    ),
    LabCode(
        "1834-1",
        "Alpha-1-Fetoprotein [Mass/volume] in Serum or Plasma",
        None,
        {"ng/mL": 1.0, "ug/L": 1.0},
    ),
)
LAB_BY_LOINC = {lab.loinc: lab for lab in LABS}
EXPORTED_LOINC = {
    "bilirubin_mg_dl": "1975-2",
    "albumin_g_dl": "1751-7",
    "inr": "6301-6",
    "creatinine_mg_dl": "2160-0",
    "sodium_mmol_l": "2951-2",
    "alt_u_l": "1742-6",
    "ast_u_l": "1920-8",
    "alp_u_l": "6768-6",
    "ecog": "89247-1",
    "kps": "89243-0",
    "age_years": "30525-0",
}
EXPORTED_UNIT = {
    "bilirubin_mg_dl": "mg/dL",
    "albumin_g_dl": "g/dL",
    "inr": "{INR}",
    "creatinine_mg_dl": "mg/dL",
    "sodium_mmol_l": "mmol/L",
    "alt_u_l": "U/L",
    "ast_u_l": "U/L",
    "alp_u_l": "U/L",
    "ecog": "{score}",
    "kps": "{score}",
    "age_years": "a",
}
# Upper limits of normal: the referenceRange.high of the enzyme Observations.
ULN_FIELD = {"alt_u_l": "alt_uln_u_l", "ast_u_l": "ast_uln_u_l", "alp_u_l": "alp_uln_u_l"}
INTEGER_FIELDS = {"ecog", "kps", "age_years"}
# ECOG answers as LOINC answer codes (LOINC answer list LL529-9).
ECOG_ANSWERS = {
    "LA9622-7": 0,
    "LA9623-5": 1,
    "LA9624-3": 2,
    "LA9625-0": 3,
    "LA9626-8": 4,
    "LA9627-6": 5,
}
# Diagnoses (Condition.code).
HCC_CODES = {(SNOMED, "25370001"), (ICD10, "C22.0")}
CIRRHOSIS_CODES = {(SNOMED, "19943007"), (ICD10, "K74.6"), (ICD10, "K74.60"), (ICD10, "K74.69"),
                   (ICD10, "K70.3"), (ICD10, "K70.30"), (ICD10, "K70.31")}  # fmt: skip
