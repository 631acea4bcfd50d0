"""The validated patient record that every clinical rule reads.

Units are part of the field names (``bilirubin_mg_dl``, ``diameter_cm``). SI lab inputs
(``bilirubin_umol_l``, ``albumin_g_l``, ``creatinine_umol_l``) are accepted and converted on load.
Every optional fact may be ``None`` (not known): the rules that need it then answer
``insufficient_data`` instead of guessing. For the same reason ``vascular_invasion`` and
``extrahepatic_disease`` are ``None`` when imaging has not been assessed; an empty list of
extrahepatic sites means "assessed, none found".
"""

from __future__ import annotations

import difflib
import math
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hccrt.clinical._lab_fields import (
    AfpNgMl,
    AlbuminGDl,
    AlpUL,
    AlpUlnUL,
    AltUL,
    AltUlnUL,
    AstUL,
    AstUlnUL,
    BilirubinMgDl,
    Inr,
    PlateletsE9L,
)
from hccrt.clinical.enums import (
    Ascites,
    Encephalopathy,
    ExtrahepaticSite,
    Histology,
    PortalVeinInvasion,
    PriorTreatmentKind,
    Sex,
    TreatmentOutcome,
    TumourPattern,
)
from hccrt.clinical.units import (
    check_plausible,
    convert_si_inputs,
    read_json_object,
    si_schema_properties,
)
from hccrt.errors import ClinicalInputError, InputError
from hccrt.numbers import FiniteFloat, WholeNumber

__all__ = [
    "Ascites",
    "Encephalopathy",
    "ExtrahepaticDisease",
    "ExtrahepaticSite",
    "Histology",
    "PatientRecord",
    "PortalVeinInvasion",
    "PriorTreatment",
    "PriorTreatmentKind",
    "Sex",
    "TreatmentOutcome",
    "Tumor",
    "TumourPattern",
    "VascularInvasion",
    "load_patient",
    "parse_patient",
    "record_error",
]


