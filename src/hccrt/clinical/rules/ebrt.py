"""External-beam options: 3DCRT, IMRT, SBRT, protons and palliative EBRT (seeds 000, 001, 003)."""

from __future__ import annotations

from collections.abc import Sequence

from hccrt.clinical.findings import Finding, finding
from hccrt.clinical.patient import PriorTreatmentKind, TreatmentOutcome
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.options import Option, Therapy, Verdict, option
from hccrt.clinical.sources import SEED_000, SEED_001, SEED_003, Status, facts_rule, seed_rule

AREA = "External-beam radiotherapy options (seeds 000, 001, 003)"
seed_rule(
    "EBRT-ANY",
    "EBRT for tumours in any location",
    SEED_003,
    "①EBRT (stereotactic body radiotherapy [SBRT], intensity-modulated radiotherapy [IMRT] or "
    "three-dimensional conformal radiotherapy [3D-CRT]) can be performed for tumors in any "
    "location.",
    ("tumors",),
    AREA,
)
seed_rule(
    "EBRT-CPA",
    "Evidence mainly from Child-Pugh A",
    SEED_003,
    "Data from studies of radiotherapy for HCC are primarily from the group of patients with "
    "Child-Pugh class A liver function, and safety data for patients with Child-Pugh class B "
    "or worse liver function are limited.",
    ("child_pugh",),
    AREA,
)
seed_rule(
    "EBRT-CPB",
    "Child-Pugh B: dose adjustment and strict limits",
    SEED_003,
    "With dose adjustments and strict dose restrictions, radiotherapy can be safely "
    "administered to HCC patients with combined cirrhotic liver function in Child-Pugh class "
    "B.",
    ("child_pugh",),
    AREA,
)
seed_rule(
    "EBRT-CPC",
    "Child-Pugh C: safety not established",
    SEED_003,
    "The safety of liver radiotherapy has not been demonstrated in HCC patients with liver "
    "function Child-Pugh Class C in combination with cirrhosis",
    ("child_pugh",),
    AREA,
)
seed_rule(
    "RT-ALTERNATIVE",
    "RT when arterial therapy/ablation is unsuitable",
    SEED_001,
    "In contrast, for patients for whom interventional or radiofrequency treatment is not "
    "appropriate and for whom these treatments have poor outcomes, radiotherapy or "
    "stereotactic radiotherapy is the best alternative treatment.",
    ("options.ablation", "options.tace", "prior_treatments"),
    AREA,
)
seed_rule(
    "RT-ALONE",
    "RT alone: intervention unsuitable (poor lipiodol, AV shunt, portal obstruction) or failed",
    SEED_001,
    "radiotherapy alone for confined intrahepatic hepatocellular carcinoma is generally "
    "selected for patients who cannot undergo surgery or intervention due to medical disease, "
    "or whose tumors are too large for radiofrequency ablation (e.g., poor iodine oil "
    "deposition, presence of arteriovenous leaks, complete portal vein obstruction without "
    "formation of collateral circulation, etc.), and patients with poor interventional results.",
    (
        "poor_lipiodol_deposition",
        "arteriovenous_shunt",
        "portal_obstruction_without_collaterals",
        "prior_treatments",
    ),
    AREA,
)
RT_ALONE_FACTS = {
    "poor_lipiodol_deposition": "poor lipiodol deposition",
    "arteriovenous_shunt": "an arteriovenous shunt",
    "portal_obstruction_without_collaterals": "complete portal obstruction without collaterals",
}
"""Seed 001's examples of why intervention is unsuitable and RT alone is chosen."""


def rt_alone_reasons(ctx: Context) -> tuple[list[str], list[str]]:
    """(present, unknown): the RT-ALONE facts recorded true, and those not recorded."""
    present = [text for name, text in RT_ALONE_FACTS.items() if getattr(ctx.patient, name)]
    unknown = [name for name in RT_ALONE_FACTS if getattr(ctx.patient, name) is None]
    return present, unknown


