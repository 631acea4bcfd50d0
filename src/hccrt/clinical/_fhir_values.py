"""Record values as FHIR values and back, for the facts coded in hccrt's own code system."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

from hccrt.clinical._fhir_codes import HCCRT_SYSTEM, UCUM
from hccrt.errors import ClinicalInputError

_SUFFIX_UNITS = (("_cm", "cm"), ("_mm", "mm"), ("_cc", "cm3"), ("_mg_dl", "mg/dL"))


def unit_of(field: str) -> str:
    """UCUM unit of a numeric record field, from its name (``1`` when unitless)."""
    for suffix, unit in _SUFFIX_UNITS:
        if field.endswith(suffix):
            return unit
    return "1"


def hccrt_code(field: str) -> dict[str, Any]:
    """A CodeableConcept in hccrt's code system for one record field."""
    return {"coding": [{"system": HCCRT_SYSTEM, "code": field}], "text": field}


def encode_value(field: str, value: Any) -> dict[str, Any]:
    """The ``value[x]`` element for one record value (boolean, number, text or date)."""
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int | float):
        unit = unit_of(field)
        return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}
    if isinstance(value, Enum):
        return {"valueString": str(value.value)}
    if isinstance(value, date):
        return {"valueDateTime": value.isoformat()}
    return {"valueString": str(value)}


def decode_value(field: str, element: dict[str, Any], where: str) -> Any:
    """The record value held by an element with ``value[x]``; refuse a unit that is not ours."""
    for key in ("valueBoolean", "valueString", "valueDateTime", "valueInteger"):
        if key in element:
            return element[key]
    if "valueQuantity" in element:
        quantity = element["valueQuantity"]
        unit = str(quantity.get("code", quantity.get("unit", "1")))
        if unit != unit_of(field):
            raise ClinicalInputError(
                f"{where}.valueQuantity.code",
                f"unit not mapped for {field} (expected UCUM {unit_of(field)!r})",
                unit,
                f"give {field} in {unit_of(field)}",
            )
        return quantity.get("value")
    raise ClinicalInputError(f"{where}.value[x]", f"no value for {field}", None, "add the value")
