"""Fractionation options with LQ BED and EQD2 (seeds 000, 001; clinical-facts §3, §7)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from hccrt.clinical.findings import Finding, Traced, finding, trace
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.sbrt import SBRT_MIN_NORMAL_LIVER_CC
from hccrt.clinical.sources import (
    SEED_000,
    SEED_001,
    Status,
    facts_rule,
    literature_rule,
    seed_rule,
)
from hccrt.radiobiology import bed_lq, eqd2_lq

AREA = "Radiotherapy fractionation (seeds 000, 001)"
seed_rule(
    "FX-CONV",
    "Conventional 2 Gy × 25-31, 5 per week",
    SEED_000,
    "Conventional segmentation irradiation, such as 2Gy/time, once a day, 5 times a week with "
    "a total dose of 50-62 Gy, is well tolerated by the normal liver and has significant "
    "tumor suppression.",
    (),
    AREA,
)
seed_rule(
    "FX-HYPO",
    "Hypofractionated 5 Gy × 10, 3 per week",
    SEED_000,
    "large division of radiation, such as 5Gy per time, 3 times per week, total dose of "
    "50Gy, has strong tumor killing effect, but also has great radiation damage to the "
    "normal liver.",
    (),
    AREA,
)
seed_rule(
    "FX-SYMPTOM",
    "Hypofractionation preferred for quick symptom relief",
    SEED_000,
    "for patients who need to relieve clinical symptoms in the short term, large "
    "segmentation radiotherapy is more suitable, because the tumor regression is faster and "
    "the symptoms improve significantly.",
    ("needs_rapid_symptom_relief",),
    AREA,
)
seed_rule(
    "SBRT-SMALL",
    "< 5 cm: 1-3 fractions",
    SEED_001,
    "For small (<5 cm in diameter) intrahepatic tumors, hypofractionated (1 to 3 times) "
    "radiotherapy can be performed to shorten the radiotherapy time and facilitate patients "
    "in the field.",
    ("tumors.diameter_cm",),
    AREA,
)
seed_rule(
    "SBRT-KOREA",
    "30-39 Gy in 3 fractions (Korea Cancer Center Hospital)",
    SEED_001,
    "The Korea Cancer Center Hospital reported that 32 patients with primary liver cancer "
    "were treated with radioactive knife for intrahepatic lesions with radiation doses of "
    "30-39 Gy/3 times.",
    (),
    AREA,
)
seed_rule(
    "SBRT-TIANJIN",
    "39-52 Gy in 3-8 fractions (Tianjin)",
    SEED_001,
    "Yuan Zhiyong of Tianjin Cancer Hospital in China treated 17 patients with hepatocellular "
    "carcinoma with stereotactic radiation at a total dose of 39 to 52 Gy/3 to 8 times with "
    "mild adverse effects.",
    (),
    AREA,
)
seed_rule(
    "SBRT-COLORADO",
    "20 Gy × 3 with ≥ 700 cc normal liver at ≤ 5 Gy per fraction",
    SEED_001,
    "A study at the University of Colorado in the United States showed that 20 Gy×3 times "
    "of radiation treatment for patients with metastatic liver cancer was safe for the liver "
    "at this radiation splitting dose without radiographic hepatitis if the patient had "
    "normal liver function before radiotherapy, normal liver volume was greater than 700 "
    "cm3, and the normal liver tissue received no more than 5 Gy each time.",
    ("normal_liver_volume_cc", "child_pugh"),
    AREA,
)


@dataclass(frozen=True)
class DoseSeries:
    """A range of total doses over a range of fraction counts, as a seed reports it.

    The one home of the seeds' dose ranges used as dose levels (e.g. the isotoxic search of
    ``hccrt plan --isotoxic``); each series names the seed rule quoting it.
    """

    rule_id: str
    low_gy: float
    high_gy: float
    min_fractions: int
    max_fractions: int

    def covers(self, fractions: int) -> bool:
        """True when ``fractions`` is within the series' fraction counts."""
        return self.min_fractions <= fractions <= self.max_fractions


