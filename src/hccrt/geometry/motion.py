"""PTV margins from set-up errors and breathing motion (van Herk recipe) or the seed's ABC rule.

Two policies, both returning the per-direction margins they used and their sources:

* **ABC (active breathing control)** - seed 000: "the planned volume (PTV) is CTV plus 6 mm under
  the condition of using ABC device". Isotropic 6 mm by default, overridable (the underlying
  Chinese guideline pages were not retrieved: status UNCONFIRMED in clinical-facts section 6.1).
* **Free breathing** - seed 000: the PTV margin "should be determined according to the patient's
  respiration when ABC is not used". Per axis (LR, AP, SI):
  ``M = 2.5 * Sigma + 0.7 * sqrt(sigma^2 + sigma_resp^2)`` (van Herk et al., IJROBP
  2000;47:1121; respiration added to the random error in quadrature as in van Herk et al.,
  IJROBP 2003;57:1460, valid for peak-to-peak amplitudes up to about 10 mm), with
  ``sigma_resp = A / (2 * sqrt(2))`` for a sinusoidal trace of peak-to-peak amplitude ``A``
  (derived; the exact coefficient used by van Herk is UNCONFIRMED).

Missing inputs give ``status="insufficient_data"`` with the list of what is missing and reference
values to look at - never a guessed margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from hccrt.errors import ClinicalInputError
from hccrt.geometry.margins import Margins

SEED_000 = "seeds/000_ac0db68d78fdb62d.txt"
ABC_PTV_MARGIN_MM = 6.0
AMPLITUDE_VALIDITY_MM = 10.0
SINUSOID_SD_PER_AMPLITUDE = 1.0 / (2.0 * math.sqrt(2.0))


@dataclass(frozen=True)
class MarginSource:
    """Where a value or formula comes from, and how well it is established."""

    citation: str
    passage: str
    status: Literal["seed", "V", "V2", "D", "UNCONFIRMED"]


ABC_SOURCE = MarginSource(
    SEED_000,
    "the planned volume (PTV) is CTV plus 6 mm under the condition of using ABC device",
    "seed",
)
ABC_GUIDELINE = MarginSource(
    "reference/clinical-facts.md section 6.1 (NHC/CSTRO guideline)",
    "PTV = CTV + 6 mm with active breathing control (ABC); guideline pages not retrieved",
    "UNCONFIRMED",
)
FREE_BREATHING_SOURCE = MarginSource(
    SEED_000,
    "which should be determined according to the patient\u2019s respiration when ABC is not used",
    "seed",
)
VAN_HERK_2000 = MarginSource(
    "van Herk M et al., IJROBP 2000;47:1121-1135",
    "M_PTV = 2.5 Sigma + 0.7 sigma",
    "V",
)
VAN_HERK_2003 = MarginSource(
    "van Herk M et al., IJROBP 2003;57:1460-1471",
    "respiration as an additional random error combined in quadrature; valid for A <~ 1 cm",
    "V",
)
SINUSOID_SD = MarginSource(
    "derived (clinical-facts.md section 6.2)",
    "sigma_resp = A / (2 sqrt 2) for a sinusoidal trace; van Herk's exact coefficient unconfirmed",
    "UNCONFIRMED",
)
MOTION_REFERENCE = (
    "reference values (clinical-facts.md 6.3): free-breathing HCC SI motion 10.46 +/- 2.78 mm "
    "(Hu 2017, 4D-CT); with abdominal compression LR 2.9, AP 2.3, SI 5.3 mm"
)


@dataclass(frozen=True)
class AxisValues:
    """One value per patient axis, in mm: left-right, anterior-posterior, superior-inferior."""

    lr_mm: float
    ap_mm: float
    si_mm: float

    @classmethod
    def parse(cls, text: str, field: str) -> AxisValues:
        """Parse ``"LR,AP,SI"`` in mm (one value = the same on every axis)."""
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError as error:
            raise ClinicalInputError(field, "must be numbers in mm", text, "e.g. 2,2,3") from error
        if len(values) == 1:
            values *= 3
        if len(values) != 3:
            raise ClinicalInputError(
                field, "needs 1 or 3 values in the order LR,AP,SI (mm)", text, "e.g. 2,2,3"
            )
        return cls(values[0], values[1], values[2])

    def __post_init__(self) -> None:
        for name, value in (("lr_mm", self.lr_mm), ("ap_mm", self.ap_mm), ("si_mm", self.si_mm)):
            if not math.isfinite(value) or not 0.0 <= value <= 50.0:
                raise ClinicalInputError(
                    name, "must be 0-50 mm", value, "give standard deviations/amplitudes in mm"
                )


@dataclass(frozen=True)
class PTVMarginResult:
    """A PTV margin recommendation with everything it was computed from.

    Attributes
    ----------
    status
        ``"ok"`` or ``"insufficient_data"`` (then ``margins`` is ``None``).
    margins
        Per-direction margins (R, L, A, P, S, I) in mm.
    per_axis_mm
        Margin per axis (LR, AP, SI) in mm.
    respiratory_sd_mm
        The breathing standard deviation per axis that entered the recipe.
    """

    status: Literal["ok", "insufficient_data"]
    breathing: Literal["abc", "free"]
    method: str
    margins: Margins | None
    per_axis_mm: AxisValues | None
    systematic_sd_mm: AxisValues | None
    random_sd_mm: AxisValues | None
    breathing_amplitude_mm: AxisValues | None
    respiratory_sd_mm: AxisValues | None
    formula: str
    sources: tuple[MarginSource, ...]
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def van_herk_axis_margin_mm(
    systematic_sd_mm: float, random_sd_mm: float, respiratory_sd_mm: float = 0.0
) -> float:
    """``2.5 Sigma + 0.7 sqrt(sigma^2 + sigma_resp^2)`` in mm (one axis)."""
    return 2.5 * systematic_sd_mm + 0.7 * math.hypot(random_sd_mm, respiratory_sd_mm)


def ptv_margin(
    breathing: Literal["abc", "free"],
    *,
    systematic_sd_mm: AxisValues | None = None,
    random_sd_mm: AxisValues | None = None,
    breathing_amplitude_mm: AxisValues | None = None,
    abc_margin_mm: float = ABC_PTV_MARGIN_MM,
) -> PTVMarginResult:
    """CTV -> PTV margin for breathing with ABC or free breathing.

    Parameters
    ----------
    breathing
        ``"abc"``: the seed's fixed margin (``abc_margin_mm``, default 6 mm, overridable).
        ``"free"``: the van Herk recipe with the patient's breathing amplitude per axis.
    systematic_sd_mm, random_sd_mm
        Population systematic (Sigma) and random (sigma) set-up error SDs per axis (mm) of the
        department's own image-guidance protocol (required for free breathing).
    breathing_amplitude_mm
        Peak-to-peak tumour/liver motion per axis from the patient's 4D-CT/fluoroscopy (mm).
    abc_margin_mm
        Isotropic margin used with ABC (mm).
    """
    if breathing == "abc":
        if not 0.0 <= abc_margin_mm <= 30.0:
            raise ClinicalInputError("abc_margin_mm", "must be 0-30 mm", abc_margin_mm, "")
        notes = []
        if abc_margin_mm != ABC_PTV_MARGIN_MM:
            notes.append(f"ABC margin overridden: {abc_margin_mm} mm instead of the seed's 6 mm")
        per_axis = AxisValues(abc_margin_mm, abc_margin_mm, abc_margin_mm)
        return PTVMarginResult(
            status="ok",
            breathing="abc",
            method="seed_000_abc_fixed",
            margins=Margins.isotropic(abc_margin_mm),
            per_axis_mm=per_axis,
            systematic_sd_mm=systematic_sd_mm,
            random_sd_mm=random_sd_mm,
            breathing_amplitude_mm=breathing_amplitude_mm,
            respiratory_sd_mm=None,
            formula=f"PTV = CTV + {abc_margin_mm:g} mm (ABC)",
            sources=(ABC_SOURCE, ABC_GUIDELINE),
            warnings=tuple(notes),
        )
    if breathing != "free":
        raise ClinicalInputError("breathing", "must be 'abc' or 'free'", breathing, "")
    missing = tuple(
        name
        for name, value in (
            ("systematic_sd_mm", systematic_sd_mm),
            ("random_sd_mm", random_sd_mm),
            ("breathing_amplitude_mm", breathing_amplitude_mm),
        )
        if value is None
    )
    formula = "M = 2.5 Sigma + 0.7 sqrt(sigma^2 + (A / (2 sqrt 2))^2), per axis"
    sources = (FREE_BREATHING_SOURCE, VAN_HERK_2000, VAN_HERK_2003, SINUSOID_SD)
    if (
        missing
        or systematic_sd_mm is None
        or random_sd_mm is None
        or breathing_amplitude_mm is None
    ):
        return PTVMarginResult(
            status="insufficient_data",
            breathing="free",
            method="van_herk",
            margins=None,
            per_axis_mm=None,
            systematic_sd_mm=systematic_sd_mm,
            random_sd_mm=random_sd_mm,
            breathing_amplitude_mm=breathing_amplitude_mm,
            respiratory_sd_mm=None,
            formula=formula,
            sources=sources,
            missing=missing,
            warnings=(
                "free-breathing PTV margin needs the department's set-up error SDs and the "
                "patient's breathing amplitude per axis; " + MOTION_REFERENCE,
            ),
        )
    amplitudes = (
        breathing_amplitude_mm.lr_mm,
        breathing_amplitude_mm.ap_mm,
        breathing_amplitude_mm.si_mm,
    )
    respiratory = AxisValues(*(a * SINUSOID_SD_PER_AMPLITUDE for a in amplitudes))
    axes = zip(
        (systematic_sd_mm.lr_mm, systematic_sd_mm.ap_mm, systematic_sd_mm.si_mm),
        (random_sd_mm.lr_mm, random_sd_mm.ap_mm, random_sd_mm.si_mm),
        (respiratory.lr_mm, respiratory.ap_mm, respiratory.si_mm),
        strict=True,
    )
    lr, ap, si = (van_herk_axis_margin_mm(big, small, resp) for big, small, resp in axes)
    notes = [
        f"{axis} amplitude {value:g} mm exceeds {AMPLITUDE_VALIDITY_MM:g} mm, beyond the "
        "validity of the quadrature rule (van Herk 2003): consider ABC, gating or an ITV"
        for axis, value in zip(("LR", "AP", "SI"), amplitudes, strict=True)
        if value > AMPLITUDE_VALIDITY_MM
    ]
    return PTVMarginResult(
        status="ok",
        breathing="free",
        method="van_herk",
        margins=Margins(lr, lr, ap, ap, si, si),
        per_axis_mm=AxisValues(lr, ap, si),
        systematic_sd_mm=systematic_sd_mm,
        random_sd_mm=random_sd_mm,
        breathing_amplitude_mm=breathing_amplitude_mm,
        respiratory_sd_mm=respiratory,
        formula=formula,
        sources=sources,
        warnings=tuple(notes),
    )
