"""The patient form: unit-aware inputs mapped to :class:`~hccrt.clinical.PatientRecord` fields.

A lab typed with its unit selector (e.g. bilirubin in mg/dL or µmol/L) becomes the record field of
that unit (``bilirubin_mg_dl`` or ``bilirubin_umol_l``; the record converts SI values). Validation
is the record's own: each pydantic error is shown next to the form field it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hccrt.clinical.patient import PatientRecord
from hccrt.errors import InputError
from hccrt.web.guards import OddInput, parse_strict_json


@dataclass(frozen=True)
class UnitField:
    """A lab input with a unit selector: form name, label and (unit label, record field) pairs."""

    name: str
    label: str
    units: tuple[tuple[str, str], ...]


UNIT_FIELDS = (
    UnitField(
        "bilirubin",
        "Total bilirubin",
        (("mg/dL", "bilirubin_mg_dl"), ("µmol/L", "bilirubin_umol_l")),
    ),
    UnitField("albumin", "Albumin", (("g/dL", "albumin_g_dl"), ("g/L", "albumin_g_l"))),
    UnitField(
        "creatinine", "Creatinine", (("mg/dL", "creatinine_mg_dl"), ("µmol/L", "creatinine_umol_l"))
    ),
)
NUMBER_FIELDS = (
    ("inr", "INR", ""),
    ("sodium_mmol_l", "Sodium", "mmol/L"),
    ("alt_u_l", "ALT", "U/L"),
    ("alt_uln_u_l", "ALT upper limit of normal", "U/L"),
    ("ast_u_l", "AST", "U/L"),
    ("ast_uln_u_l", "AST upper limit of normal", "U/L"),
    ("alp_u_l", "Alkaline phosphatase", "U/L"),
    ("alp_uln_u_l", "ALP upper limit of normal", "U/L"),
    ("age_years", "Age", "years"),
    ("kps", "Karnofsky performance status", "0-100"),
    ("ecog", "ECOG performance status", "0-5"),
    ("normal_liver_volume_cc", "Normal liver volume (liver − GTV)", "cc"),
    ("breathing_motion_mm", "Tumour breathing motion", "mm"),
)
INTEGER_FIELDS = frozenset({"age_years", "kps", "ecog"})
CHOICE_FIELDS = (
    ("ascites", "Ascites", ("", "none", "mild", "moderate_severe")),
    ("encephalopathy", "Encephalopathy", ("", "none", "grade_1_2", "grade_3_4")),
    ("histology", "Histology", ("HCC", "ICC")),
    ("portal_vein", "Portal vein tumour thrombus", ("", "none", "branch", "main_trunk")),
)
TRISTATE_FIELDS = (
    ("cirrhosis", "Cirrhosis"),
    ("resectable", "Resectable"),
    ("transplant_candidate", "Transplant candidate"),
    ("abc_available", "Active breathing control available"),
)
FLAG_FIELDS = (
    ("refuses_surgery", "Refuses surgery"),
    ("needs_rapid_symptom_relief", "Needs rapid symptom relief"),
)
TUMOR_ROWS = 3
TUMOR_FLAGS = (
    "near_major_vessel",
    "near_bile_duct",
    "subcapsular",
    "adjacent_to_gallbladder",
    "adjacent_to_diaphragm",
    "adjacent_to_bowel",
    "hilar_obstruction",
)
EXTRAHEPATIC_SITES = ("lymph_node", "adrenal", "bone", "brain", "lung", "other")
RENDERED_FIELDS = frozenset(
    {
        "label",
        "form",
        "extra_json",
        "planned_rt_start_date",
        "portal_vein",
        "extrahepatic",
        "hepatic_vein",
        "ivc",
        *(u.name for u in UNIT_FIELDS),
        *(n for n, _, _ in NUMBER_FIELDS),
        *(n for n, _, _ in CHOICE_FIELDS),
        *(n for n, _ in TRISTATE_FIELDS),
        *(n for n, _ in FLAG_FIELDS),
        *(f"tumors.{r}.{k}" for r in range(TUMOR_ROWS) for k in ("diameter_cm", "segment")),
    }
)


@dataclass(frozen=True)
class FormResult:
    """A parsed form: the record (``None`` when invalid), its raw dict and errors by form field."""

    record: PatientRecord | None
    data: dict[str, Any]
    errors: dict[str, str]


def _number(raw: str, integer: bool) -> int | float | str:
    """The typed number; "nan" and "inf" stay floats so the record's strict numbers refuse them."""
    try:
        number = float(raw)
    except ValueError:
        return raw  # the record refuses the string, next to the field
    return int(number) if integer and number.is_integer() else number


