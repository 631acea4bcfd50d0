"""Radical options first (resection, transplant), then sorafenib, systemic therapy and BSC."""

from __future__ import annotations

from collections.abc import Sequence

from hccrt.clinical.findings import Finding, Item, finding, item_from
from hccrt.clinical.patient import PriorTreatmentKind, TreatmentOutcome
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.options import Option, Therapy, Verdict, option
from hccrt.clinical.sources import SEED_003, Status, facts_rule, seed_rule

AREA = "Radical options, sorafenib, systemic therapy (seed 003, BCLC 2022)"
seed_rule(
    "LT-RADICAL",
    "Evaluate every patient for radical treatment first",
    SEED_003,
    "All patients with hepatocellular carcinoma should be evaluated for the possibility of radical "
    "treatment (hepatic resection, liver transplantation, and for smaller tumors, ablation).",
    ("resectable", "transplant_candidate", "refuses_surgery"),
    AREA,
)
seed_rule(
    "UPD-1",
    "Poor reserve or difficult location: transplant evaluation first",
    SEED_003,
    "1. Unresectable hepatocellular carcinoma with inadequate hepatic functional reserve "
    "(Child-Pugh score) or difficult tumor location is first evaluated for transplantation, where "
    "local treatment is preferred for those not suitable for transplantation.",
    ("resectable", "child_pugh", "tumors.location", "transplant_candidate"),
    AREA,
)
seed_rule(
    "UPD-2",
    "Unresectable for low PS or comorbidities: local treatment preferred",
    SEED_003,
    "2. HCC with lesions confined to the liver or with only limited extrahepatic metastases, but "
    "unresectable due to low PS score and comorbidities, local treatment is preferred.",
    ("resectable", "kps", "ecog", "comorbidities", "extrahepatic_disease"),
    AREA,
)
facts_rule(
    "TX-MILAN",
    "Milan criteria (Mazzaferro, NEJM 1996)",
    "§8.2; primary source: Mazzaferro V et al., N Engl J Med 1996;334:693-699",
    "Single ≤ 5 cm, or 2-3 nodules each ≤ 3 cm; no macrovascular invasion; no extrahepatic spread.",
    Status.secondary,
    ("tumors", "vascular_invasion", "extrahepatic_disease"),
    AREA,
)
seed_rule(
    "SOR-AFTER-LOCAL",
    "Sorafenib after residual/recurrence once bilirubin is back to baseline",
    SEED_003,
    "⑥Sorafenib may be applied in patients with good liver function who have proven "
    "residual/recurrence after hepatic artery intervention but are not candidates for other local "
    "therapies, as long as bilirubin levels are reduced to baseline levels.",
    ("prior_treatments", "child_pugh", "bilirubin_mg_dl", "bilirubin_baseline_mg_dl"),
    AREA,
)
facts_rule(
    "SYS-BCLC",
    "BCLC-C: systemic therapy; BCLC-D: best supportive care",
    "§2.1; primary source: Reig M et al., J Hepatol 2022;76:681-693",
    "C (advanced): systemic first line (atezolizumab-bevacizumab, durvalumab-tremelimumab; "
    "sorafenib/lenvatinib if contraindicated); D (terminal): best supportive care.",
    Status.secondary,
    ("staging.bclc",),
    AREA,
)


def resection(ctx: Context) -> Option:
    """Resection from the surgeon's resectability call and the patient's wish (LT-RADICAL)."""
    p, t = ctx.patient, Therapy.resection
    if p.resectable is None:
        found = [finding("LT-RADICAL", "resectability not assessed: ask the surgeon")]
        return option(t, Verdict.insufficient_data, found)
    if p.resectable and p.refuses_surgery:
        found = [
            finding(
                "LT-RADICAL",
                "resectable but the patient refuses surgery",
                resectable=True,
                refuses_surgery=True,
            )
        ]
        return option(t, Verdict.not_indicated, found)
    if p.resectable:
        return option(
            t, Verdict.recommended, [finding("LT-RADICAL", "resectable", resectable=True)]
        )
    return option(
        t, Verdict.not_indicated, [finding("LT-RADICAL", "not resectable", resectable=False)]
    )


