"""Ablation and hepatic-artery interventions (seed 003 with clinical-facts §8.1)."""

from __future__ import annotations

from hccrt.clinical.findings import Finding, finding
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.ebrt import LOCATION_FACTS, LOCATION_PASSAGE, rt_alone_reasons
from hccrt.clinical.rules.options import Option, Therapy, Verdict, option
from hccrt.clinical.sources import SEED_001, SEED_003, Status, facts_rule, seed_rule

AREA = "Local therapy: ablation and arterial therapies (seed 003)"
LOC = ("tumors.near_major_vessel", "tumors.near_bile_duct", "tumors.adjacent_to_*")
seed_rule(
    "LT-EVIDENCE",
    "Evidence level: ablation and arterial therapy 2A, EBRT 2B",
    SEED_003,
    "Among them, ablation and hepatic artery intervention are 2A level recommendations, and EBRT "
    "is 2B level recommendations.",
    (),
    AREA,
)
seed_rule(
    "ABL-PATH",
    "Ablation needs an accessible path",
    SEED_003,
    "②The location of the tumor should be located in the path of the "
    "percutaneous/laparoscopic/open ablation operation.",
    ("tumors.ablation_path_accessible",),
    AREA,
)
seed_rule(
    "ABL-CAUTION",
    "Ablation next to vessels, bile ducts, diaphragm or organs: extra caution",
    SEED_003,
    "③The operation should be performed with extra caution when the lesion is adjacent to large "
    "blood vessels, bile ducts, diaphragm and other abdominal organs.",
    LOC,
    AREA,
)
seed_rule(
    "ABL-LOCATION",
    "≥ 3 cm next to large vessels, on the surface or next to the gallbladder: not for RFA",
    SEED_001,
    LOCATION_PASSAGE,
    LOCATION_FACTS,
    AREA,
)
seed_rule(
    "ABL-PEI-MARGIN",
    "Thermal ablation treats a margin of normal tissue; PEI does not",
    SEED_003,
    "①All tumors can be ablated. In addition to ablating tumors, thermal ablation can also "
    "ablate normal tissues at the tumor margins, but percutaneous ethanol injection will not "
    "affect normal tissues at the tumor margins.",
    ("tumors",),
    AREA,
)
seed_rule(
    "ABL-3CM",
    "Tumours ≤ 3 cm: ablation alone can cure",
    SEED_003,
    "(iv) For tumors ≤3 cm, cure can be achieved with ablation alone.",
    ("tumors.diameter_cm",),
    AREA,
)
seed_rule(
    "ABL-3-5CM",
    "3-5 cm: arterial therapy, combined with ablation where located appropriately",
    SEED_003,
    "3-5 cm lesions may have prolonged survival with hepatic artery intervention, which may be "
    "combined with ablation in appropriately located cases.",
    ("tumors.diameter_cm",),
    AREA,
)
seed_rule(
    "ABL-5CM",
    "> 5 cm unresectable: arterial or systemic therapy",
    SEED_003,
    "⑤ For unresectable/inoperable lesions >5 cm, hepatic artery intervention or systemic "
    "chemotherapy should be considered.",
    ("tumors.diameter_cm", "resectable"),
    AREA,
)
facts_rule(
    "ABL-COUNT",
    "Ablation for up to 3 tumours",
    "§8.1",
    "RFA (NCCN, CP-A): single ≤ 5 cm or up to 3 tumours each ≤ 3 cm.",
    Status.secondary,
    ("tumors",),
    AREA,
)
seed_rule(
    "ART-ANY",
    "Arterial therapy for tumours in any location",
    SEED_003,
    "①Tumors in any location can receive hepatic artery intervention, as long as the arterial "
    "blood supply to the tumor can be isolated without excessive impact on non-target tissues.",
    ("tumors",),
    AREA,
)
seed_rule(
    "ART-BILI-3",
    "Bilirubin > 3 mg/dL: relative contraindication unless segmental",
    SEED_003,
    "③ Bilirubin >3 mg/dL is a relative contraindication to all hepatic arterial interventions "
    "unless segmental injections can be performed.",
    ("bilirubin_mg_dl", "segmental_injection_possible"),
    AREA,
)
seed_rule(
    "ART-Y90-BILI-2",
    "Y-90: bilirubin > 2 mg/dL raises the risk of radiation liver disease",
    SEED_003,
    "90 Yttrium microsphere RE increases the risk of radiographic liver disease in patients with "
    "bilirubin >2 mg/dL.",
    ("bilirubin_mg_dl",),
    AREA,
)
seed_rule(
    "ART-PVT-CPC",
    "Portal-trunk thrombus or Child-Pugh C: relative contraindication",
    SEED_003,
    "④ Portal trunk embolism and liver function Child-Pugh class C are relative contraindications "
    "to hepatic artery intervention.",
    ("vascular_invasion.portal_vein", "child_pugh"),
    AREA,
)
ARTERIAL = (Therapy.tace, Therapy.tae, Therapy.deb_tace, Therapy.y90_radioembolization)
_CAUTION_NAMES = {
    "near_major_vessel": "a large vessel",
    "near_bile_duct": "a bile duct",
    "adjacent_to_diaphragm": "the diaphragm",
    "adjacent_to_gallbladder": "the gallbladder",
    "adjacent_to_bowel": "the bowel/stomach",
    "subcapsular": "the liver surface",
}
_UNSUITABLE_NAMES = {
    "near_major_vessel": "a large vessel",
    "subcapsular": "the liver surface",
    "adjacent_to_gallbladder": "the gallbladder",
}
UNSUITABLE_FROM_CM = 3.0
"""Seed 001: tumours "≥3 cm" at these locations are "not suitable for radiofrequency ablation"."""


