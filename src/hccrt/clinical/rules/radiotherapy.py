"""Radiotherapy indications (both lists of seed 000) and the intent derived from them."""

from __future__ import annotations

from collections.abc import Sequence

from hccrt.clinical.findings import Item, finding, item_from
from hccrt.clinical.patient import ExtrahepaticSite, Histology, PriorTreatmentKind, TreatmentOutcome
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.options import Option, Therapy, Verdict
from hccrt.clinical.sources import SEED_000, SEED_001, SEED_003, seed_rule

AREA = "Radiotherapy indications and intent (seed 000)"
_IN = ("kps", "ecog", "child_pugh", "tumors")
seed_rule(
    "RT-GENERAL",
    "Confined, unresectable (liver function, location) or surgery refused",
    SEED_000,
    "It is generally accepted that radiotherapy can be considered for patients "
    "with hepatocellular carcinoma whose tumors are confined and cannot be surgically "
    "resected due to poor liver function, or whose tumors are located in important "
    "anatomical structures that cannot be technically resected, or whose patients refuse "
    "surgery.",
    ("extrahepatic_disease", "resectable", "refuses_surgery"),
    AREA,
)
seed_rule(
    "RT-IND-1-1",
    "KPS ≥ 70, Child-Pugh A, single lesion",
    SEED_000,
    "①Good general condition, such as KPS≥70, liver function Child-Pugh grade A, single lesion;",
    _IN,
    AREA,
)
seed_rule(
    "RT-IND-1-2",
    "Residual lesion after surgery",
    SEED_000,
    "②Patients with residual lesions after surgery;",
    ("prior_treatments",),
    AREA,
)
seed_rule(
    "RT-IND-1-3",
    "Hilar obstruction or portal/hepatic-vein tumour thrombus",
    SEED_000,
    "③Local tumor treatment of liver is needed, otherwise serious complications will arise, "
    "such as obstruction of liver portal, tumor embolism of portal vein and hepatic vein;",
    ("tumors.hilar_obstruction", "vascular_invasion"),
    AREA,
)
seed_rule(
    "RT-IND-2-1",
    "Confined to the liver: RT combined with arterial therapy",
    SEED_000,
    "① HCC confined to the liver: radiotherapy combined with hepatic artery intervention can "
    "significantly improve the efficiency and survival rate;",
    ("extrahepatic_disease", "prior_treatments", "options.tace"),
    AREA,
)
seed_rule(
    "RT-IND-2-2",
    "Tumour thrombus including IVC",
    SEED_000,
    "② HCC with cancer embolism: radiotherapy can target cancer embolism that appears after "
    "surgical or interventional treatment and cancer embolism in the primary focus "
    "(including inferior vena cava cancer embolism)",
    ("vascular_invasion",),
    AREA,
)
seed_rule(
    "RT-IND-2-3",
    "Lymph-node metastases",
    SEED_000,
    "radiotherapy can significantly improve the survival of HCC patients with lymph node "
    "metastasis;",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "RT-IND-2-4",
    "Adrenal metastases (symptoms, no survival evidence)",
    SEED_000,
    "④HCC with adrenal metastasis: radiotherapy can relieve the symptoms of adrenal "
    "metastasis, but there is no evidence that radiotherapy can prolong survival;",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "RT-IND-2-5",
    "Bone metastases (symptoms, no survival evidence)",
    SEED_000,
    "⑤HCC with bone metastasis: radiotherapy aims to relieve the symptoms and thus improve "
    "the quality of patient survival, but there is no evidence that it can prolong patient "
    "survival;",
    ("extrahepatic_disease",),
    AREA,
)
seed_rule(
    "RT-IND-2-6",
    "ICC: positive margins after resection or unresectable",
    SEED_000,
    "⑥ICC: radiotherapy can prolong the survival of patients with positive margins after "
    "resection and unresectable ICC",
    ("histology", "prior_treatments", "resectable"),
    AREA,
)
seed_rule(
    "RT-IND-EHS-LIMITED",
    "Intrahepatic tumour with limited extrahepatic metastases: local RT of both",
    SEED_001,
    "Yonsei University in Korea reported that in patients with concurrent intra- and extra-hepatic "
    "lesions (lung, adrenal, and soft tissue metastases and an average of 3.5 lesions per patient) "
    "treated with tomotherapy, the median survival of patients was 12.3 months, and the local "
    "control rate of lesions subjected to radiotherapy was 79% within 1 year with no grade IV "
    "toxic side effects.",
    ("tumors", "extrahepatic_disease.includable_in_rt_plan"),
    AREA,
)
seed_rule(
    "RT-BRIDGE",
    "Local treatment as bridge before radical treatment",
    SEED_003,
    "For patients who cannot undergo radical surgical treatment, local treatment should be "
    "considered, which can also be used as a bridge treatment before other radical "
    "treatments.",
    ("transplant_candidate",),
    AREA,
)
_ARTERIAL_KINDS = {PriorTreatmentKind.tace, PriorTreatmentKind.tae, PriorTreatmentKind.deb_tace}
_ARTERIAL = {Therapy.tace, Therapy.tae, Therapy.deb_tace}
_SITE_RULES = {
    ExtrahepaticSite.lymph_node: ("RT-IND-2-3", "lymph-node metastases: RT can improve survival"),
    ExtrahepaticSite.adrenal: ("RT-IND-2-4", "adrenal metastases: RT relieves symptoms"),
    ExtrahepaticSite.bone: ("RT-IND-2-5", "bone metastases: RT relieves symptoms"),
}