def within_milan(ctx: Context) -> bool | None:
    """Milan criteria; ``None`` when tumours, vascular invasion or spread are not assessed."""
    if not ctx.patient.tumors or ctx.tumour_thrombus is None or ctx.extrahepatic is None:
        return None
    largest = ctx.largest_cm or 0.0
    size_ok = (ctx.tumor_count == 1 and largest <= 5.0) or (ctx.tumor_count <= 3 and largest <= 3.0)
    return size_ok and not ctx.tumour_thrombus and not ctx.extrahepatic


def transplant(ctx: Context) -> Option:
    """Transplant evaluation (LT-RADICAL, TX-MILAN, UPD-1)."""
    p, t = ctx.patient, Therapy.transplant
    if p.transplant_candidate is False:
        return option(
            t,
            Verdict.not_indicated,
            [finding("LT-RADICAL", "not a transplant candidate", transplant_candidate=False)],
        )
    milan = within_milan(ctx)
    if milan is None:
        found = [
            finding(
                "TX-MILAN",
                "Milan criteria cannot be checked: tumours, vascular invasion "
                "or extrahepatic disease not assessed",
            )
        ]
        return option(t, Verdict.insufficient_data, found)
    if ctx.tumour_thrombus or ctx.extrahepatic:
        text = "macrovascular invasion or extrahepatic spread: outside Milan and any extension"
        found = [finding("TX-MILAN", text, within_milan=False)]
        return option(t, Verdict.not_indicated, found)
    found = [
        finding(
            "TX-MILAN",
            "within Milan criteria" if milan else "beyond Milan criteria by size/number",
            within_milan=milan,
        )
    ]
    poor_reserve = ctx.cp_class in {"B", "C"}
    if p.resectable is False and (poor_reserve or ctx.difficult_location):
        why = "poor hepatic reserve" if poor_reserve else "difficult tumour location"
        found.append(
            finding(
                "UPD-1",
                f"unresectable with {why}: evaluate for transplantation first",
                child_pugh_class=ctx.cp_class,
            )
        )
    if p.transplant_candidate and milan:
        return option(t, Verdict.recommended, found)
    if milan or p.transplant_candidate or len(found) > 1:
        return option(t, Verdict.consider, found)
    return option(t, Verdict.not_indicated, found)


def systemic(ctx: Context) -> Option:
    """Systemic therapy (SYS-BCLC; seed 003 for unresectable > 5 cm)."""
    t, stage = Therapy.systemic_therapy, ctx.staging.bclc
    if stage == "C":
        return option(t, Verdict.recommended, [finding("SYS-BCLC", "BCLC-C", bclc="C")])
    if stage == "D":
        return option(t, Verdict.not_indicated, [finding("SYS-BCLC", "BCLC-D", bclc="D")])
    if (ctx.largest_cm or 0.0) > 5.0 and ctx.patient.resectable is not True:
        text = (
            f"unresectable tumour {ctx.largest_cm:g} cm > 5 cm: systemic therapy to be considered"
        )
        return option(
            t, Verdict.consider, [finding("ABL-5CM", text, largest_tumor_cm=ctx.largest_cm)]
        )
    if stage in {"insufficient_data", "not_applicable"}:
        return option(t, Verdict.insufficient_data, [_no_stage(stage)])
    return option(t, Verdict.not_indicated, [finding("SYS-BCLC", f"BCLC-{stage}", bclc=stage)])


def _no_stage(stage: str) -> Finding:
    if stage == "not_applicable":
        return finding("SYS-BCLC", "no BCLC stage for ICC: decide outside these rules", bclc=stage)
    return finding("SYS-BCLC", "BCLC stage unknown")


def supportive(ctx: Context) -> Option:
    """Best supportive care for BCLC-D (SYS-BCLC)."""
    t, stage = Therapy.best_supportive_care, ctx.staging.bclc
    if stage == "D":
        return option(t, Verdict.recommended, [finding("SYS-BCLC", "BCLC-D", bclc="D")])
    if stage in {"insufficient_data", "not_applicable"}:
        return option(t, Verdict.insufficient_data, [_no_stage(stage)])
    return option(t, Verdict.not_indicated, [finding("SYS-BCLC", f"BCLC-{stage}", bclc=stage)])


