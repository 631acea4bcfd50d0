"""``assess(patient)``: scores, stages, rated options and the radiotherapy section, all traced.

The JSON keys ``liver_function.child_pugh.{score,class}``, ``liver_function.albi.{score,grade}``,
``staging.{bclc,cnlc}``, ``options[].{therapy,verdict,reasons,sources}``,
``radiotherapy.{indicated,intent,indications,technique,fractionation,margins.{ctv_mm,ptv_mm},
dose_limits.normal_liver_mean_gy,warnings}`` and ``warnings`` are a contract other tools read.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.findings import Item, finding, item_from
from hccrt.clinical.patient import Histology, PatientRecord
from hccrt.clinical.rules import (
    ebrt,
    fractionation,
    local_therapy,
    modern,
    radical,
    radiotherapy,
    rt_plan,
    rt_safety,
    rt_sequencing,
    sbrt,
)
from hccrt.clinical.rules.context import Context
from hccrt.clinical.rules.fractionation import Fractionation
from hccrt.clinical.rules.modern import BeyondSeeds
from hccrt.clinical.rules.options import Option, Therapy, Verdict, option
from hccrt.clinical.rules.rt_safety import DoseLimits, MarginRecommendation
from hccrt.clinical.scores import (
    Albi,
    ChildPugh,
    Meld,
    Performance,
    albi,
    child_pugh,
    meld,
    performance,
)
from hccrt.clinical.settings import DEFAULT_SETTINGS, ClinicalSettings
from hccrt.clinical.sources import SEED_DOCUMENTS
from hccrt.clinical.staging import Staging, staging

_FROZEN = ConfigDict(frozen=True, extra="forbid")
RULESET = "hccrt-clinical-rules-1 (seeds 000, 001, 003; clinical-facts.md)"


class LiverFunction(BaseModel):
    """Child-Pugh, ALBI, MELD/MELD-Na and performance status."""

    model_config = _FROZEN

    child_pugh: ChildPugh
    albi: Albi
    meld: Meld
    performance: Performance


class Radiotherapy(BaseModel):
    """Whether and how to irradiate, with margins, limits, sequencing and RILD risk factors."""

    model_config = _FROZEN

    indicated: bool
    intent: str | None
    intents: tuple[str, ...]
    indications: tuple[Item, ...]
    technique: tuple[Item, ...]
    fractionation: tuple[Fractionation, ...]
    margins: MarginRecommendation
    dose_limits: DoseLimits
    sequencing: tuple[Item, ...]
    rild_risk_factors: tuple[Item, ...]
    evidence_limits: tuple[Item, ...]
    warnings: tuple[Item, ...]


class Assessment(BaseModel):
    """The full assessment of one patient (frozen; ``model_dump(mode='json')`` is the output)."""

    model_config = _FROZEN

    patient_id: str | None
    ruleset: str
    settings: ClinicalSettings
    seed_documents: dict[str, str]
    liver_function: LiverFunction
    staging: Staging
    options: tuple[Option, ...]
    notes: tuple[Item, ...]
    radiotherapy: Radiotherapy
    warnings: tuple[Item, ...]
    beyond_seeds: BeyondSeeds | None = None
    """BCLC 2022 in full, first-line systemic therapy, extended transplant criteria: modern
    literature, labelled as not from the seeds (``None`` only in records made before it)."""

    def option(self, therapy: Therapy | str) -> Option:
        """The rated option for ``therapy``."""
        return next(o for o in self.options if o.therapy == Therapy(therapy))


def _options(ctx: Context) -> list[Option]:
    local = local_therapy.local_options(ctx)
    out = [radical.resection(ctx), radical.transplant(ctx), *local]
    out += ebrt.conventional(ctx, out)
    out += [sbrt.sbrt(ctx, out), sbrt.palliative(ctx)]
    out += [radical.sorafenib(ctx, out), radical.systemic(ctx), radical.supportive(ctx)]
    if ctx.patient.histology is Histology.ICC:
        out = [_not_for_icc(o) if o.therapy in _HCC_ONLY else o for o in out]
    order = list(Therapy)
    return sorted(out, key=lambda o: order.index(o.therapy))


_HCC_ONLY = {
    Therapy.transplant,
    Therapy.ablation,
    Therapy.tace,
    Therapy.tae,
    Therapy.deb_tace,
    Therapy.y90_radioembolization,
    Therapy.sorafenib,
}
"""Options whose seed rules are written for HCC only (seed 003; Milan for transplant)."""


def _not_for_icc(rated: Option) -> Option:
    """An HCC-only verdict is withheld for ICC: insufficient data, with the reason."""
    text = (
        f"ICC: the rules for {rated.therapy.value} are written for HCC; decide outside these "
        "rules (cholangiocarcinoma guidelines)"
    )
    return option(
        rated.therapy,
        Verdict.insufficient_data,
        [finding("RT-IND-2-6", text, histology="ICC")],
        rated.evidence_level,
    )


def _radiotherapy(ctx: Context, options: list[Option]) -> Radiotherapy:
    indications = radiotherapy.indications(ctx, options)
    intents = radiotherapy.intents(ctx, indications, options)
    intent = radiotherapy.primary_intent(ctx, intents)
    sbrt_ok = next(o for o in options if o.therapy is Therapy.sbrt).verdict in {
        Verdict.recommended,
        Verdict.consider,
    }
    margins = rt_safety.margins(ctx)
    advice, tace_warnings = rt_sequencing.sequencing(ctx, "combined" in intents)
    warnings = [*tace_warnings, *rt_sequencing.acute_risks(ctx)]
    if ctx.patient.resectable and not ctx.patient.refuses_surgery and ctx.patient.tumors:
        one = finding("RT-GENERAL", ebrt.RESECTABLE_FIRST, resectable=True)
        warnings.append(item_from("resection_first", one))
    if ctx.cp_class == "B":
        warnings.append(
            item_from(
                "child_pugh_b",
                finding(
                    "EBRT-CPB",
                    "Child-Pugh B: adjust the dose and keep strict liver limits (mean ≤ 6 Gy)",
                ),
            )
        )
    if ctx.cp_class == "C":
        warnings.append(
            item_from(
                "child_pugh_c",
                finding("EBRT-CPC", "Child-Pugh C: safety of liver RT not established"),
            )
        )
    if margins.ptv_mm is None:
        warnings.append(
            Item(
                key="ptv_margin_individual",
                text=margins.reasons[-1],
                reasons=margins.reasons,
                rule_ids=margins.rule_ids,
                facts=margins.facts,
                sources=margins.sources,
            )
        )
    schemes = fractionation.fractionation(ctx, intent, sbrt_ok)
    if any(f.preferred and f.key.startswith("hypo") for f in schemes):
        warnings.append(
            item_from(
                "hypofractionation_liver",
                finding("FX-HYPO", "hypofractionation (5 Gy × 10) damages the normal liver more"),
            )
        )
    palliative = next(o for o in options if o.therapy is Therapy.palliative_ebrt)
    if palliative.verdict in {Verdict.recommended, Verdict.consider}:
        text = (
            "the fractionation options are for intrahepatic tumours; the seeds give no dose "
            "for metastases: choose the palliative metastasis schedule separately"
        )
        warnings.append(item_from("metastasis_dose_not_specified", finding("PALL-EBRT", text)))
    blocked = _no_deliverable_rt(options) if indications else None
    if blocked is not None:
        warnings.append(blocked)
    return Radiotherapy(
        indicated=bool(indications)
        and bool(ctx.patient.tumors or ctx.extrahepatic)
        and blocked is None,
        intent=intent,
        intents=tuple(intents),
        indications=tuple(indications),
        technique=tuple(rt_plan.technique(ctx, sbrt_ok)),
        fractionation=tuple(schemes),
        margins=margins,
        dose_limits=rt_safety.dose_limits(ctx, sbrt_ok),
        sequencing=tuple(advice),
        rild_risk_factors=tuple(rt_sequencing.rild_risk_factors(ctx, tace_warnings)),
        evidence_limits=tuple(rt_sequencing.evidence_limits(ctx, sbrt_ok)),
        warnings=tuple(warnings),
    )


_RT_THERAPIES = (
    Therapy.ebrt_3dcrt,
    Therapy.ebrt_imrt,
    Therapy.sbrt,
    Therapy.proton,
    Therapy.palliative_ebrt,
)
_OPEN_VERDICTS = {Verdict.recommended, Verdict.consider, Verdict.insufficient_data}


def _no_deliverable_rt(options: list[Option]) -> Item | None:
    """An indication is not a recommendation when every RT option is ruled out for the patient.

    Returns the warning that says so (with the options' own reasons and sources), or ``None``
    when at least one radiotherapy option stays open.
    """
    rt = [o for o in options if o.therapy in _RT_THERAPIES]
    if any(o.verdict in _OPEN_VERDICTS for o in rt):
        return None
    verdicts = ", ".join(f"{o.therapy.value} {o.verdict.value}" for o in rt)
    facts = {k: v for o in rt for k, v in o.facts.items()}
    return Item(
        key="radiotherapy_ruled_out",
        text=(
            "a seed indication is met, but every radiotherapy option is ruled out for this "
            f"patient ({verdicts}): radiotherapy is not indicated"
        ),
        reasons=tuple(dict.fromkeys(r for o in rt for r in o.reasons)),
        rule_ids=tuple(dict.fromkeys(r for o in rt for r in o.rule_ids)),
        facts=facts,
        sources=tuple(dict.fromkeys(src for o in rt for src in o.sources)),
    )


def _warnings(ctx: Context, options: list[Option]) -> list[Item]:
    out = []
    if ctx.performance.basis == "conflict":
        out.append(
            item_from(
                "performance_conflict",
                finding(
                    "SCORE-PS",
                    f"KPS {ctx.patient.kps} and ECOG {ctx.patient.ecog} disagree: the worse "
                    f"(ECOG {ctx.performance.ecog}) is used",
                    kps=ctx.patient.kps,
                    ecog=ctx.patient.ecog,
                ),
            )
        )
    if ctx.child_pugh.score is None:
        out.append(
            item_from(
                "child_pugh_incomplete",
                finding(
                    "SCORE-CP",
                    f"Child-Pugh insufficient_data: missing {', '.join(ctx.child_pugh.missing)}",
                ),
            )
        )
    for detail in (ctx.staging.bclc_detail, ctx.staging.cnlc_detail):
        if detail.missing:
            out.append(
                Item(
                    key="staging_incomplete",
                    text=detail.reasons[0],
                    **detail.model_dump(include={"reasons", "rule_ids", "facts", "sources"}),
                )
            )
    if ctx.patient.histology is Histology.ICC:
        text = (
            "ICC: BCLC, CNLC, Milan and the local-therapy rules of seed 003 are written for HCC; "
            "seed 000 addresses ICC only for RT (positive margins, unresectable)"
        )
        out.append(item_from("icc_rules_for_hcc", finding("RT-IND-2-6", text, histology="ICC")))
    missing = [o.therapy.value for o in options if o.verdict is Verdict.insufficient_data]
    if missing:
        out.append(
            item_from(
                "options_insufficient_data",
                finding("LT-RADICAL", f"insufficient_data for: {', '.join(missing)}"),
            )
        )
    return out


def assess(patient: PatientRecord, settings: ClinicalSettings | None = None) -> Assessment:
    """Assess ``patient`` against every rule (pure; does not modify ``patient``).

    Parameters
    ----------
    patient
        The validated record (see :func:`hccrt.clinical.patient.load_patient`).
    settings
        Overrides of the labelled non-seed defaults; ``None`` uses :data:`DEFAULT_SETTINGS`.
    """
    settings = settings or DEFAULT_SETTINGS
    cp, ps = child_pugh(patient, settings), performance(patient)
    ctx = Context(
        patient=patient,
        child_pugh=cp,
        performance=ps,
        staging=staging(patient, cp, ps),
        settings=settings,
    )
    options = _options(ctx)
    return Assessment(
        patient_id=patient.patient_id,
        settings=settings,
        ruleset=RULESET,
        seed_documents=SEED_DOCUMENTS,
        liver_function=LiverFunction(
            child_pugh=cp, albi=albi(patient), meld=meld(patient), performance=ps
        ),
        staging=ctx.staging,
        options=tuple(options),
        notes=tuple(radical.local_preferred(ctx)),
        radiotherapy=_radiotherapy(ctx, options),
        warnings=tuple(_warnings(ctx, options)),
        beyond_seeds=modern.beyond_seeds(ctx, options),
    )