def _unsuitable_location(ctx: Context) -> Finding | None:
    """Seed 001's location rule: ≥ 3 cm at a large vessel, the surface or the gallbladder."""
    for index, tumor in enumerate(ctx.patient.tumors):
        near = [label for name, label in _UNSUITABLE_NAMES.items() if getattr(tumor, name)]
        if tumor.diameter_cm >= UNSUITABLE_FROM_CM and near:
            text = (
                f"tumour {index + 1} ({tumor.diameter_cm:g} cm ≥ 3 cm) lies next to "
                f"{', '.join(near)}: not suitable for radiofrequency ablation"
            )
            facts: dict[str, str | float] = {
                f"tumors.{index}.diameter_cm": tumor.diameter_cm,
                f"tumors.{index}.location": str(near),
            }
            return finding("ABL-LOCATION", text, **facts)
    return None


def _caution(ctx: Context) -> list[Finding]:
    found = []
    for index, tumor in enumerate(ctx.patient.tumors):
        near = [label for name, label in _CAUTION_NAMES.items() if getattr(tumor, name)]
        if near:
            text = f"tumour {index + 1} lies next to {', '.join(near)}: ablate with extra caution"
            found.append(finding("ABL-CAUTION", text, **{f"tumors.{index}.location": str(near)}))
    return found


