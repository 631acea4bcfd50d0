"""Published LKB parameter sets for radiation-induced liver disease (RILD), and Liang 2006.

Each set records the dose per fraction and α/β it was fitted at, so a patient DVH is first
converted bin by bin to that fractionation (see :func:`hccrt.radiobiology.ntcp.ntcp_lkb`).
Statuses follow clinical-facts §4.2: what could not be checked against the primary paper is
``UNCONFIRMED`` and is only a labelled, overridable default (use :meth:`NtcpParameterSet.override`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from hccrt.errors import ClinicalInputError, InputError
from hccrt.radiobiology._checks import child_pugh_letter, positive
from hccrt.radiobiology.records import Status, weakest


@dataclass(frozen=True)
class NtcpParameterSet:
    """LKB parameters (n, m, TD50) with the fractionation they were fitted at and their provenance.

    Parameters
    ----------
    name
        Key used by :func:`get_ntcp_parameter_set`, e.g. ``"tai2009_child_pugh_a"``.
    label
        Short human-readable label.
    population, endpoint
        Who the fit is for and what it predicts.
    n, m, td50_gy
        Volume exponent, slope and whole-organ TD50 (Gy).
    reference_dose_per_fraction_gy
        Dose per fraction the fit refers to (Gy); DVH doses are converted to EQD at this value.
    alpha_beta_gy
        α/β (Gy) used for that conversion.
    source
        Citation and where the values were checked.
    parameters_status, fractionation_status
        Status of (n, m, TD50) and of (reference dose per fraction, α/β).
    child_pugh_class
        ``"A"``, ``"B"`` or ``None`` when the set is not specific to a class.
    notes
        Caveats.
    """

    name: str
    label: str
    population: str
    endpoint: str
    n: float
    m: float
    td50_gy: float
    reference_dose_per_fraction_gy: float
    alpha_beta_gy: float
    source: str
    parameters_status: Status
    fractionation_status: Status
    child_pugh_class: str | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        positive("n", self.n)
        positive("m", self.m)
        positive("td50_gy", self.td50_gy)
        positive("reference_dose_per_fraction_gy", self.reference_dose_per_fraction_gy)
        positive("alpha_beta_gy", self.alpha_beta_gy)

    @property
    def status(self) -> Status:
        """Weakest of the parameter and fractionation statuses."""
        return weakest(self.parameters_status, self.fractionation_status)

    def as_record(self) -> dict[str, Any]:
        """Every field as a plain dict, plus the combined ``status`` (for JSON and tables)."""
        record = dataclasses.asdict(self)
        record["status"] = self.status.value
        return record

    def override(self, **changes: float) -> NtcpParameterSet:
        """Return a copy with some of n, m, td50_gy, reference_dose_per_fraction_gy, alpha_beta_gy
        replaced; the changed fields are marked user supplied in ``source`` and statuses."""
        allowed = {"n", "m", "td50_gy", "reference_dose_per_fraction_gy", "alpha_beta_gy"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise InputError(
                "override", f"only {sorted(allowed)} can be overridden", unknown, "rename"
            )
        shown = ", ".join(f"{key}={value:g}" for key, value in sorted(changes.items()))
        updates: dict[str, object] = dict(changes)
        updates["source"] = f"{self.source}; overridden by user: {shown}"
        if {"n", "m", "td50_gy"} & set(changes):
            updates["parameters_status"] = Status.user
        if {"reference_dose_per_fraction_gy", "alpha_beta_gy"} & set(changes):
            updates["fractionation_status"] = Status.user
        return dataclasses.replace(self, **updates)  # type: ignore[arg-type]


_DAWSON = (
    "Dawson LA et al. Analysis of radiation-induced liver disease using the Lyman NTCP model. "
    "IJROBP 2002;53:810-821 (abstract checked, S22); n/m/TD50 from a public implementation "
    "citing the paper (NTCPcalc ESAPI, S22)"
)
_DAWSON_FX = (
    "fit on conformal RT with hepatic-arterial FUdR/BUdR, 1.5 Gy twice daily (UNCONFIRMED); "
    "alpha/beta 2.5 Gy for conversion (UNCONFIRMED)"
)
_TAI = (
    "Tai A, Erickson B, Li XA. IJROBP 2009;74:283-289 (pooled 4 institutions, 1.5-6 Gy/fraction; "
    "n fixed 1.0, alpha/beta fixed 2 Gy; checked at metajournal.com/articles/1363406, S15)"
)
_TAI_FX = (
    "alpha/beta 2 Gy as fixed in the fit (verified); normalised total dose taken at 2 Gy per "
    "fraction (reference dose per fraction UNCONFIRMED); the fit's extra NTD parameter f "
    "(0.156 Gy Child-Pugh A, 0 Child-Pugh B) is not used here"
)
_XU = (
    "Xu ZY, Liang SX, Zhu J, et al. Prediction of radiation-induced liver disease by Lyman "
    "normal-tissue complication probability model in three-dimensional conformal radiation "
    "therapy for primary liver carcinoma. IJROBP 2006;65:189-195. Values recalled, NOT found in "
    "any retrievable source (searched 2026-11-21)"
)
_XU_FX = (
    "Fudan hypofractionated 3D-CRT (about 4-6 Gy per fraction, 3 fractions a week); mean "
    "4.88 Gy per fraction and alpha/beta 2.5 Gy used for conversion are UNCONFIRMED"
)

NTCP_PARAMETER_SETS: tuple[NtcpParameterSet, ...] = (
    NtcpParameterSet(
        "dawson2002_primary",
        "Dawson 2002, primary hepatobiliary cancer",
        "primary hepatobiliary cancer, 203-patient Michigan cohort",
        "RILD (RTOG grade >= 3) within 4 months",
        0.97,
        0.12,
        39.8,
        1.5,
        2.5,
        _DAWSON + "; " + _DAWSON_FX,
        Status.verified_secondary,
        Status.unconfirmed,
        notes="no RILD when mean liver dose < 31 Gy (abstract)",
    ),
    NtcpParameterSet(
        "dawson2002_metastases",
        "Dawson 2002, liver metastases",
        "liver metastases, 203-patient Michigan cohort",
        "RILD (RTOG grade >= 3) within 4 months",
        0.97,
        0.12,
        45.8,
        1.5,
        2.5,
        _DAWSON + "; " + _DAWSON_FX,
        Status.verified_secondary,
        Status.unconfirmed,
    ),
    NtcpParameterSet(
        "dawson2002_all",
        "Dawson 2002, whole cohort",
        "primary and metastatic liver cancer, 203-patient Michigan cohort",
        "RILD (RTOG grade >= 3) within 4 months",
        0.97,
        0.12,
        43.3,
        1.5,
        2.5,
        _DAWSON + "; whole-cohort TD50 43.3 Gy UNCONFIRMED; " + _DAWSON_FX,
        Status.unconfirmed,
        Status.unconfirmed,
    ),
    NtcpParameterSet(
        "tai2009_child_pugh_a",
        "Tai 2009, primary liver cancer, Child-Pugh A",
        "primary liver cancer, Child-Pugh A",
        "RILD",
        1.0,
        0.36,
        40.3,
        2.0,
        2.0,
        _TAI + "; m 0.36 +/- 0.09, TD50 40.3 +/- 8.4 Gy; " + _TAI_FX,
        Status.verified,
        Status.unconfirmed,
        child_pugh_class="A",
    ),
    NtcpParameterSet(
        "tai2009_child_pugh_b",
        "Tai 2009, primary liver cancer, Child-Pugh B",
        "primary liver cancer, Child-Pugh B",
        "RILD",
        1.0,
        0.41,
        23.9,
        2.0,
        2.0,
        _TAI + "; m 0.41 +/- 0.15, TD50 23.9 +/- 5.3 Gy; " + _TAI_FX,
        Status.verified,
        Status.unconfirmed,
        child_pugh_class="B",
    ),
    NtcpParameterSet(
        "xu2006_child_pugh_a",
        "Xu 2006, Chinese HCC (HBV), Child-Pugh A",
        "primary liver carcinoma, Child-Pugh A (Fudan, mostly HBV cirrhosis)",
        "RILD",
        1.1,
        0.28,
        40.5,
        4.88,
        2.5,
        _XU + "; " + _XU_FX,
        Status.unconfirmed,
        Status.unconfirmed,
        child_pugh_class="A",
    ),
    NtcpParameterSet(
        "xu2006_child_pugh_b",
        "Xu 2006, Chinese HCC (HBV), Child-Pugh B",
        "primary liver carcinoma, Child-Pugh B (Fudan, mostly HBV cirrhosis)",
        "RILD",
        0.7,
        0.43,
        23.0,
        4.88,
        2.5,
        _XU + "; " + _XU_FX,
        Status.unconfirmed,
        Status.unconfirmed,
        child_pugh_class="B",
    ),
    NtcpParameterSet(
        "burman1991_whole_liver",
        "Burman 1991 (Emami data), liver failure",
        "historical whole/partial-liver tolerance estimates",
        "liver failure",
        0.32,
        0.15,
        40.0,
        2.0,
        2.5,
        "Burman C et al. IJROBP 1991;21:123-135 (fit to Emami 1991); values UNCONFIRMED",
        Status.unconfirmed,
        Status.unconfirmed,
        notes="pre-3D-era estimates; shown for comparison only",
    ),
)


def list_ntcp_parameter_sets() -> tuple[NtcpParameterSet, ...]:
    """All published liver parameter sets, in a stable order."""
    return NTCP_PARAMETER_SETS


def get_ntcp_parameter_set(name: str) -> NtcpParameterSet:
    """Look up a parameter set by name (case-insensitive), e.g. ``"tai2009_child_pugh_a"``."""
    key = name.strip().lower()
    for parameter_set in NTCP_PARAMETER_SETS:
        if parameter_set.name == key:
            return parameter_set
    known = ", ".join(p.name for p in NTCP_PARAMETER_SETS)
    raise InputError("parameter_set", f"unknown NTCP parameter set (known: {known})", name, "")


def default_ntcp_parameter_set(child_pugh_class: str) -> NtcpParameterSet:
    """Parameter set chosen by Child-Pugh class: A -> Tai 2009 A, B -> Tai 2009 B.

    Accepts ``"A"``, ``"B"``, ``"C"`` or a class with its score (``"A5"``, ``"B7"``).

    Raises
    ------
    ClinicalInputError
        For Child-Pugh C (no validated RILD parameter set exists) or an unreadable class.
    """
    letter = child_pugh_letter(child_pugh_class)
    if letter == "C":
        raise ClinicalInputError(
            "child_pugh_class",
            "no validated RILD NTCP parameter set exists for Child-Pugh C (insufficient_data)",
            child_pugh_class,
            "do not use an NTCP estimate for this patient; pass a parameter set explicitly "
            "only if you accept extrapolating a Child-Pugh B fit",
        )
    return get_ntcp_parameter_set(f"tai2009_child_pugh_{letter.lower()}")