def _good_condition(ctx: Context) -> Item | None:
    kps_range, p = ctx.performance.kps_range, ctx.patient
    if kps_range is None or kps_range[0] < 70 or ctx.cp_class != "A" or len(p.tumors) != 1:
        return None
    if ctx.extrahepatic is not False or ctx.tumour_thrombus is not False:
        return None  # spread or thrombus present, or not assessed: no curative claim
    one = finding(
        "RT-IND-1-1",
        f"KPS {kps_range[0]} ≥ 70, Child-Pugh A, single lesion",
        kps=kps_range[0],
        child_pugh_class="A",
        tumor_count=1,
    )
    return item_from("good_condition_single_lesion", one)


def _after_surgery(ctx: Context) -> list[Item]:
    out = []
    for pt in ctx.patient.prior_treatments:
        if pt.kind is not PriorTreatmentKind.resection:
            continue
        if ctx.patient.histology is Histology.ICC and pt.margin_positive:
            one = finding("RT-IND-2-6", "ICC with positive resection margin", margin_positive=True)
            out.append(item_from("icc_positive_margin", one))
        elif pt.outcome is TreatmentOutcome.residual or pt.margin_positive:
            one = finding(
                "RT-IND-1-2",
                f"residual disease after resection on {pt.date}",
                margin_positive=pt.margin_positive,
                outcome=pt.outcome.value,
            )
            out.append(item_from("residual_after_surgery", one))
    return out


def _vascular(ctx: Context) -> list[Item]:
    inv, out = ctx.patient.vascular_invasion, []
    hilar = any(t.hilar_obstruction for t in ctx.patient.tumors)
    vessels = (
        []
        if inv is None
        else [
            name
            for name, on in (
                ("portal vein", inv.portal_vein.value != "none"),
                ("hepatic vein", inv.hepatic_vein),
                ("IVC", inv.ivc),
            )
            if on
        ]
    )
    portal_hepatic = [v for v in vessels if v != "IVC"]
    if hilar or portal_hepatic:
        what = ["hilar obstruction"] if hilar else []
        what += [f"{'/'.join(portal_hepatic)} tumour thrombus"] if portal_hepatic else []
        text = f"{', '.join(what)}: local liver treatment needed"
        one = finding("RT-IND-1-3", text, hilar_obstruction=hilar)
        out.append(item_from("complication_prevention", one))
    if vessels:
        text = f"tumour thrombus in {', '.join(vessels)}: RT can target it"
        one = finding("RT-IND-2-2", text, vessels=", ".join(vessels))
        out.append(item_from("tumour_thrombus", one))
    return out


def _metastases(ctx: Context) -> list[Item]:
    out = []
    sites = ctx.extrahepatic_sites()
    palliable = sorted(s.value for s in sites if s in _SITE_RULES)
    if palliable:
        out.append(
            item_from(
                "palliation_of_metastases",
                finding(
                    "RT-PALL-METS",
                    f"palliation of distant metastases ({', '.join(palliable)})",
                    sites=", ".join(palliable),
                ),
            )
        )
    for site, (rule_id, text) in _SITE_RULES.items():
        if site in sites:
            out.append(
                item_from(f"{site.value}_metastases", finding(rule_id, text, site=site.value))
            )
    return out