def ablation(ctx: Context) -> Option:
    """Ablation verdict by size, number, path and location (ABL-* rules)."""
    t = Therapy.ablation
    if not ctx.patient.tumors:
        return option(t, Verdict.not_indicated, [finding("ABL-3CM", "no tumour recorded")])
    largest, count = ctx.largest_cm or 0.0, ctx.tumor_count
    facts = {"largest_tumor_cm": largest, "tumor_count": count}
    blocked = [i for i, tm in enumerate(ctx.patient.tumors) if tm.ablation_path_accessible is False]
    if blocked:
        text = f"tumour(s) {[i + 1 for i in blocked]} not reachable by an ablation path"
        return option(t, Verdict.not_indicated, [finding("ABL-PATH", text, **facts)], "2A")
    if count > 3:
        text = f"{count} tumours: ablation is used for up to 3 tumours"
        return option(t, Verdict.not_indicated, [finding("ABL-COUNT", text, **facts)], "2A")
    if largest > 5.0:
        text = f"largest tumour {largest:g} cm > 5 cm: arterial or systemic therapy instead"
        return option(t, Verdict.not_indicated, [finding("ABL-5CM", text, **facts)], "2A")
    unsuitable = _unsuitable_location(ctx)
    if unsuitable is not None:
        found = [unsuitable, *_caution(ctx)]
        return option(t, Verdict.relative_contraindication, found, "2A")
    spread = _spread(ctx)
    if spread is not None and spread.rule_id == "LT-RADICAL":
        return option(t, Verdict.insufficient_data, [spread], "2A")
    if largest > 3.0:
        text = f"largest tumour {largest:g} cm (3-5 cm): ablation combined with arterial therapy"
        found = [finding("ABL-3-5CM", text, **facts), *_caution(ctx)]
        found += [spread] if spread is not None else []
        return option(t, Verdict.consider, [*found, _pei_margin()], "2A")
    if spread is not None:
        text = f"all tumours ≤ 3 cm (largest {largest:g} cm), but cure needs confined disease"
        found = [finding("ABL-3CM", text, **facts), spread, *_caution(ctx)]
        return option(t, Verdict.consider, found, "2A")
    text = f"all tumours ≤ 3 cm (largest {largest:g} cm): ablation alone can be curative"
    found = [finding("ABL-3CM", text, **facts), *_caution(ctx)]
    verdict = Verdict.consider if len(found) > 1 else Verdict.recommended
    if count > 1:
        found.append(finding("ABL-COUNT", f"{count} tumours each ≤ 3 cm", **facts))
    found += _path_unconfirmed(ctx)
    found.append(_pei_margin())
    return option(t, verdict, found, "2A")


def _pei_margin() -> Finding:
    """ABL-PEI-MARGIN: which ablation to choose when a margin of normal tissue matters."""
    text = (
        "method: thermal ablation (RFA, MWA, cryoablation) also ablates a margin of normal "
        "tissue; percutaneous ethanol injection (PEI) does not treat the margin"
    )
    return finding("ABL-PEI-MARGIN", text)


def _spread(ctx: Context) -> Finding | None:
    """Why ablation cannot cure: spread or macrovascular invasion; unknown -> LT-RADICAL finding.

    Seed 003 places ablation among the radical treatments ("for smaller tumors, ablation"): a
    curative verdict needs extrahepatic disease and vascular invasion assessed and absent.
    """
    missing = [
        name
        for name, value in (
            ("extrahepatic_disease", ctx.extrahepatic),
            ("vascular_invasion", ctx.tumour_thrombus),
        )
        if value is None
    ]
    if missing:
        text = f"curative intent cannot be judged: missing {', '.join(missing)}"
        return finding("LT-RADICAL", text)
    if ctx.extrahepatic or ctx.tumour_thrombus:
        what = " and ".join(
            name
            for name, on in (
                ("extrahepatic spread", ctx.extrahepatic),
                ("macrovascular invasion", ctx.tumour_thrombus),
            )
            if on
        )
        text = f"{what}: ablation gives local control only"
        return finding(
            "ABL-3CM", text, extrahepatic=ctx.extrahepatic, tumour_thrombus=ctx.tumour_thrombus
        )
    return None


def _path_unconfirmed(ctx: Context) -> list[Finding]:
    unknown = [
        i + 1 for i, tm in enumerate(ctx.patient.tumors) if tm.ablation_path_accessible is None
    ]
    if not unknown:
        return []
    text = f"confirm an ablation path for tumour(s) {unknown} (not recorded)"
    return [finding("ABL-PATH", text)]