_LOCAL = {
    Therapy.ablation,
    Therapy.tace,
    Therapy.tae,
    Therapy.deb_tace,
    Therapy.y90_radioembolization,
}
_RT = {Therapy.sbrt, Therapy.ebrt_3dcrt, Therapy.ebrt_imrt}
_SORAFENIB_AFTER = {
    PriorTreatmentKind.ablation,
    PriorTreatmentKind.tace,
    PriorTreatmentKind.tae,
    PriorTreatmentKind.deb_tace,
    PriorTreatmentKind.y90_radioembolization,
}


def sorafenib(ctx: Context, others: Sequence[Option]) -> Option:
    """Sorafenib after residual/recurrence following ablation or arterial therapy.

    "Other local therapies" that make sorafenib not indicated are ablation and the arterial
    therapies rated ``recommended``; recommended RT options are named in the reasons instead,
    because RT is itself rated 'recommended' after a failed local therapy (seed 001).
    """
    t, p = Therapy.sorafenib, ctx.patient
    failed = [
        pt
        for pt in p.prior_treatments
        if pt.kind in _SORAFENIB_AFTER
        and pt.outcome in {TreatmentOutcome.residual, TreatmentOutcome.recurrence}
    ]
    if not failed:
        text = "no residual/recurrence after ablation or arterial therapy recorded"
        return option(t, Verdict.not_indicated, [finding("SOR-AFTER-LOCAL", text)])
    found = [
        finding(
            "SOR-AFTER-LOCAL",
            f"{failed[-1].outcome.value} after {failed[-1].kind.value}",
            prior=failed[-1].kind.value,
        )
    ]
    if ctx.cp_class == "insufficient_data" or p.bilirubin_mg_dl is None:
        return option(t, Verdict.insufficient_data, found)
    if ctx.cp_class != "A":
        found.append(
            finding("SOR-AFTER-LOCAL", f"liver function not good (Child-Pugh {ctx.cp_class})")
        )
        return option(t, Verdict.not_indicated, found)
    better = [
        o.therapy.value for o in others if o.therapy in _LOCAL and o.verdict is Verdict.recommended
    ]
    if better:
        found.append(
            finding("SOR-AFTER-LOCAL", f"other local therapy suitable: {', '.join(better)}")
        )
        return option(t, Verdict.not_indicated, found)
    if p.bilirubin_baseline_mg_dl is None:
        found.append(finding("SOR-AFTER-LOCAL", "baseline bilirubin not recorded"))
        return option(t, Verdict.insufficient_data, found)
    if p.bilirubin_mg_dl > p.bilirubin_baseline_mg_dl:
        text = (
            f"bilirubin {p.bilirubin_mg_dl:g} mg/dL not yet back to baseline "
            f"{p.bilirubin_baseline_mg_dl:g} mg/dL"
        )
        return option(t, Verdict.not_indicated, [*found, finding("SOR-AFTER-LOCAL", text)])
    found.append(
        finding("SOR-AFTER-LOCAL", "bilirubin back to baseline", bilirubin_mg_dl=p.bilirubin_mg_dl)
    )
    rt = [o.therapy.value for o in others if o.therapy in _RT and o.verdict is Verdict.recommended]
    if rt:
        text = f"radiotherapy is also a local option ({', '.join(rt)}): weigh it first"
        found.append(finding("SOR-AFTER-LOCAL", text))
    return option(t, Verdict.consider, found)


def local_preferred(ctx: Context) -> list[Item]:
    """UPD-2: unresectable for low PS or comorbidities with confined disease -> local treatment."""
    p = ctx.patient
    low_ps = ctx.performance.ecog is not None and ctx.performance.ecog >= 2
    if p.resectable is False and (low_ps or p.comorbidities) and ctx.extrahepatic is not None:
        extent = "extrahepatic metastases (if limited)" if ctx.extrahepatic else "disease confined"
        why = (
            [f"ECOG {ctx.performance.ecog} (ECOG ≥ 2 read as the seed's 'low PS': a cut-off of "
             "hccrt's, not stated in the seeds)"]
            if low_ps
            else []
        )  # fmt: skip
        why += [f"comorbidities ({', '.join(p.comorbidities)})"] if p.comorbidities else []
        one: Finding = finding(
            "UPD-2",
            f"unresectable, {extent}, {' and '.join(why)}: if these make surgery impossible, "
            "local treatment is preferred",
            ecog=ctx.performance.ecog,
            comorbidities=", ".join(p.comorbidities),
        )
        return [item_from("local_treatment_preferred", one)]
    return []
