"""Plain-text renderings of an assessment and a follow-up result (CLI text format and reports)."""

from __future__ import annotations

from collections.abc import Iterable

from hccrt.clinical.assess import Assessment
from hccrt.clinical.findings import Item
from hccrt.clinical.followup import FollowupResult

_VERDICT_MARK = {
    "recommended": "++",
    "consider": "+ ",
    "relative_contraindication": "! ",
    "contraindicated": "x ",
    "not_indicated": "- ",
    "insufficient_data": "? ",
}


def _ids(rule_ids: Iterable[str]) -> str:
    return f"[{', '.join(rule_ids)}]"


def _items(title: str, items: Iterable[Item]) -> list[str]:
    rows = [f"  - {i.text} {_ids(i.rule_ids)}" for i in items]
    return [f"{title}:", *(rows or ["  (none)"])]


def _fmt(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def render_assessment_text(assessment: Assessment) -> str:
    """Human-readable assessment: scores, stages, options, radiotherapy section and warnings."""
    a, lf = assessment, assessment.liver_function
    cp, ps = lf.child_pugh, lf.performance
    points = ", ".join(f"{k} {v if v is not None else '?'}" for k, v in cp.points.items())
    lines = [
        f"HCC assessment{f' — patient {a.patient_id}' if a.patient_id else ''}",
        f"Rule set: {a.ruleset}",
        "",
        "Liver function",
        f"  Child-Pugh: {_fmt(cp.score)} class {cp.class_} ({points})",
        f"  ALBI: {_fmt(lf.albi.score)} grade {_fmt(lf.albi.grade)} "
        f"(mALBI {lf.albi.malbi_grade or 'n/a'}, cut-off UNCONFIRMED)",
        f"  MELD: {_fmt(lf.meld.meld)}   MELD-Na: {_fmt(lf.meld.meld_na)}   MELD 3.0: "
        f"{_fmt(lf.meld.meld_3_0)} (beyond the seeds)",
        f"  Performance: KPS {_fmt(ps.kps)} / ECOG {_fmt(ps.ecog)} (basis: {ps.basis})",
        "Staging",
        f"  BCLC 2022: {a.staging.bclc} — {'; '.join(a.staging.bclc_detail.reasons)}",
        f"  CNLC: {a.staging.cnlc} — {'; '.join(a.staging.cnlc_detail.reasons)}",
        "",
        "Options (++ recommended, + consider, ! relative contraindication, x contraindicated,",
        "         - not indicated, ? insufficient data)",
    ]
    for o in a.options:
        level = f" (evidence {o.evidence_level})" if o.evidence_level else ""
        lines.append(
            f"  {_VERDICT_MARK[o.verdict.value]} {o.therapy.value}: {o.verdict.value}{level}"
        )
        lines += [f"       · {r}" for r in o.reasons]
        lines.append(f"       {_ids(o.rule_ids)}")
    lines += ["", *_items("Notes", a.notes)] if a.notes else []
    lines += ["", *_rt_lines(a)]
    lines += ["", *_items("Warnings", a.warnings)]
    lines += ["", *beyond_seeds_lines(a)] if a.beyond_seeds is not None else []
    return "\n".join(lines) + "\n"


def beyond_seeds_lines(assessment: Assessment) -> list[str]:
    """The "beyond the seeds" section: BCLC 2022 logic, first-line systemic options, transplant
    criteria, each with its rule ids (their sources are the papers, not the seeds)."""
    b = assessment.beyond_seeds
    if b is None:
        return []
    bclc, tx = b.bclc_2022, b.transplant_criteria
    lines = [b.label, f"  BCLC 2022: stage {bclc.stage}"]
    lines += [f"    · {r}" for r in bclc.reasons]
    lines.append(f"    {_ids(bclc.rule_ids)}")
    lines += [f"    · {n.text} {_ids(n.rule_ids)}" for n in bclc.afp_notes]
    lines.append("  First-line systemic therapy (rank 1 = preferred by BCLC 2022):")
    for o in b.systemic_first_line:
        mark = _VERDICT_MARK[o.verdict.value]
        lines.append(f"  {mark} {o.regimen.value} (rank {o.rank}): {o.verdict.value}")
        lines += [f"       · {r}" for r in o.reasons]
        lines.append(f"       {_ids(o.rule_ids)}")
    flags = {True: "within", False: "beyond", None: "insufficient_data"}
    lines.append(
        f"  Transplant criteria: Milan {flags[tx.milan]}, up-to-seven {flags[tx.up_to_seven]}, "
        f"AFP model {_fmt(tx.afp_score)} ({flags[tx.afp_model_low_risk]}) {_ids(tx.rule_ids)}"
    )
    return lines


def render_assessment_summary(assessment: Assessment) -> str:
    """A few lines for reports: scores, stages, recommended options, RT intent, margins, limit."""
    a, lf, rt = assessment, assessment.liver_function, assessment.radiotherapy
    recommended = [o.therapy.value for o in a.options if o.verdict.value == "recommended"]
    missing = [o.therapy.value for o in a.options if o.verdict.value == "insufficient_data"]
    lines = [
        f"Child-Pugh {_fmt(lf.child_pugh.score)} ({lf.child_pugh.class_}), ALBI grade "
        f"{_fmt(lf.albi.grade)}, MELD {_fmt(lf.meld.meld)}; BCLC {a.staging.bclc}, "
        f"CNLC {a.staging.cnlc}",
        f"Recommended: {', '.join(recommended) or 'none'}",
        f"Radiotherapy: {'indicated' if rt.indicated else 'not indicated'}"
        + (f" ({rt.intent})" if rt.intent else "")
        + f"; CTV +{rt.margins.ctv_mm:g} mm, PTV +{_fmt(rt.margins.ptv_mm, ' mm')}; mean normal "
        f"liver ≤ {_fmt(rt.dose_limits.normal_liver_mean_gy, ' Gy')}",
    ]
    if missing:
        lines.append(f"Insufficient data for: {', '.join(missing)}")
    lines += [f"Warning: {w.text}" for w in (*rt.warnings, *a.warnings)]
    return "\n".join(lines) + "\n"


def _rt_lines(a: Assessment) -> list[str]:
    rt = a.radiotherapy
    m, limits = rt.margins, rt.dose_limits
    lines = [
        f"Radiotherapy: {'indicated' if rt.indicated else 'not indicated'}"
        + (
            f", intent {rt.intent} (all: {', '.join(rt.intents)})"
            if rt.intent
            else ", intent insufficient_data"
            if rt.indicated
            else ""
        ),
        *_items("Indications", rt.indications),
        *_items("Technique", rt.technique),
        f"Fractionation (LQ BED and EQD2 with α/β = {a.settings.tumour_alpha_beta_gy:g} Gy; "
        "n/a/week = not stated by the source):",
    ]
    for f in rt.fractionation:
        star = " *preferred*" if f.preferred else ""
        lines.append(
            f"  - {f.key}: {f.dose_per_fraction_gy:g} Gy × {f.fractions} = {f.total_dose_gy:g} Gy, "
            f"{_fmt(f.fractions_per_week, '/week')}, BED {f.bed_gy:g} Gy, EQD2 {f.eqd2_gy:g} Gy"
            f"{star} {_ids(f.rule_ids)}"
        )
    lines.append(
        f"Margins: CTV = GTV + {m.ctv_mm:g} mm (range {m.ctv_mm_range[0]:g}-{m.ctv_mm_range[1]:g} "
        f"mm); PTV = CTV + {_fmt(m.ptv_mm, ' mm')} {_ids(m.rule_ids)}"
    )
    lines.append(f"Dose limits: mean normal liver ≤ {_fmt(limits.normal_liver_mean_gy, ' Gy')}")
    lines += [
        f"  - {d.key}: {d.metric} {d.value:g} {d.unit} {_ids(d.rule_ids)}" for d in limits.limits
    ]
    lines += _items("Sequencing", rt.sequencing)
    lines += _items("RILD risk factors", rt.rild_risk_factors)
    lines += _items("Evidence limits", rt.evidence_limits)
    lines += _items("Radiotherapy warnings", rt.warnings)
    return lines


def render_followup_text(result: FollowupResult) -> str:
    """Human-readable follow-up: CTCAE grades, RILD status and the stop-RT recommendation."""
    lines = [f"RT follow-up{f' — patient {result.patient_id}' if result.patient_id else ''}", ""]
    lines.append("CTCAE v5.0 grades:")
    for term, g in result.ctcae.items():
        lines.append(f"  {term}: grade {_fmt(g.grade)} — {'; '.join(g.reasons)}")
    lines.append(f"RILD: {result.rild.status} {_ids(result.rild.rule_ids)}")
    lines += [f"  · {r}" for r in result.rild.reasons]
    stop = {True: "YES", False: "no", None: "insufficient_data"}[result.recommend_stop_rt]
    lines.append(f"Recommend stopping RT: {stop}")
    lines += [f"  · {r}" for r in result.stop_rt_reasons]
    lines += [f"  source: {src.document} — “{src.passage}”" for src in result.stop_rt_sources]
    if result.supportive_measures:
        lines.append(f"Supportive measures: {', '.join(result.supportive_measures)}")
    lines.append(f"Rules: {', '.join(result.rule_ids)}")
    return "\n".join(lines) + "\n"