SEED_DOSE_SERIES: tuple[DoseSeries, ...] = (
    DoseSeries("SBRT-KOREA", 30.0, 39.0, 3, 3),
    DoseSeries("SBRT-TIANJIN", 39.0, 52.0, 3, 8),
    DoseSeries("FX-CONV", 50.0, 62.0, 25, 31),
)
"""Seed 000/001 dose ranges: 30-39 Gy/3 (Korea), 39-52 Gy/3-8 (Tianjin), 50-62 Gy/25-31
(conventional), as quoted by the rules named."""


facts_rule(
    "FX-BED",
    "BED by the linear-quadratic model, α/β = 10 Gy for tumour",
    "§3.1, §7",
    "BED = n·d·(1 + d/(α/β)); α/β = 10 Gy for HCC (e.g. 60 Gy/3 -> 180 Gy, 50 Gy/25 -> "
    "60 Gy). The LQ model is questioned at high dose per fraction (seed 001).",
    Status.derived,
    (),
    AREA,
)


class Fractionation(Traced):
    """A dose-fractionation option with its LQ BED and EQD2 (α/β = ``alpha_beta_gy``, Gy).

    BED and EQD2 come from :func:`hccrt.radiobiology.bed_lq` / :func:`~hccrt.radiobiology.eqd2_lq`
    (no time factor); seed 001 warns that LQ is questionable at high dose per fraction.
    """

    key: str
    target: str = Field(
        "liver_tumour",
        description="What the scheme is for: the seeds give schemes for intrahepatic tumours only.",
    )
    dose_per_fraction_gy: float
    fractions: int
    total_dose_gy: float
    fractions_per_week: int | None = Field(description="None: not stated by the source.")
    bed_gy: float
    eqd2_gy: float
    alpha_beta_gy: float
    preferred: bool = False


def scheme(
    key: str,
    d: float,
    n: int,
    per_week: int | None,
    found: list[Finding],
    preferred: bool = False,
    alpha_beta_gy: float = 10.0,
) -> Fractionation:
    """Build a :class:`Fractionation` and compute its BED and EQD2 at α/β = 10 Gy."""
    found = [*found, finding("FX-BED", f"BED and EQD2 with LQ, α/β = {alpha_beta_gy:g} Gy")]
    return Fractionation(
        key=key,
        dose_per_fraction_gy=d,
        fractions=n,
        total_dose_gy=round(d * n, 3),
        fractions_per_week=per_week,
        bed_gy=round(bed_lq(d, n, alpha_beta_gy), 2),
        eqd2_gy=round(eqd2_lq(d, n, alpha_beta_gy), 2),
        alpha_beta_gy=alpha_beta_gy,
        preferred=preferred,
        **trace(found),
    )


literature_rule(
    "SBRT-CPB-SCORE",
    "Child-Pugh B7 vs B8-9 before SBRT: individualised (isotoxic) dose",
    "Jang WI et al., Radiat Oncol 2013;8:250; Radiat Oncol 2013;8:249; clinical-facts §1.1, "
    "§4 (S31)",
    "SBRT series use Child-Pugh A vs B7 as their eligibility split (Jang 2013 included "
    "Child-Pugh B7), and Child-Pugh class B vs A was the only factor significant for grade >= 2 "
    "RILD after SBRT (Radiat Oncol 2013;8:249). hccrt's reading: in B7 the reduced SBRT dose "
    "is individualised to the normal-liver limit (isotoxic: the highest dose level that meets "
    "it); B8-9 lies outside the SBRT series' eligibility, so the SBRT schemes carry that "
    "caution and the conventional schemes are the ones the evidence covers.",
    Status.verified,
    ("child_pugh.score",),
    AREA,
)


