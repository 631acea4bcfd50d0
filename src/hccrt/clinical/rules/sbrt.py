"""SBRT selection and palliative EBRT for metastases (seeds 000, 001, 003)."""

from __future__ import annotations

from collections.abc import Sequence

from hccrt.clinical.findings import Finding, finding
from hccrt.clinical.patient import ExtrahepaticSite
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.ebrt import liver_tolerance, others_unsuitable
from hccrt.clinical.rules.options import Option, Therapy, Verdict, option
from hccrt.core import protocol_limit

SBRT_MIN_NORMAL_LIVER_CC = protocol_limit("liver_700cc", "hcc_sbrt_3fx").limit
"""Seed 001: normal liver "greater than 700 cm3" (read from the SBRT protocol, its one home)."""


def _liver_reserve(ctx: Context, why: str) -> tuple[Verdict, Finding]:
    volume = ctx.patient.normal_liver_volume_cc
    if volume is None:
        text = f"{why}: SBRT only with an adequate healthy liver (normal-liver volume not given)"
        return Verdict.insufficient_data, finding("SBRT-1-3", text)
    # Seed 003 gives no number for "adequate healthy liver"; seed 001 (Colorado) gives > 700 cc.
    if volume > SBRT_MIN_NORMAL_LIVER_CC:
        text = f"{why}: normal liver {volume:g} cc > 700 cc (Colorado series)"
        return Verdict.consider, finding("SBRT-1-3", text, normal_liver_volume_cc=volume)
    text = f"{why}: normal liver {volume:g} cc ≤ 700 cc, not enough healthy liver"
    return Verdict.relative_contraindication, finding(
        "SBRT-1-3", text, normal_liver_volume_cc=volume
    )


def _location_advantage(ctx: Context) -> Finding | None:
    for index, tumor in enumerate(ctx.patient.tumors):
        near = tumor.near_major_vessel or tumor.subcapsular or tumor.adjacent_to_gallbladder
        if tumor.diameter_cm >= 3.0 and near:
            text = (
                f"tumour {index + 1} ({tumor.diameter_cm:g} cm ≥ 3 cm) next to a large vessel, "
                "the liver surface or the gallbladder, where ablation is unsuitable"
            )
            return finding(
                "SBRT-LOCATION", text, **{f"tumors.{index}.diameter_cm": tumor.diameter_cm}
            )
    return None


def _worst(verdicts: Sequence[Verdict]) -> Verdict:
    order = [
        Verdict.contraindicated,
        Verdict.relative_contraindication,
        Verdict.not_indicated,
        Verdict.insufficient_data,
        Verdict.consider,
        Verdict.recommended,
    ]
    return min(verdicts, key=order.index)


def sbrt(ctx: Context, others: Sequence[Option]) -> Option:
    """SBRT verdict (SBRT-* rules, liver tolerance, extrahepatic disease)."""
    p, t = ctx.patient, Therapy.sbrt
    if not p.tumors:
        return option(
            t, Verdict.not_indicated, [finding("EBRT-ANY", "no intrahepatic tumour")], "2B"
        )
    if p.resectable and not p.refuses_surgery:
        text = "resectable: SBRT supplements but cannot replace surgery"
        return option(
            t, Verdict.not_indicated, [finding("SBRT-SUPPLEMENT", text, resectable=True)], "2B"
        )
    liver, found = liver_tolerance(ctx)
    verdicts = [liver]
    largest, count = ctx.largest_cm or 0.0, ctx.tumor_count
    if count > 3 or largest > 5.0:
        why = f"{count} tumours" if count > 3 else f"largest tumour {largest:g} cm > 5 cm"
        verdict, one = _liver_reserve(ctx, why)
        verdicts.append(verdict)
        found.append(one)
        if largest > 5.0:
            found.append(
                finding(
                    "SBRT-5CM", "seed 001 limits SBRT to lesions ≤ 5 cm", largest_tumor_cm=largest
                )
            )
    else:
        found.append(
            finding(
                "SBRT-1-3",
                f"{count} tumour(s), largest {largest:g} cm",
                tumor_count=count,
                largest_tumor_cm=largest,
            )
        )
    if ctx.extrahepatic is None:
        verdicts.append(Verdict.insufficient_data)
        found.append(finding("SBRT-EHS", "extrahepatic disease not assessed"))
    elif ctx.extrahepatic:
        verdict, ehs = _extrahepatic(ctx)
        verdicts.append(verdict)
        found += ehs
    verdict = _worst(verdicts)
    # Beyond 5 cm (seed 001: SBRT targets lesions ≤ 5 cm) SBRT is never upgraded to recommended.
    if verdict is Verdict.consider and largest <= 5.0:
        advantage = _location_advantage(ctx) or others_unsuitable(ctx, others, "SBRT-ALT")
        if advantage is not None:
            verdict = Verdict.recommended
            found.append(advantage)
    return option(t, verdict, found, "2B")


def _extrahepatic(ctx: Context) -> tuple[Verdict, list[Finding]]:
    """SBRT-EHS: extrahepatic lesions must be small enough to include (unknown -> insufficient)."""
    includable = [d.includable_in_rt_plan for d in ctx.patient.extrahepatic_disease or ()]
    if all(includable):
        text = "extrahepatic lesions small enough to include in the plan"
        return Verdict.consider, [
            finding("SBRT-EHS", text, extrahepatic_includable=True),
            finding("SBRT-EHM", "SBRT may also treat the extrahepatic metastases"),
        ]
    if False in includable:
        text = "extrahepatic lesions too large or too many to include in the SBRT plan"
        return Verdict.relative_contraindication, [
            finding("SBRT-EHS", text, extrahepatic_includable=False)
        ]
    text = "extrahepatic lesions present: record whether they can be included in the plan"
    return Verdict.insufficient_data, [finding("SBRT-EHS", text, extrahepatic_includable=None)]


_PALLIATE = {ExtrahepaticSite.lymph_node, ExtrahepaticSite.adrenal, ExtrahepaticSite.bone}


def palliative(ctx: Context) -> Option:
    """Palliative EBRT for metastases (PALL-EBRT, RT-PALL-METS)."""
    t, spread = Therapy.palliative_ebrt, ctx.patient.extrahepatic_disease
    if spread is None:
        return option(
            t,
            Verdict.insufficient_data,
            [finding("PALL-EBRT", "extrahepatic disease not assessed")],
        )
    if not spread:
        return option(t, Verdict.not_indicated, [finding("PALL-EBRT", "no extrahepatic disease")])
    symptomatic = [d.site.value for d in spread if d.symptomatic]
    if symptomatic:
        text = f"symptomatic metastases ({', '.join(symptomatic)}): palliative EBRT for symptoms"
        return option(
            t, Verdict.recommended, [finding("PALL-EBRT", text, sites=", ".join(symptomatic))]
        )
    sites = [d.site.value for d in spread if d.site in _PALLIATE]
    if sites:
        text = f"metastases at {', '.join(sites)}: palliative RT can relieve or prevent symptoms"
        return option(t, Verdict.consider, [finding("RT-PALL-METS", text, sites=", ".join(sites))])
    others = ", ".join(d.site.value for d in spread)
    return option(
        t,
        Verdict.not_indicated,
        [finding("PALL-EBRT", f"asymptomatic metastases ({others})", sites=others)],
    )
