"""Margins, normal-liver dose limits, TACE sequencing, RILD risk factors and evidence limits."""

from __future__ import annotations

from hccrt.clinical.findings import Finding, Traced, finding, trace
from hccrt.clinical.rules.context import Context
from hccrt.clinical.sources import SEED_000, seed_rule
from hccrt.core import protocol_limit

AREA = "Radiotherapy margins, dose limits, sequencing and RILD risk (seeds 000, 001, 003)"
seed_rule(
    "MARGIN-CTV",
    "CTV = GTV + 5-10 mm",
    SEED_000,
    "The clinical tumor volume (CTV) is GTV plus 5 mm-10 mm",
    (),
    AREA,
)
seed_rule(
    "MARGIN-PTV",
    "PTV = CTV + 6 mm with ABC, else from the breathing motion",
    SEED_000,
    "the planned volume (PTV) is CTV plus 6 mm under the condition of using ABC device, which "
    "should be determined according to the patient’s respiration when ABC is not used.",
    ("abc_available", "breathing_motion_mm"),
    AREA,
)
seed_rule(
    "LIMIT-CP",
    "Mean normal-liver dose 23 Gy (Child-Pugh A), 6 Gy (Child-Pugh B)",
    SEED_000,
    "The tolerated dose (whole liver average dose) for liver is 23 Gy for Chlild-Pugh class A "
    "patients and probably 6 Gy for Chlild-Pugh class B patients.",
    ("child_pugh",),
    AREA,
)
seed_rule(
    "LIMIT-22",
    "General tolerable liver dose 22 Gy",
    SEED_000,
    "Prevention is the key, and the irradiation dose is limited to the tolerable range "
    "(generally considered to be 22 Gy for the national population).",
    (),
    AREA,
)
CTV_MARGIN_RANGE_MM = (5.0, 10.0)
PTV_MARGIN_ABC_MM = 6.0


class MarginRecommendation(Traced):
    """CTV and PTV margins in mm; ``ptv_mm`` is ``None`` when it must come from motion data."""

    ctv_mm: float
    ctv_mm_range: tuple[float, float]
    ptv_mm: float | None
    breathing_motion_mm: float | None = None


def margins(ctx: Context) -> MarginRecommendation:
    """CTV = GTV + 5-10 mm (5 mm default); PTV = CTV + 6 mm with ABC (MARGIN-* rules)."""
    p = ctx.patient
    found = [
        finding(
            "MARGIN-CTV",
            f"CTV = GTV + 5-10 mm; {ctx.settings.ctv_margin_mm:g} mm (setting ctv_margin_mm)",
        )
    ]
    ptv: float | None = None
    if p.abc_available:
        ptv = PTV_MARGIN_ABC_MM
        found.append(finding("MARGIN-PTV", "PTV = CTV + 6 mm with ABC", abc_available=True))
    elif p.abc_available is False and p.breathing_motion_mm is not None:
        text = (
            f"no ABC: PTV from the measured breathing motion ({p.breathing_motion_mm:g} mm), "
            "e.g. an ITV from 4D-CT plus the set-up margin"
        )
        found.append(
            finding(
                "MARGIN-PTV", text, abc_available=False, breathing_motion_mm=p.breathing_motion_mm
            )
        )
    else:
        text = (
            "PTV insufficient_data: record abc_available, and breathing_motion_mm "
            "when ABC is not used"
        )
        found.append(finding("MARGIN-PTV", text, abc_available=p.abc_available))
    lo, hi = CTV_MARGIN_RANGE_MM
    ctv = ctx.settings.ctv_margin_mm
    return MarginRecommendation(
        ctv_mm=ctv,
        ctv_mm_range=(lo, hi),
        ptv_mm=ptv,
        breathing_motion_mm=p.breathing_motion_mm,
        **trace(found),
    )


class DoseLimit(Traced):
    """One dose limit: ``value`` in ``unit`` for ``structure``."""

    key: str
    structure: str
    metric: str
    value: float
    unit: str


class DoseLimits(Traced):
    """Mean normal-liver dose for this patient's Child-Pugh class and every applicable limit."""

    normal_liver_mean_gy: float | None
    limits: tuple[DoseLimit, ...]


def _limit(key: str, metric: str, value: float, unit: str, one: Finding) -> DoseLimit:
    return DoseLimit(
        key=key, structure="normal_liver", metric=metric, value=value, unit=unit, **trace([one])
    )


def dose_limits(ctx: Context, sbrt_ok: bool) -> DoseLimits:
    """Liver limits: 23 Gy (A) / 6 Gy (B) mean, 22 Gy general, SBRT 700 cc at ≤ 5 Gy/fraction.

    The mean-dose values are read from the protocol data (:func:`hccrt.core.protocol_limit`),
    the one home the planner and the evaluator read too.
    """
    cp, limits = ctx.cp_class, []
    mean: float | None = None
    general = protocol_limit("liver_mean_general").limit
    if cp in {"A", "B"}:
        mean = protocol_limit(f"liver_mean_cp_{cp.lower()}").limit
        one = finding(
            "LIMIT-CP",
            f"Child-Pugh {cp}: mean normal-liver dose ≤ {mean:g} Gy",
            child_pugh_class=cp,
        )
        limits.append(_limit(f"mean_liver_child_pugh_{cp.lower()}", "Dmean", mean, "Gy", one))
        reasons = [one]
    elif cp == "C":
        reasons = [finding("EBRT-CPC", "Child-Pugh C: no tolerated liver dose established")]
    else:
        reasons = [finding("LIMIT-CP", "Child-Pugh class unknown: class-specific limit missing")]
    limits.append(
        _limit(
            "mean_liver_general",
            "Dmean",
            general,
            "Gy",
            finding("LIMIT-22", f"general tolerable mean liver dose {general:g} Gy"),
        )
    )
    if sbrt_ok:
        text = (
            "SBRT: > 700 cc normal liver at ≤ 5 Gy per fraction (seed 001: shown for 20 Gy × 3 in "
            "liver metastases with normal liver function; other schemes are extrapolation)"
        )
        one = finding("SBRT-COLORADO", text)
        limits.append(
            _limit(
                "sbrt_spared_volume_700cc",
                "volume_cc_below_5gy_per_fraction",
                protocol_limit("liver_700cc", "hcc_sbrt_3fx").limit,
                "cc",
                one,
            )
        )
    return DoseLimits(normal_liver_mean_gy=mean, limits=tuple(limits), **trace(reasons))
