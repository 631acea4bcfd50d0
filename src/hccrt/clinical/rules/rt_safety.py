"""Margins, normal-liver dose limits, TACE sequencing, RILD risk factors and evidence limits."""

from __future__ import annotations

from datetime import date

from hccrt.clinical.findings import Finding, Item, Traced, finding, item_from, trace
from hccrt.clinical.patient import PriorTreatmentKind
from hccrt.clinical.rules.context import Context
from hccrt.clinical.sources import RULES, SEED_000, SEED_001, SEED_003, seed_rule

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
seed_rule(
    "SEQ-TACE2",
    "Two TACE sessions 3-6 weeks apart before deciding on RT",
    SEED_000,
    "Currently, some authors advocate 2 TACE sessions prior to radiation therapy, with an "
    "interval of 3-6 weeks before reassessing the need for further radiation therapy.",
    ("prior_treatments",),
    AREA,
)
seed_rule(
    "RILD-TACE-1M",
    "RT start < 1 month after TACE: RILD risk",
    SEED_000,
    "If TACE was used concurrently, the interval between TACE and liver radiotherapy was "
    "shorter than 1 month.",
    ("prior_treatments", "planned_rt_start_date"),
    AREA,
)
seed_rule(
    "RILD-RISK",
    "RILD-prone: Child-Pugh B, large irradiated volume, vascular emboli",
    SEED_000,
    "More caution should be taken for patients who are prone to RILD, including "
    "poor pre-existing liver function, such as liver function of Child-Pugh class B; normal "
    "liver with large irradiated volume and high dose; patients with concomitant cancerous "
    "emboli in vessels, such as those in the portal and inferior vena cava.",
    ("child_pugh", "vascular_invasion", "normal_liver_volume_cc"),
    AREA,
)
seed_rule(
    "RILD-CAUSES",
    "Main RILD causes: Child B/C, excessive volume and dose",
    SEED_000,
    "The main causative factors include heavy underlying liver lesions (Child class B or C), "
    "excessive volume of irradiated normal liver tissue, and excessive dose.",
    ("child_pugh",),
    AREA,
)
seed_rule(
    "EVID-PALLIATIVE",
    "Most RT for HCC is palliative and cannot replace standard care",
    SEED_000,
    "Most of the above radiotherapy for hepatocellular carcinoma is palliative in "
    "nature, with poor efficacy, and even if it can prolong survival, it is relatively short "
    "and cannot replace conventional treatment for hepatocellular carcinoma",
    (),
    AREA,
)
seed_rule(
    "EVID-GRADE-C",
    "Highest RT evidence is grade C",
    SEED_001,
    "Currently, the highest evidence-based medical evidence for radiotherapy for "
    "hepatocellular carcinoma is only grade C (i.e., retrospective control).",
    (),
    AREA,
)
seed_rule(
    "EVID-LQ",
    "LQ BED questionable for hypofractionation",
    SEED_001,
    "Some investigators have suggested that the linear quadratic (L-Q) mode BED = nd[1 + "
    "d/(α/β)], which we currently use, is not suitable for hypo-segmentation radiotherapy",
    (),
    AREA,
)
seed_rule(
    "EVID-ASIA",
    "Western SBRT experience not transferable to Asian cirrhotic patients",
    SEED_001,
    "Primary liver cancer is often associated with hepatitis and cirrhosis; "
    "therefore, the experience of hypofractionated radiotherapy in Europe and the United "
    "States cannot be applied to Asian patients.",
    (),
    AREA,
)
seed_rule(
    "EVID-CHOICE",
    "Choice depends on extent, location, reserve and centre",
    SEED_003,
    "The choice of local treatment depends on the extent and location of the lesion, the "
    "functional reserve of the liver, and the capabilities of the patient’s study center.",
    (),
    AREA,
)
CTV_MARGIN_RANGE_MM = (5.0, 10.0)
PTV_MARGIN_ABC_MM = 6.0
_TACE = {PriorTreatmentKind.tace, PriorTreatmentKind.deb_tace, PriorTreatmentKind.tae}


class Margins(Traced):
    """CTV and PTV margins in mm; ``ptv_mm`` is ``None`` when it must come from motion data."""

    ctv_mm: float
    ctv_mm_range: tuple[float, float]
    ptv_mm: float | None
    breathing_motion_mm: float | None = None


