"""TACE-RT sequencing, RILD risk factors and the evidence limits the seeds state."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from hccrt.clinical.findings import Item, finding, item, item_from
from hccrt.clinical.patient import PriorTreatmentKind
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.ebrt import rt_alone_reasons
from hccrt.clinical.rules.sbrt import SBRT_MIN_NORMAL_LIVER_CC
from hccrt.clinical.sources import (
    RULES,
    SEED_000,
    SEED_001,
    SEED_003,
    Status,
    literature_rule,
    seed_rule,
)

AREA = "Radiotherapy sequencing, RILD risk and evidence limits (seeds 000, 001, 003)"
seed_rule(
    "ACUTE-GI",
    "Acute GI toxicity when the field includes duodenum, jejunum or stomach",
    SEED_000,
    "① anorexia, nausea, vomiting, more serious with upper gastrointestinal bleeding, especially "
    "in patients whose radiation field involves larger volume of duodenum, jejunum and stomach;",
    ("tumors.adjacent_to_bowel",),
    AREA,
)
seed_rule(
    "ACUTE-MARROW",
    "Bone-marrow suppression during RT, especially large-volume liver RT or hypersplenism",
    SEED_000,
    "③ bone marrow suppression, especially in patients whose liver is illuminated in large "
    "volume, or with hypersplenism.",
    ("hypersplenism", "platelets_10e9_l", "tumors.diameter_cm"),
    AREA,
)
literature_rule(
    "SET-PLT-100",
    "Platelets < 100 × 10^9/L read as a sign of hypersplenism/portal hypertension (default)",
    "EASL Clinical Practice Guidelines: Management of hepatocellular carcinoma, J Hepatol "
    "2018;69:182-236 (platelet count < 100 × 10^9/L as a surrogate of clinically significant "
    "portal hypertension)",
    "The seeds name hypersplenism but give no platelet count. hccrt flags platelets below "
    "100 × 10^9/L (setting low_platelets_below_10e9_l) as a possible sign of hypersplenism. "
    "UNCONFIRMED: the guideline text was not retrieved; check and override.",
    Status.unconfirmed,
    ("platelets_10e9_l",),
    "Radiotherapy sequencing, RILD risk and evidence limits",
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
    "RILD-700",
    "Normal liver of 700 cc or less: RILD-prone (the Colorado SBRT series needed > 700 cc)",
    SEED_001,
    "20 Gy×3 times of radiation treatment for patients with metastatic liver cancer was safe for "
    "the liver at this radiation splitting dose without radiographic hepatitis if the patient had "
    "normal liver function before radiotherapy, normal liver volume was greater than 700 cm3, and "
    "the normal liver tissue received no more than 5 Gy each time.",
    ("normal_liver_volume_cc",),
    AREA,
)
seed_rule(
    "RILD-MORTALITY",
    "RILD is often fatal: more than 70 %, up to 80 %, once it occurs",
    SEED_000,
    "RILD is a serious radiological complication, and once it occurs, more than 70% of patients "
    "can die from liver failure within a short period of time",
    (),
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
_TACE = {PriorTreatmentKind.tace, PriorTreatmentKind.deb_tace, PriorTreatmentKind.tae}


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


TACE_INTERVAL_DAYS = (21, 42)
"""Seed 000: 2 TACE sessions "with an interval of 3-6 weeks" before reassessing RT."""


def _tace_spacing(sessions: list[date]) -> list[Item]:
    """A warning for each pair of consecutive TACE sessions outside 3-6 weeks apart."""
    low, high = TACE_INTERVAL_DAYS
    out = []
    for first, second in pairwise(sessions):
        days = (second - first).days
        if not low <= days <= high:
            text = (
                f"TACE sessions {first.isoformat()} and {second.isoformat()} are {days} days "
                "apart: the seed's protocol spaces them 3-6 weeks (21-42 days)"
            )
            one = finding("SEQ-TACE2", text, tace_interval_days=days)
            out.append(item_from("tace_interval_off_protocol", one))
    return out


def sequencing(ctx: Context, combined: bool) -> tuple[list[Item], list[Item]]:
    """(sequencing advice, warnings): TACE sessions before RT and the 1-month interval."""
    p = ctx.patient
    sessions = sorted(pt.date for pt in p.prior_treatments if pt.kind in _TACE)
    advice, warnings = [], []
    if combined or sessions:
        done = f"{len(sessions)} TACE session(s) recorded" if sessions else "no TACE recorded"
        text = (
            f"if combined with TACE: 2 TACE sessions 3-6 weeks apart, then reassess the need "
            f"for RT ({done})"
        )
        advice.append(
            item_from("two_tace_before_rt", finding("SEQ-TACE2", text, tace_sessions=len(sessions)))
        )
    advice += _rt_alone(ctx, combined)
    warnings += _tace_spacing(sessions)
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


def _rt_alone(ctx: Context, combined: bool) -> list[Item]:
    """RT-ALONE: the seed-001 reasons to irradiate without TACE; unknown ones when combining."""
    if not ctx.patient.tumors:
        return []
    present, unknown = rt_alone_reasons(ctx)
    if present:
        text = (
            f"{' and '.join(present)}: radiotherapy alone rather than combined with TACE (seed 001)"
        )
        one = finding("RT-ALONE", text, rt_alone_reasons=", ".join(present))
        return [item_from("rt_alone", one)]
    if combined and unknown:
        text = (
            "RT alone or RT + TACE: record "
            f"{', '.join(unknown)} (seed 001 selects RT alone when intervention is unsuitable)"
        )
        return [item_from("rt_alone_criteria_unknown", finding("RT-ALONE", text))]
    return []


def acute_risks(ctx: Context) -> list[Item]:
    """Seed-000 acute toxicity to expect: GI toxicity when a tumour abuts stomach/bowel, and
    bone-marrow suppression with large-volume liver RT or hypersplenism."""
    out = []
    near = [i + 1 for i, t in enumerate(ctx.patient.tumors) if t.adjacent_to_bowel]
    if near:
        text = (
            f"tumour(s) {near} next to stomach/bowel: expect nausea/vomiting, risk of upper GI "
            "bleeding; keep duodenum, jejunum and stomach out of the field"
        )
        one = finding("ACUTE-GI", text, tumors_near_bowel=str(near))
        out.append(item_from("acute_gi_toxicity", one))
    marrow = marrow_risk(ctx)
    if marrow is not None:
        out.append(marrow)
    return out


def marrow_risk(ctx: Context) -> Item | None:
    """ACUTE-MARROW: hypersplenism (recorded, or platelets below the setting) or a large volume.

    A large irradiated liver volume is read from the largest tumour above the ``large_tumor_cm``
    setting (TECH-LARGE): the seeds define neither.
    """
    p, why = ctx.patient, []
    found = []
    low = ctx.settings.low_platelets_below_10e9_l
    if p.hypersplenism:
        why.append("hypersplenism")
    elif p.platelets_10e9_l is not None and p.platelets_10e9_l < low:
        why.append(f"platelets {p.platelets_10e9_l:g} × 10^9/L < {low:g} (possible hypersplenism)")
        found.append(
            finding(
                "SET-PLT-100",
                f"platelets below {low:g} × 10^9/L read as possible hypersplenism (UNCONFIRMED "
                "default)",
                platelets_10e9_l=p.platelets_10e9_l,
            )
        )
    largest = ctx.largest_cm or 0.0
    if largest > ctx.settings.large_tumor_cm:
        why.append(f"large-volume liver irradiation (tumour {largest:g} cm)")
        found.append(finding("TECH-LARGE", f"'large' read as > {ctx.settings.large_tumor_cm:g} cm"))
    if not why:
        return None
    text = (
        f"bone-marrow suppression risk during RT: {' and '.join(why)}; check blood counts during RT"
    )
    one = finding(
        "ACUTE-MARROW",
        text,
        hypersplenism=p.hypersplenism,
        platelets_10e9_l=p.platelets_10e9_l,
        largest_tumor_cm=ctx.largest_cm,
    )
    return item("bone_marrow_suppression", text, [one, *found])


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
    # Seed 000 lists emboli "such as those in the portal and inferior vena cava": an open list,
    # so a hepatic-vein tumour thrombus counts too.
    if inv is not None and (inv.portal_vein.value != "none" or inv.hepatic_vein or inv.ivc):
        out.append(
            item_from(
                "vascular_emboli",
                finding(
                    "RILD-RISK",
                    "tumour emboli in the portal vein, a hepatic vein or the IVC",
                    ivc=inv.ivc,
                    hepatic_vein=inv.hepatic_vein,
                    portal_vein=inv.portal_vein.value,
                ),
            )
        )
    volume = ctx.patient.normal_liver_volume_cc
    if volume is not None and volume <= SBRT_MIN_NORMAL_LIVER_CC:
        out.append(
            item_from(
                "small_normal_liver",
                finding(
                    "RILD-700",
                    f"normal liver {volume:g} cc, not greater than 700 cc",
                    normal_liver_volume_cc=volume,
                ),
            )
        )
    out += [w for w in tace_warnings if w.key == "tace_rt_interval"]
    if out:
        text = "once RILD occurs, more than 70 % of patients can die of liver failure"
        out.append(item_from("rild_mortality", finding("RILD-MORTALITY", text)))
    return out


def evidence_limits(ctx: Context, sbrt_ok: bool) -> list[Item]:
    """What the seeds say about the strength of the RT evidence."""
    keys = ["EVID-PALLIATIVE", "EVID-GRADE-C", "LT-EVIDENCE", "EVID-CHOICE"]
    if sbrt_ok:
        keys += ["EVID-LQ", "EVID-ASIA"]
    return [item_from(k.lower(), finding(k, RULES[k].title)) for k in keys]
