"""Overridable defaults of the clinical rules (every non-seed number lives here, labelled).

Seed values (23/6/22 Gy, 700 cc, 6 mm PTV with ABC, the 5-10 mm CTV range, the bilirubin cut-offs)
are not settings: they are the specification. The defaults below are literature or derived values
that the seeds do not state; each field says its status. Pass a :class:`ClinicalSettings` to
:func:`hccrt.clinical.assess.assess` (or ``hccrt assess --settings FILE.json``) to change them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hccrt.clinical.sources import Status, facts_rule
from hccrt.clinical.units import read_json_object
from hccrt.errors import ClinicalInputError, InputError
from hccrt.numbers import FiniteFloat

AREA = "Overridable defaults (not stated by the seeds)"
facts_rule(
    "SET-TRACKING-5MM",
    "Tracking hint when breathing motion exceeds 5 mm (overridable default)",
    "§6.3 (motion data); AAPM TG-76 (Keall PJ et al., Med Phys 2006;33:3874)",
    "Motion management is usually advised above about 5 mm of tumour motion (TG-76); liver "
    "CC motion is about 10 mm in free breathing (Hu 2017). Default 5 mm, setting "
    "tracking_motion_mm.",
    Status.unconfirmed,
    ("breathing_motion_mm",),
    AREA,
)
facts_rule(
    "SET-CONES",
    "Cone collimator hint for targets ≤ 3.5 cm (derived from the 10-35 mm cylinders)",
    "§9 / seed 001",
    "Seed 001 lists limiting cylinders of 10-35 mm diameter; a target up to 3.5 cm fits the "
    "largest cone. Setting cone_max_target_cm.",
    Status.derived,
    ("tumors.diameter_cm",),
    AREA,
)


class ClinicalSettings(BaseModel):
    """Labelled, overridable defaults used by the rules (frozen)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    albumin_three_points_below_g_dl: FiniteFloat = Field(
        2.8,
        ge=2.5,
        le=3.0,
        description="Child-Pugh albumin cut-off for 3 points [V] Pugh 1973 (2.8); some textbook "
        "tables use 3.0 (clinical-facts §1.1).",
    )
    large_tumor_cm: FiniteFloat = Field(
        5.0,
        gt=0,
        le=30,
        description="'Large HCC' for the IMRT hint (rule TECH-LARGE, UNCONFIRMED default).",
    )
    tracking_motion_mm: FiniteFloat = Field(
        5.0, ge=0, le=50, description="Motion above which tracking is suggested (SET-TRACKING-5MM)."
    )
    cone_max_target_cm: FiniteFloat = Field(
        3.5, gt=0, le=10, description="Largest target for cone collimators (SET-CONES, derived)."
    )
    ctv_margin_mm: FiniteFloat = Field(
        5.0, ge=5.0, le=10.0, description="GTV->CTV margin within the seed range 5-10 mm."
    )
    low_platelets_below_10e9_l: FiniteFloat = Field(
        100.0,
        gt=0,
        le=400,
        description="Platelet count (10^9/L) below which hypersplenism is suspected for the "
        "bone-marrow rule (SET-PLT-100, UNCONFIRMED default; EASL 2018 surrogate).",
    )
    tumour_alpha_beta_gy: FiniteFloat = Field(
        10.0, gt=0, le=30, description="α/β of HCC for BED/EQD2 (clinical-facts §3.3, §7)."
    )


DEFAULT_SETTINGS = ClinicalSettings()


def load_settings(path: str | Path) -> ClinicalSettings:
    """Read a JSON file of settings overrides (unknown keys and out-of-range values rejected)."""
    data = read_json_object(path, "settings")
    try:
        return ClinicalSettings.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "settings"
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, InputError):  # NaN, a boolean or a string for a number
            raise ClinicalInputError(loc, cause.rule, cause.value, cause.fix) from None
        raise ClinicalInputError(
            loc, first["msg"], first.get("input"), "see ClinicalSettings in docs/clinical.md"
        ) from None