def _arterial_base(ctx: Context) -> tuple[Verdict, list[Finding]]:
    largest = ctx.largest_cm or 0.0
    facts = {"largest_tumor_cm": largest}
    if largest > 5.0:
        text = f"largest tumour {largest:g} cm > 5 cm: hepatic artery intervention to be considered"
        return Verdict.recommended, [finding("ABL-5CM", text, **facts)]
    if largest > 3.0:
        text = f"largest tumour {largest:g} cm (3-5 cm): arterial therapy may prolong survival"
        return Verdict.recommended, [finding("ABL-3-5CM", text, **facts)]
    if ctx.tumor_count > 3:
        text = f"{ctx.tumor_count} tumours, beyond ablation: arterial therapy reaches any location"
        return Verdict.recommended, [finding("ART-ANY", text, tumor_count=ctx.tumor_count)]
    text = "tumours ≤ 3 cm: arterial therapy is an alternative to ablation (any location)"
    return Verdict.consider, [finding("ART-ANY", text, **facts)]


def arterial(ctx: Context, therapy: Therapy) -> Option:
    """TAE / TACE / DEB-TACE / Y-90 verdict (ART-* rules)."""
    if not ctx.patient.tumors:
        return option(therapy, Verdict.not_indicated, [finding("ART-ANY", "no tumour recorded")])
    bili = ctx.patient.bilirubin_mg_dl
    missing = [
        name
        for name, value in (
            ("bilirubin_mg_dl", bili),
            ("child_pugh", ctx.child_pugh.score),
            ("vascular_invasion", ctx.patient.vascular_invasion),
        )
        if value is None
    ]
    if missing:
        text = f"cannot check arterial contraindications: missing {', '.join(missing)}"
        return option(therapy, Verdict.insufficient_data, [finding("ART-PVT-CPC", text)], "2A")
    assert bili is not None
    verdict, found = _arterial_base(ctx)
    against: list[Finding] = []
    if bili > 3.0:
        if ctx.patient.segmental_injection_possible:
            text = f"bilirubin {bili:g} mg/dL > 3 but segmental injection is possible"
            found.append(finding("ART-BILI-3", text, bilirubin_mg_dl=bili))
        else:
            how = (
                "not possible"
                if ctx.patient.segmental_injection_possible is False
                else ("not recorded as possible")
            )
            text = (
                f"bilirubin {bili:g} mg/dL > 3 mg/dL: relative contraindication (segmental {how})"
            )
            against.append(finding("ART-BILI-3", text, bilirubin_mg_dl=bili))
    if therapy is Therapy.y90_radioembolization and bili > 2.0:
        text = (
            f"bilirubin {bili:g} mg/dL > 2 mg/dL: Y-90 raises the risk of radiation liver disease"
        )
        against.append(finding("ART-Y90-BILI-2", text, bilirubin_mg_dl=bili))
    if ctx.portal_trunk:
        against.append(
            finding("ART-PVT-CPC", "main portal-trunk tumour thrombus", portal_vein="main_trunk")
        )
    if ctx.cp_class == "C":
        against.append(finding("ART-PVT-CPC", "Child-Pugh class C", child_pugh_class="C"))
    present, _ = rt_alone_reasons(ctx)
    if present and therapy is not Therapy.y90_radioembolization:
        text = (
            f"{' and '.join(present)}: seed 001 counts the patient among those who cannot "
            "undergo intervention (radiotherapy alone is selected)"
        )
        against.append(finding("RT-ALONE", text, rt_alone_reasons=", ".join(present)))
    if against:
        return option(therapy, Verdict.relative_contraindication, [*against, *found], "2A")
    return option(therapy, verdict, found, "2A")


def local_options(ctx: Context) -> list[Option]:
    """Ablation and the four arterial therapies."""
    return [ablation(ctx), *(arterial(ctx, therapy) for therapy in ARTERIAL)]