seed_rule(
    "SBRT-1-3",
    "SBRT for 1-3 tumours; larger only with enough healthy liver",
    SEED_003,
    "④ SBRT is commonly used in patients with 1-3 tumors. SBRT can be used for larger or more "
    "extensive lesions as long as there is an adequate healthy liver and as long as the "
    "radiation tolerated dose to the liver allows.",
    ("tumors", "normal_liver_volume_cc"),
    AREA,
)
seed_rule(
    "SBRT-EHS",
    "SBRT needs no extrahepatic disease, or includable lesions",
    SEED_003,
    "However, it is required that there are no extrahepatic lesions, or that the extrahepatic "
    "lesions are small enough to be included in a treatment plan.",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "SBRT-ALT",
    "SBRT as alternative when ablation/embolisation failed or is contraindicated",
    SEED_003,
    "SBRT can be used as an alternative to the ablation/embolization techniques "
    "described above or in cases where ablation/embolization therapy has failed or is "
    "contraindicated.",
    ("options", "prior_treatments"),
    AREA,
)
seed_rule(
    "SBRT-SUPPLEMENT",
    "SBRT supplements, does not replace, surgery",
    SEED_001,
    "Strictly speaking, stereotactic radiotherapy can only be used as a supplement to these "
    "treatments, especially for patients with liver cancer that cannot be surgically "
    "resected for various reasons.",
    ("resectable", "refuses_surgery"),
    AREA,
)
seed_rule(
    "SBRT-5CM",
    "SBRT targets lesions ≤ 5 cm",
    SEED_001,
    "Since stereotactic radiotherapy can also only target small lesions (≤5 cm in diameter)",
    ("tumors.diameter_cm",),
    AREA,
)
LOCATION_PASSAGE = (
    "For example, for patients whose tumors have a maximum diameter of ≥3 cm and are located "
    "around large blood vessels, on the surface of the liver, immediately adjacent to the "
    "gallbladder and other areas that are not suitable for radiofrequency ablation, "
    "stereotactic radiation therapy shows its advantages."
)
"""Seed 001's location passage: an SBRT advantage (SBRT-LOCATION) and not for RFA (ABL-LOCATION)."""
LOCATION_FACTS = (
    "tumors.diameter_cm",
    "tumors.near_major_vessel",
    "tumors.subcapsular",
    "tumors.adjacent_to_gallbladder",
)
seed_rule(
    "SBRT-LOCATION",
    "≥ 3 cm next to vessels, surface or gallbladder: SBRT advantage",
    SEED_001,
    LOCATION_PASSAGE,
    LOCATION_FACTS,
    AREA,
)
seed_rule(
    "SBRT-EHM",
    "SBRT for extrahepatic metastases",
    SEED_001,
    "For patients whose tumors have metastasized outside the liver, stereotactic radiation "
    "therapy can show even more advantages",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "PROTON",
    "Proton therapy in certain circumstances",
    SEED_003,
    "⑤ Proton beam therapy (PBT) may also be an appropriate treatment option in certain "
    "circumstances.",
    (),
    AREA,
)
seed_rule(
    "PALL-EBRT",
    "Palliative EBRT for symptomatic metastases (bone, brain)",
    SEED_003,
    "⑥ Palliative EBRT may control and/or prevent symptoms associated with complications of "
    "metastatic HCC (e.g., bone or brain).",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "RT-PALL-METS",
    "Palliative RT for lymph-node, adrenal and bone metastases",
    SEED_000,
    "④Palliative treatment of distant metastases, such as lymph node metastasis, adrenal "
    "metastasis and bone metastasis.",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "TECH-3DCRT-IMRT",
    "3DCRT first; IMRT for large tumours or severe cirrhosis",
    SEED_000,
    "Therefore, the 3DCRT technique is generally used first; if the dosimetric requirements "
    "are not met, then IMRT is used, which is more suitable for patients with large "
    "hepatocellular carcinoma that exposes the normal liver to larger doses, or patients "
    "with severe cirrhosis that cannot tolerate large doses of radiation.",
    ("tumors.diameter_cm", "child_pugh"),
    AREA,
)
facts_rule(
    "TECH-LARGE",
    "'Large' tumour for the IMRT rule: > 5 cm (overridable default)",
    "§8.1 / seed 001",
    "The seeds do not define a large HCC; hccrt uses the seed-001 SBRT "
    "size limit (> 5 cm) and Child-Pugh B/C as proxy for severe cirrhosis.",
    Status.unconfirmed,
    ("tumors.diameter_cm", "child_pugh"),
    AREA,
)
RESECTABLE_FIRST = (
    "resectable and surgery accepted: resection first; liver RT is for unresectable tumours "
    "or refused surgery"
)
_UNSUITABLE = {Verdict.not_indicated, Verdict.contraindicated, Verdict.relative_contraindication}