def _limited_spread(ctx: Context) -> list[Item]:
    """Seed 001 (tomotherapy, SBRT) and seed 003 update 2: limited spread keeps local RT open.

    "Limited" is what the record can show: every extrahepatic lesion small enough to be included
    in the liver plan. Unknown inclusion gives no indication (the SBRT option asks for it).
    """
    spread = ctx.patient.extrahepatic_disease
    if not ctx.patient.tumors or not spread:
        return []
    if not all(d.includable_in_rt_plan for d in spread):
        return []
    lesions = sum(d.count for d in spread)
    sites = ", ".join(sorted({d.site.value for d in spread}))
    text = (
        f"intrahepatic tumour with limited extrahepatic metastases ({lesions} lesion(s): {sites}; "
        "all includable in the plan): RT can treat both (tomotherapy/SBRT); seed 003 update 2 "
        "prefers local treatment for limited spread"
    )
    one = finding("RT-IND-EHS-LIMITED", text, sites=sites, extrahepatic_lesions=lesions)
    return [item_from("limited_extrahepatic_spread", one)]


def indications(ctx: Context, options: Sequence[Option]) -> list[Item]:
    """Every seed-000 indication the patient meets, each with its rule and facts."""
    p, out = ctx.patient, []
    surgery_first = bool(p.resectable) and not p.refuses_surgery
    good = None if surgery_first else _good_condition(ctx)
    if good is not None:
        out.append(good)
    out += _after_surgery(ctx) + _vascular(ctx) + _metastases(ctx) + _limited_spread(ctx)
    if ctx.extrahepatic is False and p.tumors and not surgery_first:
        arterial = [
            o.therapy.value
            for o in options
            if o.therapy in _ARTERIAL and o.verdict in {Verdict.recommended, Verdict.consider}
        ]
        prior = [pt.kind.value for pt in p.prior_treatments if pt.kind in _ARTERIAL_KINDS]
        if prior or arterial:
            text = "confined to the liver: RT combined with hepatic artery intervention"
            out.append(
                item_from(
                    "combined_with_arterial_therapy",
                    finding("RT-IND-2-1", text, prior_arterial=", ".join(prior) or None),
                )
            )
        if p.resectable is False or p.refuses_surgery:
            why = "surgery refused" if p.refuses_surgery else "not resectable"
            out.append(
                item_from(
                    "confined_unresectable",
                    finding(
                        "RT-GENERAL",
                        f"confined tumour, {why}",
                        resectable=p.resectable,
                        refuses_surgery=p.refuses_surgery,
                    ),
                )
            )
    if p.histology is Histology.ICC and p.resectable is False:
        out.append(item_from("icc_unresectable", finding("RT-IND-2-6", "unresectable ICC")))
    if p.histology is Histology.ICC:
        # The other seed-000 indications are written for HCC; only item ⑥ speaks of ICC.
        out = [i for i in out if i.key.startswith("icc_")]
    return out


INTENTS = ("bridging", "adjuvant", "curative", "combined", "palliative")


def intents(ctx: Context, found: Sequence[Item], options: Sequence[Option] = ()) -> list[str]:
    """All intents the indications support, most specific first.

    ``bridging`` needs a transplant candidate whose transplant option is recommended or to be
    considered (so not with macrovascular invasion or extrahepatic spread).
    """
    keys = {i.key for i in found}
    out = []
    transplant = [o for o in options if o.therapy is Therapy.transplant]
    open_for_transplant = bool(transplant) and transplant[0].verdict in {
        Verdict.recommended,
        Verdict.consider,
    }
    if ctx.patient.transplant_candidate and ctx.patient.tumors and open_for_transplant:
        out.append("bridging")
    if keys & {"residual_after_surgery", "icc_positive_margin"}:
        out.append("adjuvant")
    if "good_condition_single_lesion" in keys:
        out.append("curative")
    if keys & {"combined_with_arterial_therapy", "tumour_thrombus", "complication_prevention"}:
        out.append("combined")
    if keys & {"palliation_of_metastases"} or ctx.patient.needs_rapid_symptom_relief:
        out.append("palliative")
    if "confined_unresectable" in keys and not out and ctx.cp_class != "insufficient_data":
        out.append("curative" if ctx.cp_class == "A" else "palliative")
    if "icc_unresectable" in keys and not out:
        out.append("palliative")
    return out


def primary_intent(ctx: Context, all_intents: Sequence[str]) -> str | None:
    """The intent shown first: palliative when there is extrahepatic disease, else most specific."""
    if not all_intents:
        return None
    if ctx.extrahepatic and "palliative" in all_intents:
        return "palliative"
    return all_intents[0]
