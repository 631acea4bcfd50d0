"""Modern decision support beyond the seeds: BCLC 2022 in full, first-line systemic therapy and
extended transplant criteria.

None of this is stated by the seed documents. Every rule here is registered with
:func:`~hccrt.clinical.sources.literature_rule`, so its title, area and output carry the label
"Beyond the seeds" and the primary paper it comes from; values not checked against a retrieved
source are marked UNCONFIRMED. The seed verdicts in ``Assessment.options`` are not changed by
this module: it adds the section ``Assessment.beyond_seeds`` beside them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.findings import Fact, Finding, Item, Traced, finding, item, trace
from hccrt.clinical.patient import PriorTreatmentKind, TumourPattern
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.options import Option, Therapy, Verdict
from hccrt.clinical.rules.radical import within_milan
from hccrt.clinical.sources import BEYOND_SEEDS, Status, literature_rule

AREA = "BCLC 2022, first-line systemic therapy, extended transplant criteria"
REIG_2022 = (
    "Reig M, Forner A, Rimola J et al., BCLC strategy for prognosis prediction and treatment "
    "recommendation: the 2022 update, J Hepatol 2022;76:681-693"
)
literature_rule(
    "BCLC22-TREATMENT",
    "BCLC 2022 first treatment option per stage",
    f"{REIG_2022}; reference/clinical-facts.md §2.1",
    "0: ablation (resection an alternative); A: resection (normal portal pressure and "
    "bilirubin), otherwise transplant if a candidate, otherwise ablation; B: by subgroup; "
    "C: systemic therapy; D: best supportive care. Stage criteria and treatments as "
    "summarised in clinical-facts §2.1 (secondary sources of the 2022 figure).",
    Status.secondary,
    ("staging.bclc", "resectable", "transplant_candidate"),
    AREA,
)
literature_rule(
    "BCLC22-B-SUBGROUPS",
    "BCLC-B subgroups: extended transplant criteria, TACE, or systemic therapy",
    f"{REIG_2022}; Ann Surg Oncol 2022 commentary (doi 10.1245/s10434-022-12242-4)",
    "BCLC-B has three subgroups: (1) well-defined nodules within extended liver-transplant "
    "criteria -> transplant (including after TACE downstaging); (2) well-defined nodules, "
    "preserved portal flow and selective arterial access -> TACE; (3) diffuse, infiltrative, "
    "extensive bilobar involvement -> systemic therapy.",
    Status.verified,
    ("tumour_pattern", "transplant_candidate", "segmental_injection_possible", "afp_ng_ml"),
    AREA,
)
literature_rule(
    "BCLC22-MIGRATION",
    "Treatment stage migration: the next stage's option when the stage's own is not feasible",
    REIG_2022,
    "The 2022 update introduced treatment stage migration: when the option recommended for "
    "the stage is not feasible or suitable for the patient, the option of the next, more "
    "advanced stage is offered (0/A -> TACE, B -> systemic therapy).",
    Status.verified,
    ("options",),
    AREA,
)
literature_rule(
    "BCLC22-AFP",
    "AFP in BCLC 2022: extended transplant criteria and second-line ramucirumab (AFP ≥ 400)",
    f"{REIG_2022}; Zhu AX et al., Lancet Oncol 2019;20:282-296 (REACH-2)",
    "AFP enters the extended transplant criteria (AFP model) of BCLC-B subgroup 1 and selects "
    "ramucirumab as a second-line option when AFP ≥ 400 ng/mL. Cut-off 400 ng/mL from the "
    "guideline summary (clinical-facts §2.1, secondary).",
    Status.secondary,
    ("afp_ng_ml",),
    AREA,
)
IMBRAVE = (
    "Finn RS et al., N Engl J Med 2020;382:1894-1905 (IMbrave150); ASCO guideline, Gordan JD "
    "et al., J Clin Oncol 2020;38:4317-4345"
)
literature_rule(
    "SYS-ATEZO-BEV",
    "Atezolizumab-bevacizumab first line: Child-Pugh A, ECOG 0-1, varices managed",
    IMBRAVE,
    "First line for advanced HCC with Child-Pugh A and ECOG 0-1, after management of "
    "oesophageal varices: IMbrave150 required an upper endoscopy within 6 months before "
    "treatment with varices treated when necessary (bleeding risk of bevacizumab), and "
    "excluded autoimmune disease (checkpoint inhibitor). Recent bleeding: bevacizumab not "
    "given (hccrt reads 'recent' as within 6 months; UNCONFIRMED window).",
    Status.secondary,
    (
        "child_pugh",
        "ecog",
        "varices_screened_date",
        "varices_untreated_high_risk",
        "autoimmune_disease",
        "recent_bleeding",
        "assessment_date",
    ),
    AREA,
)
literature_rule(
    "SYS-DURVA-TREME",
    "Durvalumab-tremelimumab (STRIDE) first line: Child-Pugh A, ECOG 0-1",
    "Abou-Alfa GK et al., NEJM Evidence 2022;1(8) (HIMALAYA, NCT03298451)",
    "First line for unresectable HCC, BCLC-B not eligible for locoregional therapy or BCLC-C, "
    "Child-Pugh A, ECOG 0-1, no prior systemic therapy; main portal-vein tumour thrombus (Vp4) "
    "was excluded; no varices screening is required (no anti-VEGF agent); autoimmune disease: "
    "checkpoint-inhibitor caution.",
    Status.secondary,
    ("child_pugh", "ecog", "vascular_invasion.portal_vein", "autoimmune_disease"),
    AREA,
)
literature_rule(
    "SYS-LENVATINIB",
    "Lenvatinib first line: Child-Pugh A, ECOG 0-1 (REFLECT)",
    "Kudo M et al., Lancet 2018;391:1163-1173 (REFLECT)",
    "Non-inferior to sorafenib in unresectable HCC with Child-Pugh A and ECOG 0-1; REFLECT "
    "excluded ≥ 50 % liver occupation, bile-duct invasion and main portal-vein invasion.",
    Status.secondary,
    ("child_pugh", "ecog", "vascular_invasion.portal_vein"),
    AREA,
)
literature_rule(
    "SYS-SORAFENIB-1L",
    "Sorafenib first line: Child-Pugh A (SHARP)",
    "Llovet JM et al., N Engl J Med 2008;359:378-390 (SHARP)",
    "Survival benefit in advanced HCC with Child-Pugh A; SHARP enrolled ECOG 0-2. "
    "UNCONFIRMED: the trial text was not retrieved this session.",
    Status.unconfirmed,
    ("child_pugh", "ecog"),
    AREA,
)
literature_rule(
    "SYS-ORDER",
    "BCLC 2022 first-line order: atezolizumab-bevacizumab or durvalumab-tremelimumab first",
    f"{REIG_2022}; reference/clinical-facts.md §2.1",
    "First line atezolizumab-bevacizumab or durvalumab-tremelimumab; if contraindicated, "
    "sorafenib, lenvatinib (or durvalumab).",
    Status.secondary,
    ("staging.bclc",),
    AREA,
)
literature_rule(
    "TX-UPTO7",
    "Up-to-seven criteria: largest tumour (cm) + number of tumours ≤ 7, no macrovascular invasion",
    "Mazzaferro V et al., Lancet Oncol 2009;10:35-43",
    "Seven as the sum of the size of the largest tumour (in cm) and the number of tumours, "
    "without microvascular invasion (radiology: no macrovascular invasion or extrahepatic "
    "spread). Checked against review tables (PMC4641125, PMC6558441).",
    Status.secondary,
    ("tumors", "vascular_invasion", "extrahepatic_disease"),
    AREA,
)
literature_rule(
    "TX-AFP-MODEL",
    "AFP model: transplant when the score is ≤ 2 (largest diameter, number, AFP)",
    "Duvoux C et al., Gastroenterology 2012;143:986-994 (AFP model, adopted in France 2013)",
    "Largest diameter ≤ 3 cm 0 points, 3-6 cm 1, > 6 cm 4; 1-3 nodules 0, ≥ 4 nodules 2; AFP "
    "≤ 100 ng/mL 0, 100-1000 2, > 1000 3. Score ≤ 2: low risk of recurrence (eligible); > 2: "
    "high risk. Points as tabulated by Fatourou et al., Hepatoma Res 2018;4:63 (Table 2).",
    Status.secondary,
    ("tumors", "afp_ng_ml"),
    AREA,
)
LABEL = (
    f"{BEYOND_SEEDS}: modern literature (BCLC 2022, phase-3 trials, transplant criteria). No "
    "seed states these rules; every item cites its paper. Decision support, to be checked."
)
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Regimen(StrEnum):
    """First-line systemic regimens rated beyond the seeds."""

    atezolizumab_bevacizumab = "atezolizumab_bevacizumab"
    durvalumab_tremelimumab = "durvalumab_tremelimumab"
    lenvatinib = "lenvatinib"
    sorafenib = "sorafenib"


class SystemicOption(Traced):
    """One first-line regimen with its verdict, rank (1 = preferred by BCLC 2022) and trace."""

    regimen: Regimen
    verdict: Verdict
    rank: int


class Bclc2022(Traced):
    """The BCLC stage with the 2022 treatment logic: first option, subgroup, migration, AFP."""

    stage: str
    subgroup: str | None = None
    first_option: str | None = None
    migrated_to: str | None = None
    afp_notes: tuple[Item, ...] = ()


class TransplantCriteria(Traced):
    """Milan, up-to-seven and the AFP model (``None``: cannot be checked)."""

    milan: bool | None
    up_to_seven: bool | None
    up_to_seven_sum: float | None = None
    afp_score: int | None = None
    afp_model_low_risk: bool | None = None
    missing: tuple[str, ...] = ()


class BeyondSeeds(BaseModel):
    """Decision support from the modern literature, beside (not inside) the seed verdicts."""

    model_config = _FROZEN

    label: str = LABEL
    bclc_2022: Bclc2022
    systemic_first_line: tuple[SystemicOption, ...]
    transplant_criteria: TransplantCriteria


# ---------------------------------------------------------------------------------------------
# Transplant criteria


def up_to_seven_sum(largest_cm: float, count: int) -> float:
    """Largest tumour diameter (cm) plus the number of tumours (Mazzaferro 2009)."""
    return largest_cm + count


def afp_model_score(largest_cm: float, count: int, afp_ng_ml: float) -> int:
    """AFP model points (Duvoux 2012): diameter 0/1/4, number 0/2, AFP 0/2/3."""
    size = 0 if largest_cm <= 3.0 else 1 if largest_cm <= 6.0 else 4
    number = 0 if count <= 3 else 2
    afp = 0 if afp_ng_ml <= 100.0 else 2 if afp_ng_ml <= 1000.0 else 3
    return size + number + afp


AFP_MODEL_MAX_LOW_RISK = 2
"""AFP model: a score ≤ 2 is low risk (transplant eligible), > 2 high risk (Duvoux 2012)."""
UP_TO_SEVEN = 7.0


def transplant_criteria(ctx: Context) -> TransplantCriteria:
    """Milan (seed rule TX-MILAN), up-to-seven and the AFP model for ``ctx``."""
    p = ctx.patient
    milan = within_milan(ctx)
    if not p.tumors or ctx.tumour_thrombus is None or ctx.extrahepatic is None:
        absent = [
            name
            for name, value in (
                ("tumors", p.tumors or None),
                ("vascular_invasion", ctx.tumour_thrombus),
                ("extrahepatic_disease", ctx.extrahepatic),
            )
            if value is None
        ]
        text = f"extended transplant criteria cannot be checked: missing {', '.join(absent)}"
        return TransplantCriteria(
            milan=None,
            up_to_seven=None,
            missing=tuple(absent),
            **trace([finding("TX-UPTO7", text)]),
        )
    largest, count = ctx.largest_cm or 0.0, ctx.tumor_count
    total = up_to_seven_sum(largest, count)
    blocked = bool(ctx.tumour_thrombus or ctx.extrahepatic)
    up7 = total <= UP_TO_SEVEN and not blocked
    facts: dict[str, Fact] = {"largest_tumor_cm": largest, "tumor_count": count}
    found = [
        finding(
            "TX-MILAN",
            "within Milan criteria" if milan else "beyond Milan criteria",
            within_milan=milan,
        ),
        finding(
            "TX-UPTO7",
            f"up-to-seven: {largest:g} cm + {count} = {total:g} "
            + ("≤ 7" if total <= UP_TO_SEVEN else "> 7")
            + (" but macrovascular invasion or extrahepatic spread" if blocked else "")
            + (": within" if up7 else ": beyond"),
            up_to_seven_sum=total,
            **facts,
        ),
    ]
    missing: list[str] = []
    score: int | None = None
    low: bool | None = None
    if p.afp_ng_ml is None:
        missing.append("afp_ng_ml")
        found.append(finding("TX-AFP-MODEL", "AFP model needs serum AFP (afp_ng_ml)"))
    else:
        score = afp_model_score(largest, count, p.afp_ng_ml)
        low = score <= AFP_MODEL_MAX_LOW_RISK and not blocked
        text = (
            f"AFP model score {score} (largest {largest:g} cm, {count} nodule(s), AFP "
            f"{p.afp_ng_ml:g} ng/mL): " + ("≤ 2, low risk" if score <= 2 else "> 2, high risk")
        )
        found.append(finding("TX-AFP-MODEL", text, afp_score=score, afp_ng_ml=p.afp_ng_ml))
    return TransplantCriteria(
        milan=milan,
        up_to_seven=up7,
        up_to_seven_sum=total,
        afp_score=score,
        afp_model_low_risk=low,
        missing=tuple(missing),
        **trace(found),
    )


def _within_extended(criteria: TransplantCriteria) -> bool | None:
    """Within any extended criterion (up-to-seven or AFP model ≤ 2); ``None`` if undecidable."""
    if criteria.up_to_seven or criteria.afp_model_low_risk:
        return True
    if criteria.up_to_seven is False and criteria.afp_model_low_risk is False:
        return False
    return None


# ---------------------------------------------------------------------------------------------
# BCLC 2022


_OPEN = {Verdict.recommended, Verdict.consider}


def _verdict(options: Sequence[Option], therapy: Therapy) -> Verdict | None:
    return next((o.verdict for o in options if o.therapy is therapy), None)


def _feasible(options: Sequence[Option], *therapies: Therapy) -> bool:
    return any(_verdict(options, t) in _OPEN for t in therapies)


def _afp_notes(ctx: Context) -> list[Item]:
    afp = ctx.patient.afp_ng_ml
    if afp is None:
        one = finding("BCLC22-AFP", "serum AFP not recorded (afp_ng_ml): record it")
        return [item("afp_missing", one.text, [one])]
    if afp >= 400.0:
        text = (
            f"AFP {afp:g} ng/mL ≥ 400: poor prognosis; ramucirumab is a second-line option "
            "(REACH-2)"
        )
        return [item("afp_high", text, [finding("BCLC22-AFP", text, afp_ng_ml=afp)])]
    return []


def _stage_b(ctx: Context, criteria: TransplantCriteria) -> tuple[str | None, str | None, Finding]:
    """(subgroup, first option, finding) for BCLC-B (Reig 2022)."""
    p = ctx.patient
    extended = _within_extended(criteria)
    if p.transplant_candidate and extended:
        text = "BCLC-B within extended transplant criteria: liver transplantation (subgroup 1)"
        return "B1_transplant", "transplant", finding("BCLC22-B-SUBGROUPS", text)
    if p.tumour_pattern is TumourPattern.diffuse_infiltrative:
        text = (
            "BCLC-B with diffuse, infiltrative, bilobar involvement: systemic therapy (subgroup 3)"
        )
        return (
            "B3_systemic",
            "systemic_therapy",
            finding("BCLC22-B-SUBGROUPS", text, tumour_pattern=p.tumour_pattern.value),
        )
    if p.tumour_pattern is TumourPattern.well_defined:
        if p.segmental_injection_possible is False:
            text = "BCLC-B, well-defined nodules but no selective arterial access: not TACE"
            return "B2_no_selective_access", None, finding("BCLC22-B-SUBGROUPS", text)
        text = (
            "BCLC-B with well-defined nodules and preserved portal flow: TACE (subgroup 2; "
            "confirm selective arterial access)"
            if p.segmental_injection_possible is None
            else "BCLC-B with well-defined nodules, preserved portal flow, selective access: TACE "
            "(subgroup 2)"
        )
        return (
            "B2_tace",
            "tace",
            finding("BCLC22-B-SUBGROUPS", text, tumour_pattern=p.tumour_pattern.value),
        )
    text = (
        "BCLC-B subgroup cannot be chosen: record tumour_pattern (well_defined or "
        "diffuse_infiltrative)"
        + ("" if p.transplant_candidate is not None else " and transplant_candidate")
    )
    return None, None, finding("BCLC22-B-SUBGROUPS", text)


def bclc_2022(ctx: Context, options: Sequence[Option], criteria: TransplantCriteria) -> Bclc2022:
    """The BCLC 2022 treatment recommendation with subgroups and stage migration."""
    stage, p = ctx.staging.bclc, ctx.patient
    notes = tuple(_afp_notes(ctx))
    if stage in {"insufficient_data", "not_applicable"}:
        text = f"BCLC stage {stage}: no BCLC 2022 treatment recommendation"
        return Bclc2022(stage=stage, afp_notes=notes, **trace([finding("BCLC22-TREATMENT", text)]))
    found: list[Finding] = []
    subgroup: str | None = None
    first: str | None
    if stage == "0":
        first = "ablation"
        found.append(finding("BCLC22-TREATMENT", "BCLC-0: ablation (resection an alternative)"))
        feasible = _feasible(options, Therapy.ablation, Therapy.resection)
    elif stage == "A":
        first = (
            "resection" if p.resectable else "transplant" if p.transplant_candidate else "ablation"
        )
        text = f"BCLC-A: {first} (resection, else transplant if a candidate, else ablation)"
        found.append(finding("BCLC22-TREATMENT", text))
        feasible = _feasible(options, Therapy.resection, Therapy.transplant, Therapy.ablation)
    elif stage == "B":
        subgroup, first, one = _stage_b(ctx, criteria)
        found.append(one)
        feasible = first is not None and (
            first != "tace" or _feasible(options, Therapy.tace, Therapy.deb_tace)
        )
        if first is None and subgroup is None:
            return Bclc2022(stage=stage, afp_notes=notes, **trace(found))
    elif stage == "C":
        first = "systemic_therapy"
        found.append(finding("BCLC22-TREATMENT", "BCLC-C: first-line systemic therapy"))
        feasible = True
    else:
        first = "best_supportive_care"
        found.append(finding("BCLC22-TREATMENT", "BCLC-D: best supportive care"))
        feasible = True
    migrated: str | None = None
    if not feasible:
        migrated = "tace" if stage in {"0", "A"} else "systemic_therapy"
        text = (
            f"treatment stage migration: {first or 'the BCLC-' + stage + ' option'} not "
            f"feasible for this patient (seed verdicts), offer {migrated} (next stage's option)"
        )
        found.append(finding("BCLC22-MIGRATION", text, bclc=stage))
    return Bclc2022(
        stage=stage,
        subgroup=subgroup,
        first_option=first,
        migrated_to=migrated,
        afp_notes=notes,
        **trace(found),
    )


# ---------------------------------------------------------------------------------------------
# First-line systemic therapy


_RULE = {
    Regimen.atezolizumab_bevacizumab: "SYS-ATEZO-BEV",
    Regimen.durvalumab_tremelimumab: "SYS-DURVA-TREME",
    Regimen.lenvatinib: "SYS-LENVATINIB",
    Regimen.sorafenib: "SYS-SORAFENIB-1L",
}
_RANK = {
    Regimen.atezolizumab_bevacizumab: 1,
    Regimen.durvalumab_tremelimumab: 1,
    Regimen.lenvatinib: 2,
    Regimen.sorafenib: 2,
}
_ORDER = [
    Verdict.contraindicated,
    Verdict.relative_contraindication,
    Verdict.not_indicated,
    Verdict.insufficient_data,
    Verdict.consider,
    Verdict.recommended,
]
VARICES_SCREEN_MONTHS = 6
"""IMbrave150: upper endoscopy within 6 months before atezolizumab-bevacizumab."""


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    return min(verdicts, key=_ORDER.index)


def _months_before(day: date, months: int) -> date:
    from hccrt.clinical.rules.rt_sequencing import add_months

    return add_months(day, -months)


def _systemic_indicated(ctx: Context, bclc: Bclc2022) -> tuple[Verdict | None, Finding]:
    """Whether first-line systemic therapy is the BCLC 2022 option (``None`` verdict: yes)."""
    prior = [
        t for t in ctx.patient.prior_treatments if t.kind is PriorTreatmentKind.systemic_therapy
    ]
    if prior:
        text = "systemic therapy given before: this is a later line, not first line"
        return Verdict.not_indicated, finding("SYS-ORDER", text, prior_systemic_lines=len(prior))
    if bclc.stage == "D":
        return Verdict.not_indicated, finding("SYS-ORDER", "BCLC-D: best supportive care")
    if bclc.stage in {"insufficient_data", "not_applicable"}:
        return Verdict.insufficient_data, finding("SYS-ORDER", f"BCLC stage {bclc.stage}")
    wanted = "systemic_therapy" in {bclc.first_option, bclc.migrated_to}
    if wanted:
        why = (
            "BCLC-C" if bclc.stage == "C" else f"BCLC-{bclc.stage} ({bclc.subgroup or 'migrated'})"
        )
        return None, finding("SYS-ORDER", f"{why}: first-line systemic therapy")
    if bclc.stage == "B" and bclc.subgroup is None:
        return Verdict.insufficient_data, finding(
            "SYS-ORDER", "BCLC-B subgroup unknown: systemic therapy or TACE undecided"
        )
    text = f"BCLC-{bclc.stage}: {bclc.first_option} first, not systemic therapy"
    return Verdict.not_indicated, finding("SYS-ORDER", text, bclc=bclc.stage)


def _liver_and_ps(ctx: Context, regimen: Regimen) -> tuple[list[Verdict], list[Finding]]:
    rule, cp, ecog = _RULE[regimen], ctx.cp_class, ctx.performance.ecog
    verdicts: list[Verdict] = []
    found: list[Finding] = []
    if cp == "A":
        found.append(finding(rule, "Child-Pugh A", child_pugh_class="A"))
    elif cp == "B":
        verdicts.append(Verdict.relative_contraindication)
        text = "Child-Pugh B: outside the phase-3 trial population (Child-Pugh A only)"
        found.append(finding(rule, text, child_pugh_class="B"))
    elif cp == "C":
        verdicts.append(Verdict.contraindicated)
        found.append(finding(rule, "Child-Pugh C: not a candidate", child_pugh_class="C"))
    else:
        verdicts.append(Verdict.insufficient_data)
        found.append(finding(rule, "Child-Pugh class unknown"))
    ecog_max = 2 if regimen is Regimen.sorafenib else 1
    if ecog is None:
        verdicts.append(Verdict.insufficient_data)
        found.append(finding(rule, "performance status unknown"))
    elif ecog > ecog_max:
        verdicts.append(Verdict.relative_contraindication)
        text = f"ECOG {ecog}: the trial enrolled ECOG 0-{ecog_max}"
        found.append(finding(rule, text, ecog=ecog))
    else:
        found.append(finding(rule, f"ECOG {ecog} (trial: 0-{ecog_max})", ecog=ecog))
    return verdicts, found


def _immunotherapy(ctx: Context, rule: str) -> tuple[list[Verdict], list[Finding]]:
    autoimmune = ctx.patient.autoimmune_disease
    if autoimmune is None:
        return [Verdict.insufficient_data], [
            finding(rule, "autoimmune disease not recorded (checkpoint inhibitor)")
        ]
    if autoimmune:
        text = "autoimmune disease: excluded from the trial, checkpoint-inhibitor risk"
        return [Verdict.relative_contraindication], [finding(rule, text, autoimmune_disease=True)]
    return [], [finding(rule, "no autoimmune disease", autoimmune_disease=False)]


def _bevacizumab(ctx: Context) -> tuple[list[Verdict], list[Finding]]:
    p, rule = ctx.patient, "SYS-ATEZO-BEV"
    verdicts: list[Verdict] = []
    found: list[Finding] = []
    if p.recent_bleeding is None:
        verdicts.append(Verdict.insufficient_data)
        found.append(finding(rule, "bleeding in the past 6 months not recorded (bevacizumab)"))
    elif p.recent_bleeding:
        verdicts.append(Verdict.contraindicated)
        found.append(finding(rule, "recent bleeding: no bevacizumab", recent_bleeding=True))
    if p.varices_untreated_high_risk:
        verdicts.append(Verdict.contraindicated)
        text = "high-risk varices not yet treated: treat them before bevacizumab"
        found.append(finding(rule, text, varices_untreated_high_risk=True))
    screened = p.varices_screened_date
    if screened is None:
        verdicts.append(Verdict.insufficient_data)
        found.append(finding(rule, "no varices endoscopy recorded: screen within 6 months before"))
    elif p.assessment_date is None:
        verdicts.append(Verdict.insufficient_data)
        text = "assessment_date not recorded: cannot check the 6-month endoscopy window"
        found.append(finding(rule, text, varices_screened_date=str(screened)))
    else:
        since = _months_before(p.assessment_date, VARICES_SCREEN_MONTHS)
        days = (p.assessment_date - screened).days
        if screened < since:
            verdicts.append(Verdict.insufficient_data)
            text = (
                f"varices endoscopy {screened.isoformat()} is > 6 months old ({days} days): repeat"
            )
            found.append(finding(rule, text, varices_screened_date=str(screened)))
        else:
            text = f"varices screened {screened.isoformat()} ({days} days before), within 6 months"
            found.append(finding(rule, text, varices_screened_date=str(screened)))
            if p.varices_untreated_high_risk is None:
                verdicts.append(Verdict.insufficient_data)
                found.append(finding(rule, "record whether high-risk varices need treatment"))
    return verdicts, found


def _portal_trunk(ctx: Context, rule: str, trial: str) -> tuple[list[Verdict], list[Finding]]:
    if ctx.portal_trunk:
        text = f"main portal-trunk tumour thrombus: excluded from {trial}"
        return [Verdict.relative_contraindication], [finding(rule, text, portal_vein="main_trunk")]
    return [], []


def systemic_first_line(ctx: Context, bclc: Bclc2022) -> list[SystemicOption]:
    """The four first-line regimens, each rated with its eligibility reasons."""
    gate, why = _systemic_indicated(ctx, bclc)
    out: list[tuple[Regimen, list[Verdict], list[Finding]]] = []
    for regimen in Regimen:
        verdicts, found = _liver_and_ps(ctx, regimen)
        rule = _RULE[regimen]
        if regimen is Regimen.atezolizumab_bevacizumab:
            more = [_immunotherapy(ctx, rule), _bevacizumab(ctx)]
        elif regimen is Regimen.durvalumab_tremelimumab:
            more = [_immunotherapy(ctx, rule), _portal_trunk(ctx, rule, "HIMALAYA")]
        elif regimen is Regimen.lenvatinib:
            more = [_portal_trunk(ctx, rule, "REFLECT")]
        else:
            more = []
        for extra_verdicts, extra_found in more:
            verdicts += extra_verdicts
            found += extra_found
        out.append((regimen, verdicts, [why, *found]))
    if gate is not None:
        return [
            SystemicOption(regimen=r, verdict=gate, rank=_RANK[r], **trace(found))
            for r, _, found in out
        ]
    preferred = [
        _worst(verdicts) if verdicts else Verdict.recommended
        for regimen, verdicts, _ in out
        if _RANK[regimen] == 1
    ]
    ruled_out = {Verdict.contraindicated, Verdict.relative_contraindication}
    tki_first = all(v in ruled_out for v in preferred)
    rated = []
    for regimen, verdicts, found in out:
        if verdicts:
            verdict = _worst(verdicts)
        elif _RANK[regimen] == 1:
            verdict = Verdict.recommended
        elif tki_first:
            verdict = Verdict.recommended
            text = "both immunotherapy combinations are ruled out: a TKI is the first line"
            found.append(finding("SYS-ORDER", text))
        else:
            verdict = Verdict.consider
            text = "alternative when the immunotherapy combinations cannot be given"
            found.append(finding("SYS-ORDER", text))
        rank = _RANK[regimen]
        rated.append(SystemicOption(regimen=regimen, verdict=verdict, rank=rank, **trace(found)))
    return rated


def beyond_seeds(ctx: Context, options: Sequence[Option]) -> BeyondSeeds:
    """The whole "beyond the seeds" section for ``ctx`` given the seed options."""
    criteria = transplant_criteria(ctx)
    bclc = bclc_2022(ctx, options, criteria)
    return BeyondSeeds(
        bclc_2022=bclc,
        systemic_first_line=tuple(systemic_first_line(ctx, bclc)),
        transplant_criteria=criteria,
    )