def margins(ctx: Context) -> Margins:
    """CTV = GTV + 5-10 mm (5 mm default); PTV = CTV + 6 mm with ABC (MARGIN-* rules)."""
    p = ctx.patient
    found = [finding("MARGIN-CTV", "CTV = GTV + 5-10 mm; 5 mm shown, widen up to 10 mm")]
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
    return Margins(
        ctv_mm=lo,
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
    """Liver limits: 23 Gy (A) / 6 Gy (B) mean, 22 Gy general, SBRT 700 cc at ≤ 5 Gy/fraction."""
    cp, limits = ctx.cp_class, []
    mean: float | None = None
    if cp in {"A", "B"}:
        mean = 23.0 if cp == "A" else 6.0
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
            22.0,
            "Gy",
            finding("LIMIT-22", "general tolerable mean liver dose 22 Gy"),
        )
    )
    if sbrt_ok:
        one = finding("SBRT-COLORADO", "SBRT: > 700 cc normal liver receives ≤ 5 Gy per fraction")
        limits.append(
            _limit("sbrt_spared_volume_700cc", "volume_cc_below_5gy_per_fraction", 700.0, "cc", one)
        )
    return DoseLimits(normal_liver_mean_gy=mean, limits=tuple(limits), **trace(reasons))


def add_months(start: date, months: int) -> date:
    """``start`` plus whole calendar months (day clipped to the month's length)."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    days = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return date(year, month, min(start.day, days))


def sequencing(ctx: Context, combined: bool) -> tuple[list[Item], list[Item]]:
    """(sequencing advice, warnings): TACE sessions before RT and the 1-month interval."""
    p = ctx.patient
    sessions = sorted(pt.date for pt in p.prior_treatments if pt.kind in _TACE)
    advice, warnings = [], []
    if combined or sessions:
        text = (
            f"{len(sessions)} TACE session(s) recorded: 2 sessions 3-6 weeks apart before "
            "reassessing the need for RT"
        )
        advice.append(
            item_from("two_tace_before_rt", finding("SEQ-TACE2", text, tace_sessions=len(sessions)))
        )
    if sessions and p.planned_rt_start_date is None:
        warnings.append(
            item_from(
                "tace_interval_unknown",
                finding(
                    "RILD-TACE-1M",
                    "planned RT start date missing: cannot check the TACE-RT interval",
                ),
            )
        )
    elif sessions and p.planned_rt_start_date is not None:
        last = sessions[-1]
        if p.planned_rt_start_date < add_months(last, 1):
            days = (p.planned_rt_start_date - last).days
            warnings.append(
                item_from(
                    "tace_rt_interval",
                    finding(
                        "RILD-TACE-1M",
                        f"RT planned {days} days after TACE (< 1 month): RILD risk",
                        last_tace=str(last),
                        planned_rt_start_date=str(p.planned_rt_start_date),
                    ),
                )
            )
    return advice, warnings


def rild_risk_factors(ctx: Context, tace_warnings: list[Item]) -> list[Item]:
    """Seed-000 RILD risk factors present in this patient."""
    out: list[Item] = []
    if ctx.cp_class in {"B", "C"}:
        out.append(
            item_from(
                "poor_liver_function",
                finding("RILD-CAUSES", f"Child-Pugh {ctx.cp_class}", child_pugh_class=ctx.cp_class),
            )
        )
    inv = ctx.patient.vascular_invasion
    if inv is not None and (inv.portal_vein.value != "none" or inv.ivc):
        out.append(
            item_from(
                "vascular_emboli",
                finding(
                    "RILD-RISK",
                    "tumour emboli in the portal vein or IVC",
                    ivc=inv.ivc,
                    portal_vein=inv.portal_vein.value,
                ),
            )
        )
    volume = ctx.patient.normal_liver_volume_cc
    if volume is not None and volume < 700.0:
        out.append(
            item_from(
                "small_normal_liver",
                finding(
                    "RILD-RISK",
                    f"normal liver {volume:g} cc: large fraction irradiated",
                    normal_liver_volume_cc=volume,
                ),
            )
        )
    out += [w for w in tace_warnings if w.key == "tace_rt_interval"]
    return out


def evidence_limits(ctx: Context, sbrt_ok: bool) -> list[Item]:
    """What the seeds say about the strength of the RT evidence."""
    keys = ["EVID-PALLIATIVE", "EVID-GRADE-C", "LT-EVIDENCE", "EVID-CHOICE"]
    if sbrt_ok:
        keys += ["EVID-LQ", "EVID-ASIA"]
    return [item_from(k.lower(), finding(k, RULES[k].title)) for k in keys]