def fractionation(ctx: Context, intent: str | None, sbrt_ok: bool) -> list[Fractionation]:
    """Conventional, hypofractionated and (when SBRT fits) the seed-001 SBRT schemes."""
    p, ab = ctx.patient, ctx.settings.tumour_alpha_beta_gy
    # Seed 000 prefers hypofractionation for short-term symptom relief, not for every palliative
    # intent: a Child-Pugh B/C liver gets the scheme that "is well tolerated by the normal liver".
    symptomatic = any(d.symptomatic for d in p.extrahepatic_disease or ())
    quick = p.needs_rapid_symptom_relief or (intent == "palliative" and symptomatic)
    conv = finding("FX-CONV", "conventional 2 Gy/day, 5/week: well tolerated by the normal liver")
    hypo = [finding("FX-HYPO", "5 Gy × 10, 3/week: strong tumour effect but more liver damage")]
    if quick:
        hypo.append(
            finding(
                "FX-SYMPTOM",
                "preferred for quick symptom relief",
                needs_rapid_symptom_relief=p.needs_rapid_symptom_relief,
                symptomatic_metastases=symptomatic,
                intent=intent,
            )
        )
    out = [
        scheme("conventional_50gy_25fx", 2.0, 25, 5, [conv], preferred=not quick, alpha_beta_gy=ab),
        scheme("conventional_62gy_31fx", 2.0, 31, 5, [conv], alpha_beta_gy=ab),
        scheme("hypofractionated_50gy_10fx", 5.0, 10, 3, hypo, preferred=quick, alpha_beta_gy=ab),
    ]
    if not sbrt_ok:
        return out
    largest = ctx.largest_cm or 0.0
    # Seed 003 asks for "dose adjustments" in Child-Pugh B without a number: hccrt offers only
    # the lowest dose level of each seed-001 series there (a reading of its own, labelled).
    reduced = ctx.cp_class == "B"
    adjust = (
        [
            finding(
                "EBRT-CPB",
                "Child-Pugh B: only the lowest dose level of the series is offered (hccrt's "
                "reading of 'dose adjustments'; the seeds give no Child-Pugh B dose)",
                child_pugh_class="B",
            )
        ]
        if reduced
        else []
    )
    score = ctx.child_pugh.score
    if reduced and score is not None:
        adjust.append(
            finding(
                "SBRT-CPB-SCORE",
                "Child-Pugh B7: dose individualised to the normal-liver limit (isotoxic)"
                if score == 7
                else f"Child-Pugh B{score}: outside the SBRT series' eligibility (A or B7); "
                "individualised dose only, the conventional schemes are the evidence-covered "
                "option",
                child_pugh_score=score,
            )
        )
    if largest < 5.0:
        small = finding(
            "SBRT-SMALL",
            f"largest tumour {largest:g} cm < 5 cm: 1-3 fractions",
            largest_tumor_cm=largest,
        )
        out.append(
            scheme(
                "sbrt_30gy_3fx",
                10.0,
                3,
                None,
                [small, finding("SBRT-KOREA", "Korea 30 Gy/3"), *adjust],
                alpha_beta_gy=ab,
            )
        )
        if not reduced:
            out.append(
                scheme(
                    "sbrt_39gy_3fx",
                    13.0,
                    3,
                    None,
                    [small, finding("SBRT-KOREA", "Korea 39 Gy/3")],
                    alpha_beta_gy=ab,
                )
            )
        volume = p.normal_liver_volume_cc
        colorado = [
            small,
            finding(
                "SBRT-COLORADO",
                "only with normal liver function, > 700 cc "
                "normal liver at ≤ 5 Gy per fraction (metastasis series)",
                normal_liver_volume_cc=volume,
                child_pugh_class=ctx.cp_class,
            ),
        ]
        if ctx.cp_class == "A" and volume is not None and volume > SBRT_MIN_NORMAL_LIVER_CC:
            out.append(scheme("sbrt_60gy_3fx", 20.0, 3, None, colorado, alpha_beta_gy=ab))
    if reduced:
        tianjin = finding("SBRT-TIANJIN", "Tianjin 39-52 Gy in 3-8 fractions (lower end: 39 Gy/8)")
        out.append(scheme("sbrt_39gy_8fx", 4.875, 8, None, [tianjin, *adjust], alpha_beta_gy=ab))
        return out
    tianjin = finding("SBRT-TIANJIN", "Tianjin 39-52 Gy in 3-8 fractions (upper end: 52 Gy/8)")
    out.append(scheme("sbrt_52gy_8fx", 6.5, 8, None, [tianjin], alpha_beta_gy=ab))
    return out