def form_to_dict(form: Mapping[str, str]) -> dict[str, Any]:
    """Turn submitted form fields into a record dict (empty fields are left out = unknown)."""
    data: dict[str, Any] = {}
    extra = form.get("extra_json", "").strip()
    if extra:
        try:
            loaded = parse_strict_json(extra.encode())
        except OddInput as error:
            raise InputError("extra_json", str(error), extra[:40]) from None
        if not isinstance(loaded, dict):
            raise InputError("extra_json", "must be a JSON object", type(loaded).__name__)
        data.update(loaded)
    for unit_field in UNIT_FIELDS:
        raw = form.get(unit_field.name, "").strip()
        if raw:
            chosen = form.get(f"{unit_field.name}_unit", unit_field.units[0][1])
            known = {f for _, f in unit_field.units}
            target = chosen if chosen in known else unit_field.units[0][1]
            data[target] = _number(raw, False)
    for name, _, _ in NUMBER_FIELDS:
        raw = form.get(name, "").strip()
        if raw:
            data[name] = _number(raw, name in INTEGER_FIELDS)
    for name, _, _ in CHOICE_FIELDS:
        value = form.get(name, "")
        if value and name != "portal_vein":
            data[name] = value
    for name, _ in TRISTATE_FIELDS:
        value = form.get(name, "")
        if value in ("yes", "no"):
            data[name] = value == "yes"
    for name, _ in FLAG_FIELDS:
        if form.get(name):
            data[name] = True
    if form.get("planned_rt_start_date"):
        data["planned_rt_start_date"] = form["planned_rt_start_date"]
    tumors = []
    for row in range(TUMOR_ROWS):
        diameter = form.get(f"tumors.{row}.diameter_cm", "").strip()
        if not diameter:
            continue
        tumor: dict[str, Any] = {"diameter_cm": _number(diameter, False)}
        segment = form.get(f"tumors.{row}.segment", "").strip()
        if segment:
            tumor["segment"] = _number(segment, True)
        for flag in TUMOR_FLAGS:
            if form.get(f"tumors.{row}.{flag}"):
                tumor[flag] = True
        tumors.append(tumor)
    if tumors:
        data["tumors"] = tumors
    if form.get("portal_vein"):
        data["vascular_invasion"] = {
            "portal_vein": form["portal_vein"],
            "hepatic_vein": bool(form.get("hepatic_vein")),
            "ivc": bool(form.get("ivc")),
        }
    status = form.get("extrahepatic", "")
    if status == "none":
        data["extrahepatic_disease"] = []
    elif status == "present":
        data["extrahepatic_disease"] = [
            {"site": site} for site in EXTRAHEPATIC_SITES if form.get(f"extrahepatic.{site}")
        ]
    return data


def _form_field(loc: tuple[int | str, ...], message_field: str | None) -> str:
    if not loc and message_field:
        loc = tuple(message_field.split("."))
    if not loc:
        return "form"
    head = str(loc[0])
    for unit_field in UNIT_FIELDS:
        if head in {f for _, f in unit_field.units}:
            return unit_field.name
    if head == "vascular_invasion":
        return "portal_vein" if len(loc) < 2 else str(loc[1])
    if head == "extrahepatic_disease":
        return "extrahepatic"
    if head == "tumors" and len(loc) >= 3:
        return f"tumors.{loc[1]}.{loc[2]}"
    return head


def validate_form(form: Mapping[str, str]) -> FormResult:
    """Parse and validate the form; errors are keyed by the form field they belong to."""
    try:
        data = form_to_dict(form)
    except InputError as error:
        return FormResult(None, {}, {error.field: str(error)})
    try:
        return FormResult(PatientRecord.model_validate(data), data, {})
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            cause = (item.get("ctx") or {}).get("error")
            field = _form_field(
                tuple(item["loc"]), cause.field if isinstance(cause, InputError) else None
            )
            text = str(cause) if isinstance(cause, InputError) else item["msg"]
            errors.setdefault(field, text)
        return FormResult(None, data, errors)


def record_to_form(record: Mapping[str, Any]) -> dict[str, str]:
    """Form values showing a stored record (conventional units), for editing."""
    values: dict[str, str] = {}
    for unit_field in UNIT_FIELDS:
        for _, field in unit_field.units:
            if record.get(field) is not None:
                values[unit_field.name] = str(record[field])
                values[f"{unit_field.name}_unit"] = field
    for name, _, _ in NUMBER_FIELDS:
        if record.get(name) is not None:
            values[name] = str(record[name])
    for name, _, _ in CHOICE_FIELDS:
        if record.get(name) is not None:
            values[name] = str(record[name])
    for name, _ in TRISTATE_FIELDS:
        if record.get(name) is not None:
            values[name] = "yes" if record[name] else "no"
    for name, _ in FLAG_FIELDS:
        if record.get(name):
            values[name] = "on"
    if record.get("planned_rt_start_date"):
        values["planned_rt_start_date"] = str(record["planned_rt_start_date"])
    for row, tumor in enumerate(record.get("tumors") or ()):
        if row >= TUMOR_ROWS:
            break
        values[f"tumors.{row}.diameter_cm"] = str(tumor.get("diameter_cm", ""))
        if tumor.get("segment") is not None:
            values[f"tumors.{row}.segment"] = str(tumor["segment"])
        for flag in TUMOR_FLAGS:
            if tumor.get(flag):
                values[f"tumors.{row}.{flag}"] = "on"
    vascular = record.get("vascular_invasion")
    if vascular:
        values["portal_vein"] = str(vascular.get("portal_vein", "none"))
        for key in ("hepatic_vein", "ivc"):
            if vascular.get(key):
                values[key] = "on"
    extrahepatic = record.get("extrahepatic_disease")
    if extrahepatic is not None:
        values["extrahepatic"] = "present" if extrahepatic else "none"
        for site in extrahepatic:
            values[f"extrahepatic.{site.get('site')}"] = "on"
    shown = {
        "tumors",
        "vascular_invasion",
        "extrahepatic_disease",
        "planned_rt_start_date",
        *(f for u in UNIT_FIELDS for _, f in u.units),
        *(n for n, _, _ in NUMBER_FIELDS),
        *(n for n, _, _ in CHOICE_FIELDS),
        *(n for n, _ in TRISTATE_FIELDS),
        *(n for n, _ in FLAG_FIELDS),
    }
    rest = {k: v for k, v in record.items() if k not in shown and v not in (None, [], (), False)}
    if rest:
        values["extra_json"] = json.dumps(rest, indent=1, default=str)
    return values
