"""People's words for stored JSON: labels with units and values as text, never a dict.

The pages show the patient record, the assessment's fractionation schemes and an evaluation's
parameters through these helpers (Jinja filters ``label``, ``words``, ``record_rows``,
``scheme_text`` and ``parameter_rows``). A field name becomes its label with the unit its suffix
names (``alt_uln_u_l`` -> "ALT upper limit of normal (U/L)"); a nested value becomes a short
sentence; a list of objects becomes one line per object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hccrt.web.patient_form import CHOICE_FIELDS, FLAG_FIELDS, NUMBER_FIELDS, TRISTATE_FIELDS

# Field-name suffix -> unit label (longest first).
UNIT_SUFFIXES = (
    ("_10e9_l", "×10⁹/L"),
    ("_umol_l", "µmol/L"),
    ("_mmol_l", "mmol/L"),
    ("_mg_dl", "mg/dL"),
    ("_g_dl", "g/dL"),
    ("_ng_ml", "ng/mL"),
    ("_g_l", "g/L"),
    ("_u_l", "U/L"),
    ("_years", "years"),
    ("_gy", "Gy"),
    ("_cc", "cc"),
    ("_cm", "cm"),
    ("_mm", "mm"),
    ("_percent", "%"),
)
_WORDS = {
    "alt": "ALT",
    "ast": "AST",
    "alp": "ALP",
    "afp": "AFP",
    "inr": "INR",
    "kps": "KPS",
    "ecog": "ECOG",
    "uln": "upper limit of normal",
    "rt": "RT",
    "ps": "performance status",
    "abc": "active breathing control",
    "ivc": "IVC",
    "tace": "TACE",
    "sbrt": "SBRT",
    "ctv": "CTV",
    "ptv": "PTV",
    "gtv": "GTV",
    "ntcp": "NTCP",
    "bed": "BED",
    "eqd2": "EQD2",
    "id": "ID",
}
_LABELS: dict[str, str] = {
    "patient_id": "Patient ID",
    "name": "Name",
    "bilirubin_mg_dl": "Total bilirubin (mg/dL)",
    "bilirubin_baseline_mg_dl": "Baseline bilirubin (mg/dL)",
    "albumin_g_dl": "Albumin (g/dL)",
    "creatinine_mg_dl": "Creatinine (mg/dL)",
    "platelets_10e9_l": "Platelets (×10⁹/L)",
    "tumors": "Tumours",
    "tumour_pattern": "Tumour pattern",
    "vascular_invasion": "Vascular invasion",
    "extrahepatic_disease": "Extrahepatic disease",
    "prior_treatments": "Prior treatments",
    "dose_per_fraction_gy": "Dose per fraction (Gy)",
    "alpha_beta_gy": "α/β (Gy)",
    "prescription_gy": "Prescription (Gy)",
    "protocol_requested": "Protocol requested",
    "protocol_selection": "Protocol selection",
    "ntcp_parameter_sets": "NTCP parameter sets",
    "child_pugh_class": "Child-Pugh class",
    "report": "PDF report",
    **{name: f"{label} ({unit})" if unit else label for name, label, unit in NUMBER_FIELDS},
    **{name: label for name, label, _ in CHOICE_FIELDS},
    **dict(TRISTATE_FIELDS),
    **dict(FLAG_FIELDS),
}
_SCHEME_KEYS = frozenset(
    {
        "reasons",
        "rule_ids",
        "facts",
        "sources",
        "key",
        "target",
        "dose_per_fraction_gy",
        "fractions",
        "total_dose_gy",
        "fractions_per_week",
        "bed_gy",
        "eqd2_gy",
        "alpha_beta_gy",
        "preferred",
    }
)


def _split_unit(name: str) -> tuple[str, str]:
    for suffix, unit in UNIT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], unit
    return name, ""


def label(name: str) -> str:
    """The label of a field name with its unit.

    ``alt_uln_u_l`` -> "ALT upper limit of normal (U/L)".
    """
    if name in _LABELS:
        return _LABELS[name]
    stem, unit = _split_unit(name)
    words = [_WORDS.get(part, part) for part in stem.split("_") if part]
    text = " ".join(words) or name
    text = text[0].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def _number(value: float) -> str:
    return f"{value:g}"


def words(value: Any, choices: bool = True) -> str:
    """A stored value as text: yes/no, numbers as typed, choices in words, objects as a sentence.

    ``None`` is "not known"; an object shows its non-empty fields (true flags by their label
    alone); a list joins its items with "; ". With ``choices=False`` strings are shown as
    stored (identifiers such as protocol or parameter-set names keep their underscores).
    """
    if value is None:
        return "not known"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        if not choices or " " in value:
            return value
        return _WORDS.get(value.lower(), value.replace("_", " "))
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            if item in (None, False, [], {}, ""):
                continue
            if item is True:
                parts.append(label(key).lower() if key not in _WORDS else _WORDS[key])
            else:
                stem, unit = _split_unit(key)
                text = words(item, choices)
                parts.append(
                    f"{label(stem).lower()} {text} {unit}" if unit else f"{label(key)}: {text}"
                )
        return ", ".join(parts) or "none"
    if isinstance(value, Sequence):
        return "; ".join(words(item, choices) for item in value) or "none"
    return str(value)


def tumour_text(tumour: Mapping[str, Any]) -> str:
    """One tumour: "5.8 cm, segment 7, near a major vessel"."""
    parts = []
    if tumour.get("diameter_cm") is not None:
        parts.append(f"{_number(tumour['diameter_cm'])} cm")
    if tumour.get("segment") is not None:
        parts.append(f"segment {tumour['segment']}")
    rest = {k: v for k, v in tumour.items() if k not in ("diameter_cm", "segment")}
    described = words(rest)
    if described != "none":
        parts.append(described)
    return ", ".join(parts) or "no details"


def record_rows(record: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """The known fields of a patient record: ``[(label, [line, ...])]`` (one line per item)."""
    rows: list[tuple[str, list[str]]] = []
    for key, value in record.items():
        if value in (None, [], False, {}, ""):
            continue
        if key == "tumors" and isinstance(value, list):
            lines = [f"Tumour {i}: {tumour_text(t)}" for i, t in enumerate(value, 1)]
        elif isinstance(value, list):
            lines = [words(item) for item in value]
        else:
            lines = [words(value)]
        rows.append((label(key), lines))
    return rows


def scheme_text(scheme: Mapping[str, Any]) -> list[str]:
    """A fractionation scheme in words (one line each): dose, fractions, BED, EQD2, others."""
    lines = []
    total, n, d = (
        scheme.get("total_dose_gy"),
        scheme.get("fractions"),
        scheme.get("dose_per_fraction_gy"),
    )
    if total is not None and n is not None:
        head = f"{_number(total)} Gy in {n} fractions"
        detail = [f"{_number(d)} Gy per fraction"] if d is not None else []
        if scheme.get("fractions_per_week") is not None:
            detail.append(f"{scheme['fractions_per_week']} per week")
        lines.append(f"{head} ({', '.join(detail)})" if detail else head)
    if scheme.get("bed_gy") is not None:
        alpha_beta = scheme.get("alpha_beta_gy")
        ab = f" (α/β {_number(alpha_beta)} Gy)" if alpha_beta is not None else ""
        eqd2 = scheme.get("eqd2_gy")
        lines.append(
            f"BED {_number(scheme['bed_gy'])} Gy"
            + (f", EQD2 {_number(eqd2)} Gy" if eqd2 is not None else "")
            + ab
        )
    if scheme.get("target"):
        lines.append(f"For: {words(scheme['target'])}")
    if scheme.get("preferred"):
        lines.append("Preferred scheme")
    for key, value in scheme.items():
        if key not in _SCHEME_KEYS and value not in (None, [], {}, False, ""):
            lines.append(f"{label(key)}: {words(value)}")
    return lines


def parameter_rows(parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An evaluation's stored parameters as ``[(label, text)]``."""
    return [
        (label(key), words(value, choices=False))
        for key, value in parameters.items()
        if value is not None
    ]


def install(env: Any) -> None:
    """Register the filters on a Jinja environment (``templates.env``)."""
    env.filters.update(
        label=label,
        words=words,
        record_rows=record_rows,
        scheme_text=scheme_text,
        parameter_rows=parameter_rows,
        tumour_text=tumour_text,
    )
