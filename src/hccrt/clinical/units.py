"""Laboratory unit conversion and plausibility limits for the patient record.

The record stores conventional units (bilirubin and creatinine in mg/dL, albumin in g/dL) because
the seed documents and the Child-Pugh / MELD tables use them; SI inputs are converted on load.

Conversion factors (clinical-facts §9, derived [D]): bilirubin µmol/L = mg/dL × 17.1,
albumin g/L = g/dL × 10, creatinine µmol/L = mg/dL × 88.4.

The plausibility limits are not clinical thresholds: they only catch impossible values and the
common unit confusions (a µmol/L bilirubin typed into the mg/dL field is 17 times too large).
:func:`read_json_object` reads the JSON input files (patient, follow-up, settings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hccrt.errors import ClinicalInputError, InputError
from hccrt.numbers import check_number

BILIRUBIN_UMOL_L_PER_MG_DL = 17.1
ALBUMIN_G_L_PER_G_DL = 10.0
CREATININE_UMOL_L_PER_MG_DL = 88.4


@dataclass(frozen=True)
class SiAlternative:
    """An SI input field that is converted into a conventional record field.

    Attributes
    ----------
    si_field, field
        Input name in SI units and the record field it fills, e.g. ``bilirubin_umol_l`` ->
        ``bilirubin_mg_dl``.
    factor
        SI value = conventional value × factor.
    si_unit, unit
        Unit labels used in messages.
    """

    si_field: str
    field: str
    factor: float
    si_unit: str
    unit: str


SI_ALTERNATIVES: tuple[SiAlternative, ...] = (
    SiAlternative(
        "bilirubin_umol_l", "bilirubin_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
    SiAlternative("albumin_g_l", "albumin_g_dl", ALBUMIN_G_L_PER_G_DL, "g/L", "g/dL"),
    SiAlternative(
        "creatinine_umol_l", "creatinine_mg_dl", CREATININE_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
    SiAlternative(
        "bilirubin_baseline_umol_l",
        "bilirubin_baseline_mg_dl",
        BILIRUBIN_UMOL_L_PER_MG_DL,
        "µmol/L",
        "mg/dL",
    ),
)


@dataclass(frozen=True)
class Plausible:
    """Range of physically possible values for one lab field and the hint for a unit mix-up.

    ``above_hint`` / ``below_hint`` name the likely confusion when the value is out of range.
    """

    field: str
    low: float
    high: float
    unit: str
    above_hint: str = ""
    below_hint: str = ""


PLAUSIBLE: dict[str, Plausible] = {
    p.field: p
    for p in (
        Plausible(
            "bilirubin_mg_dl", 0.0, 30.0, "mg/dL", "did you mean µmol/L? use bilirubin_umol_l"
        ),
        Plausible(
            "bilirubin_baseline_mg_dl",
            0.0,
            30.0,
            "mg/dL",
            "did you mean µmol/L? use bilirubin_baseline_umol_l",
        ),
        Plausible("albumin_g_dl", 0.5, 7.0, "g/dL", "did you mean g/L? use albumin_g_l"),
        Plausible(
            "creatinine_mg_dl", 0.05, 25.0, "mg/dL", "did you mean µmol/L? use creatinine_umol_l"
        ),
        Plausible("inr", 0.5, 15.0, "", "INR is a ratio (about 1.0 in health); check the field"),
        Plausible("sodium_mmol_l", 95.0, 185.0, "mmol/L"),
        Plausible("bilirubin_umol_l", 0.0, 513.0, "µmol/L"),
        Plausible(
            "albumin_g_l", 5.0, 70.0, "g/L", below_hint="did you mean g/dL? use albumin_g_dl"
        ),
        Plausible("creatinine_umol_l", 4.0, 2210.0, "µmol/L"),
    )
}


def check_plausible(field: str, value: float) -> None:
    """Raise :class:`ClinicalInputError` when ``value`` is impossible for ``field``."""
    _number(field, value)
    rule = PLAUSIBLE.get(field)
    if rule is None:
        return
    unit = f" {rule.unit}" if rule.unit else ""
    if value > rule.high:
        fix = rule.above_hint or f"enter a value between {rule.low:g} and {rule.high:g}{unit}"
        raise ClinicalInputError(field, f"above {rule.high:g}{unit}", value, fix)
    if value < rule.low or (rule.low == 0.0 and value <= 0.0):
        fix = rule.below_hint or f"enter a value between {rule.low:g} and {rule.high:g}{unit}"
        limit = "not positive" if rule.low == 0.0 else f"below {rule.low:g}{unit}"
        raise ClinicalInputError(field, limit, value, fix)


def _number(field: str, value: Any) -> float:
    try:
        return check_number(field, value)
    except InputError as error:
        raise ClinicalInputError(error.field, error.rule, error.value, error.fix) from None


def convert_si_inputs(
    data: dict[str, Any], alternatives: tuple[SiAlternative, ...] = SI_ALTERNATIVES
) -> dict[str, Any]:
    """Return a copy of ``data`` with SI lab inputs converted to the record's conventional units.

    Converted values are rounded to 0.01 (mg/dL, g/dL), the precision labs report; so 34 µmol/L
    becomes 1.99 mg/dL (Child-Pugh tables print 34 µmol/L for the exact 34.2 = 2.0 mg/dL).

    Raises
    ------
    ClinicalInputError
        If both the SI and the conventional field are given, or a value is impossible.
    """
    out = dict(data)
    for alt in alternatives:
        if alt.si_field not in out:
            continue
        si_value = out.pop(alt.si_field)
        if si_value is None:
            continue
        if out.get(alt.field) is not None:
            raise ClinicalInputError(
                alt.si_field,
                f"given together with {alt.field}",
                si_value,
                f"give the value once: {alt.si_field} ({alt.si_unit}) or {alt.field} ({alt.unit})",
            )
        number = _number(alt.si_field, si_value)
        check_plausible(alt.si_field, number)
        out[alt.field] = round(number / alt.factor, 2)
    return out


def si_schema_properties(
    alternatives: tuple[SiAlternative, ...] | None = None,
) -> dict[str, dict[str, Any]]:
    """JSON-schema properties that document the accepted SI input alternatives.

    ``alternatives`` defaults to the patient-record set :data:`SI_ALTERNATIVES`.
    """
    return {
        alt.si_field: {
            "anyOf": [{"type": "number"}, {"type": "null"}],
            "title": alt.si_field.replace("_", " ").capitalize(),
            "description": (
                f"Alternative input in {alt.si_unit}; converted on load to {alt.field} "
                f"({alt.unit}) by dividing by {alt.factor:g}. Give one of the two."
            ),
        }
        for alt in (SI_ALTERNATIVES if alternatives is None else alternatives)
    }


def read_json_object(path: str | Path, what: str) -> dict[str, Any]:
    """The JSON object stored in ``path``; ``what`` names the input in the error messages.

    Raises
    ------
    ClinicalInputError
        File missing, not valid JSON, or JSON that is not an object.
    """
    path = Path(path)
    if not path.is_file():
        raise ClinicalInputError(str(path), "file not found", None, "give the path of a JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ClinicalInputError(str(path), f"not valid JSON ({error})", None) from None
    if not isinstance(data, dict):
        raise ClinicalInputError(what, "must be a JSON object", type(data).__name__)
    return data