_FROZEN = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Tumor(BaseModel):
    """One intrahepatic lesion with the location facts the ablation and SBRT rules read."""

    model_config = _FROZEN

    diameter_cm: FiniteFloat = Field(gt=0, le=30, description="Largest diameter in cm.")
    segment: WholeNumber | None = Field(None, ge=1, le=8, description="Couinaud segment 1-8.")
    near_major_vessel: bool = Field(False, description="Abuts a large vessel (ablation caution).")
    near_bile_duct: bool = Field(False, description="Abuts a large bile duct (ablation caution).")
    subcapsular: bool = Field(False, description="On the liver surface.")
    adjacent_to_gallbladder: bool = False
    adjacent_to_diaphragm: bool = False
    adjacent_to_bowel: bool = Field(False, description="Abuts stomach, duodenum or bowel.")
    hilar_obstruction: bool = Field(False, description="Causes obstruction at the liver hilum.")
    ablation_path_accessible: bool | None = Field(
        None, description="Reachable by a percutaneous/laparoscopic/open ablation path."
    )

    @field_validator("diameter_cm", mode="before")
    @classmethod
    def _diameter_in_cm(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and 30 < value < math.inf:
            raise ClinicalInputError(
                "diameter_cm", "above 30 cm", value, "did you enter mm? give the diameter in cm"
            )
        return value


class VascularInvasion(BaseModel):
    """Macrovascular tumour invasion / tumour thrombus seen on imaging."""

    model_config = _FROZEN

    portal_vein: PortalVeinInvasion = PortalVeinInvasion.none
    hepatic_vein: bool = False
    ivc: bool = Field(False, description="Inferior vena cava tumour thrombus.")

    @property
    def any(self) -> bool:
        """True when any macrovascular invasion is present."""
        return self.portal_vein is not PortalVeinInvasion.none or self.hepatic_vein or self.ivc


class ExtrahepaticDisease(BaseModel):
    """Metastases at one extrahepatic site."""

    model_config = _FROZEN

    site: ExtrahepaticSite
    count: WholeNumber = Field(1, ge=1, le=100, description="Number of lesions at this site.")
    symptomatic: bool = Field(False, description="Causes pain, compression or other symptoms.")
    includable_in_rt_plan: bool | None = Field(
        None, description="Small enough to be included in a liver SBRT plan."
    )


class PriorTreatment(BaseModel):
    """A previous treatment with its date and outcome."""

    model_config = _FROZEN

    kind: PriorTreatmentKind
    date: date
    outcome: TreatmentOutcome = TreatmentOutcome.unknown
    margin_positive: bool | None = Field(None, description="Resection only: R1/R2 margin.")
    notes: str = ""


_LABS = (
    "bilirubin_mg_dl",
    "bilirubin_baseline_mg_dl",
    "albumin_g_dl",
    "inr",
    "creatinine_mg_dl",
    "sodium_mmol_l",
)


def _add_si_alternatives(schema: dict[str, Any]) -> None:
    schema.setdefault("properties", {}).update(si_schema_properties())


class PatientRecord(BaseModel):
    """One patient as entered by the clinician (frozen, validated on construction).

    See ``docs/patient-schema.json`` for the JSON schema and ``examples/patients/`` for examples.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="HCC patient record",
        json_schema_extra=_add_si_alternatives,
    )
    SCHEMA_DOC: ClassVar[str] = "docs/patient-schema.json"

    patient_id: str | None = None
    name: str | None = None
    age_years: WholeNumber | None = Field(None, ge=0, le=120)
    sex: Sex | None = Field(None, description="female or male (MELD 3.0 needs it).")
    assessment_date: date | None = Field(
        None,
        description="Date of the data in this record (the 6-month window of the varices "
        "screening before bevacizumab is counted back from it).",
    )
    bilirubin_mg_dl: BilirubinMgDl = None
    bilirubin_baseline_mg_dl: FiniteFloat | None = Field(
        None, description="Bilirubin before the last local treatment, mg/dL (sorafenib rule)."
    )
    albumin_g_dl: AlbuminGDl = None
    inr: Inr = None
    creatinine_mg_dl: FiniteFloat | None = Field(None, description="Serum creatinine, mg/dL.")
    dialysis_twice_past_week: bool = Field(False, description="MELD sets creatinine to 4.0.")
    sodium_mmol_l: FiniteFloat | None = Field(None, description="Serum sodium, mmol/L.")
    afp_ng_ml: AfpNgMl = Field(
        None, description="Serum alpha-fetoprotein, ng/mL (BCLC, AFP model)."
    )
    platelets_10e9_l: PlateletsE9L = Field(
        None, description="Platelet count, 10^9/L (bone-marrow suppression risk)."
    )
    hypersplenism: bool | None = Field(
        None, description="Hypersplenism (seed 000: bone-marrow suppression during RT)."
    )
    alt_u_l: AltUL = None
    alt_uln_u_l: AltUlnUL = None
    ast_u_l: AstUL = None
    ast_uln_u_l: AstUlnUL = None
    alp_u_l: AlpUL = None
    alp_uln_u_l: AlpUlnUL = None
    kps: WholeNumber | None = Field(
        None, ge=0, le=100, multiple_of=10, description="Karnofsky 0-100."
    )
    ecog: WholeNumber | None = Field(None, ge=0, le=5, description="ECOG performance status 0-5.")
    ps_cancer_related: bool | None = Field(
        None,
        description="A reduced performance status (ECOG 1-2) is caused by the cancer (BCLC 2022).",
    )
    ascites: Ascites | None = None
    encephalopathy: Encephalopathy | None = None
    cirrhosis: bool | None = None
    histology: Histology = Histology.HCC
    tumors: tuple[Tumor, ...] = Field((), description="Intrahepatic lesions (empty: none seen).")
    vascular_invasion: VascularInvasion | None = Field(None, description="None: not assessed.")
    extrahepatic_disease: tuple[ExtrahepaticDisease, ...] | None = Field(
        None, description="None: not assessed; []: assessed, none found."
    )
    prior_treatments: tuple[PriorTreatment, ...] = ()
    resectable: bool | None = None
    transplant_candidate: bool | None = None
    refuses_surgery: bool = False
    comorbidities: tuple[str, ...] = ()
    planned_rt_start_date: date | None = None
    normal_liver_volume_cc: FiniteFloat | None = Field(
        None, gt=0, lt=5000, description="Liver minus GTV volume, cc (SBRT 700 cc rule)."
    )
    abc_available: bool | None = Field(None, description="Active breathing control available.")
    breathing_motion_mm: FiniteFloat | None = Field(
        None, ge=0, le=60, description="Measured tumour motion (peak-to-peak), mm."
    )
    needs_rapid_symptom_relief: bool = False
    segmental_injection_possible: bool | None = Field(
        None, description="Segmental (super-selective) arterial injection feasible."
    )
    poor_lipiodol_deposition: bool | None = Field(
        None, description="Poor iodine-oil (lipiodol) deposition after TACE (seed 001, RT alone)."
    )
    arteriovenous_shunt: bool | None = Field(
        None, description="Arteriovenous shunt ('leak') on angiography (seed 001, RT alone)."
    )
    portal_obstruction_without_collaterals: bool | None = Field(
        None,
        description="Complete portal-vein obstruction without collateral circulation "
        "(seed 001, RT alone).",
    )
    tumour_pattern: TumourPattern | None = Field(
        None, description="well_defined nodules or diffuse_infiltrative (BCLC-B subgroups)."
    )
    varices_screened_date: date | None = Field(
        None, description="Date of the last endoscopy for oesophageal varices."
    )
    varices_untreated_high_risk: bool | None = Field(
        None, description="High-risk varices found at endoscopy and not yet treated."
    )
    autoimmune_disease: bool | None = Field(
        None, description="Active or past autoimmune disease (immunotherapy caution)."
    )
    recent_bleeding: bool | None = Field(
        None, description="Gastrointestinal or variceal bleeding within the past 6 months."
    )

    @model_validator(mode="before")
    @classmethod
    def _convert_units(cls, data: Any) -> Any:
        return convert_si_inputs(data) if isinstance(data, dict) else data

    @field_validator(*_LABS)
    @classmethod
    def _plausible(cls, value: float | None, info: Any) -> float | None:
        if value is not None:
            check_plausible(info.field_name, value)
        return value

    @field_validator("normal_liver_volume_cc")
    @classmethod
    def _volume_in_cc(cls, value: float | None) -> float | None:
        if value is not None and value < 100:
            fix = "did you enter litres? give cc (1 L = 1000 cc)"
            raise ClinicalInputError("normal_liver_volume_cc", "below 100 cc", value, fix)
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> PatientRecord:
        if self.planned_rt_start_date is not None:
            for treatment in self.prior_treatments:
                if treatment.kind in {PriorTreatmentKind.ebrt, PriorTreatmentKind.sbrt}:
                    continue
                if treatment.date > self.planned_rt_start_date:
                    raise ClinicalInputError(
                        "prior_treatments.date",
                        f"after planned_rt_start_date {self.planned_rt_start_date}",
                        str(treatment.date),
                        "prior treatments must precede the planned RT start; check both dates",
                    )
        return self

    @property
    def largest_tumor_cm(self) -> float | None:
        """Largest tumour diameter in cm, ``None`` without tumours."""
        return max((t.diameter_cm for t in self.tumors), default=None)


def _field_names(model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema()
    names = list(schema.get("properties", {}))
    for definition in schema.get("$defs", {}).values():
        names.extend(definition.get("properties", {}))
    return names


def record_error(
    error: ValidationError, model: type[BaseModel] | None = None
) -> ClinicalInputError:
    """Turn the first pydantic error into a one-line :class:`ClinicalInputError`.

    The fix of a generic error points to the model's schema document (``SCHEMA_DOC``:
    ``docs/patient-schema.json`` or ``docs/followup-schema.json``).
    """
    model = model or PatientRecord
    schema_doc = f"see {getattr(model, 'SCHEMA_DOC', PatientRecord.SCHEMA_DOC)}"
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"])
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ClinicalInputError):
        return cause
    if isinstance(cause, InputError):  # a strict-number refusal: name the full location
        return ClinicalInputError(loc or cause.field, cause.rule, cause.value, cause.fix)
    value = first.get("input")
    if first["type"] == "extra_forbidden":
        known = _field_names(model)
        close = difflib.get_close_matches(str(first["loc"][-1]), known, n=1)
        fix = f"did you mean {close[0]}?" if close else schema_doc
        return ClinicalInputError(loc, "unknown field", value, fix)
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    if first["type"] == "missing":  # the input is the whole enclosing object: not shown
        return ClinicalInputError(loc, f"missing, required{more}", None, f"give it; {schema_doc}")
    return ClinicalInputError(loc, f"{first['msg']}{more}", value, schema_doc)


def parse_patient(data: Any) -> PatientRecord:
    """Validate a decoded JSON object as a :class:`PatientRecord` (errors as one line)."""
    if not isinstance(data, dict):
        raise ClinicalInputError("patient", "must be a JSON object", type(data).__name__)
    try:
        return PatientRecord.model_validate(data)
    except ValidationError as error:
        raise record_error(error) from None


def load_patient(path: str | Path) -> PatientRecord:
    """Read and validate a patient record from a JSON file (hccrt's schema or a FHIR Bundle).

    Raises
    ------
    ClinicalInputError
        One clear line naming the field, rule, value and fix: file missing, not JSON, unknown
        field, impossible or unit-confused value.
    """
    data = read_json_object(path, "patient")
    if data.get("resourceType") == "Bundle":  # a FHIR Bundle from the EHR (docs/fhir.md)
        from hccrt.clinical.fhir import record_from_bundle

        return record_from_bundle(data).record
    return parse_patient(data)