def liver_tolerance(ctx: Context) -> tuple[Verdict, list[Finding]]:
    """Child-Pugh gate shared by every liver-directed EBRT option."""
    cp = ctx.cp_class
    if cp == "A":
        return Verdict.consider, [
            finding(
                "EBRT-CPA", "Child-Pugh A: the group the RT data come from", child_pugh_class="A"
            )
        ]
    if cp == "B":
        return Verdict.consider, [
            finding(
                "EBRT-CPB",
                "Child-Pugh B: only with dose adjustment and strict dose limits",
                child_pugh_class="B",
            )
        ]
    if cp == "C":
        return Verdict.relative_contraindication, [
            finding(
                "EBRT-CPC", "Child-Pugh C: safety of liver RT not established", child_pugh_class="C"
            )
        ]
    return Verdict.insufficient_data, [finding("EBRT-CPA", "Child-Pugh class unknown")]


def others_unsuitable(
    ctx: Context, others: Sequence[Option], rule_id: str = "RT-ALTERNATIVE"
) -> Finding | None:
    """Why RT is the alternative: ablation and TACE unsuitable, or they failed before."""
    local = [o for o in others if o.therapy in {Therapy.ablation, Therapy.tace}]
    if local and all(o.verdict in _UNSUITABLE for o in local):
        return finding(rule_id, "ablation and TACE unsuitable: RT is the best alternative")
    failed = [
        pt.kind.value
        for pt in ctx.patient.prior_treatments
        if pt.kind
        in {
            PriorTreatmentKind.ablation,
            PriorTreatmentKind.tace,
            PriorTreatmentKind.tae,
            PriorTreatmentKind.deb_tace,
        }
        and pt.outcome in {TreatmentOutcome.residual, TreatmentOutcome.recurrence}
    ]
    if failed:
        return finding(rule_id, f"ablation/embolisation failed ({', '.join(failed)})")
    return None


def conventional(ctx: Context, others: Sequence[Option]) -> list[Option]:
    """3DCRT, IMRT and proton verdicts."""
    if not ctx.patient.tumors:
        none = [finding("EBRT-ANY", "no intrahepatic tumour recorded")]
        return [
            option(t, Verdict.not_indicated, none, "2B")
            for t in (Therapy.ebrt_3dcrt, Therapy.ebrt_imrt, Therapy.proton)
        ]
    if ctx.patient.resectable and not ctx.patient.refuses_surgery:
        first = [finding("RT-GENERAL", RESECTABLE_FIRST, resectable=True)]
        return [
            option(t, Verdict.not_indicated, first, "2B")
            for t in (Therapy.ebrt_3dcrt, Therapy.ebrt_imrt, Therapy.proton)
        ]
    verdict, found = liver_tolerance(ctx)
    found.insert(0, finding("EBRT-ANY", "EBRT can treat tumours in any location"))
    alternative = others_unsuitable(ctx, others)
    if alternative is not None and verdict is Verdict.consider:
        verdict, found = Verdict.recommended, [*found, alternative]
    base = option(
        Therapy.ebrt_3dcrt,
        verdict,
        [*found, finding("TECH-3DCRT-IMRT", "3DCRT is used first")],
        "2B",
    )
    large = (ctx.largest_cm or 0.0) > ctx.settings.large_tumor_cm
    cirrhotic = ctx.cp_class in {"B", "C"}
    imrt_found = list(found)
    if large or cirrhotic:
        why = "large tumour" if large else "severe cirrhosis (Child-Pugh B/C)"
        imrt_found.append(
            finding(
                "TECH-LARGE",
                f"IMRT suits a {why}",
                largest_tumor_cm=ctx.largest_cm,
                child_pugh_class=ctx.cp_class,
            )
        )
        imrt_verdict = verdict
    else:
        imrt_found.append(finding("TECH-3DCRT-IMRT", "IMRT if 3DCRT cannot meet the dose limits"))
        imrt_verdict = Verdict.consider if verdict is Verdict.recommended else verdict
    proton_verdict = Verdict.consider if verdict is Verdict.recommended else verdict
    return [
        base,
        option(Therapy.ebrt_imrt, imrt_verdict, imrt_found, "2B"),
        option(
            Therapy.proton,
            proton_verdict,
            [*found, finding("PROTON", "protons in certain circumstances")],
            "2B",
        ),
    ]
