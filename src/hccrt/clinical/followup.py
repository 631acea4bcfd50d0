"""``followup(record)``: CTCAE v5 liver grades, RILD diagnosis and the stop-RT rule (seed 000).

The follow-up record (``FollowupRecord``; see ``docs/clinical.md``) holds baseline and current
labs with their ULNs and dates, the RT dates, whether RT is ongoing, whether the liver received
high-dose RT, ascites / hepatomegaly, whether tumour progression was excluded, and the
Child-Pugh score at baseline and now.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from hccrt.clinical import followup_rules  # noqa: F401  (registers the follow-up rules)
from hccrt.clinical.ctcae import CtcaeGrade, ctcae_grade
from hccrt.clinical.findings import Finding, Traced, finding, trace
from hccrt.clinical.followup_record import FollowupRecord, LabSet, load_followup
from hccrt.clinical.rules.rt_sequencing import add_months
from hccrt.clinical.sources import RULES, SourceRef, source_ref

__all__ = [
    "FollowupRecord",
    "FollowupResult",
    "LabSet",
    "Rild",
    "followup",
    "load_followup",
    "rild",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Rild(Traced):
    """RILD status: classic, non_classic, none or indeterminate (with what is missing)."""

    status: str


class FollowupResult(BaseModel):
    """CTCAE grades, RILD status, stop-RT recommendation and supportive measures."""

    model_config = _FROZEN

    patient_id: str | None
    ctcae: dict[str, CtcaeGrade]
    max_ctcae_grade: int | None
    rild: Rild
    recommend_stop_rt: bool | None
    stop_rt_reasons: tuple[str, ...]
    stop_rt_sources: tuple[SourceRef, ...]
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    supportive_measures: tuple[str, ...]


def _grades(r: FollowupRecord) -> dict[str, CtcaeGrade]:
    """Grades with the current ULN, or the baseline ULN when the current one is missing."""
    b, c = r.baseline, r.current
    return {
        "alt": ctcae_grade("alt", c.alt_u_l, c.alt_uln_u_l or b.alt_uln_u_l, b.alt_u_l),
        "ast": ctcae_grade("ast", c.ast_u_l, c.ast_uln_u_l or b.ast_uln_u_l, b.ast_u_l),
        "alp": ctcae_grade("alp", c.alp_u_l, c.alp_uln_u_l or b.alp_uln_u_l, b.alp_u_l),
        "bilirubin": ctcae_grade(
            "bilirubin",
            c.bilirubin_mg_dl,
            c.bilirubin_uln_mg_dl or b.bilirubin_uln_mg_dl,
            b.bilirubin_mg_dl,
        ),
    }


def _enzymes(r: FollowupRecord) -> tuple[bool | None, list[Finding]]:
    """Seed-000 enzyme criterion: ALP > 2 × ULN or ALT > 5 × ULN (``None`` if neither known)."""
    c, b, hits, known = r.current, r.baseline, [], False
    checks = (
        ("ALP", c.alp_u_l, c.alp_uln_u_l or b.alp_uln_u_l, 2.0),
        ("ALT", c.alt_u_l, c.alt_uln_u_l or b.alt_uln_u_l, 5.0),
    )
    for name, value, uln, factor in checks:
        if value is None or uln is None:
            continue
        known = True
        if value > factor * uln:
            text = f"{name} {value:g} > {factor:g} × ULN {uln:g}"
            ratio = {f"{name.lower()}_x_uln": round(value / uln, 2)}
            hits.append(finding("RILD-ATYPICAL", text, **ratio))
    return (bool(hits) if known else None), hits


def _preconditions(r: FollowupRecord) -> list[Finding]:
    """Unmet or unknown RILD preconditions (empty when all are met)."""
    out = []
    if r.high_dose_liver_rt is not True:
        state = "not recorded" if r.high_dose_liver_rt is None else "no"
        out.append(finding("RILD-DX", f"high-dose liver RT: {state}"))
    if r.rt_ongoing:
        out.append(finding("RILD-DX", "RT is ongoing: RILD is diagnosed after the end of RT"))
    elif r.rt_end_date is None:
        out.append(finding("RILD-WINDOW", "rt_end_date missing: 4-month window cannot be checked"))
    elif not (r.rt_end_date <= r.current.date <= add_months(r.rt_end_date, 4)):
        out.append(
            finding(
                "RILD-WINDOW",
                f"labs of {r.current.date} outside the 4 months after RT end {r.rt_end_date}",
                rt_end_date=str(r.rt_end_date),
            )
        )
    if r.tumor_progression_excluded is not True:
        state = "not recorded" if r.tumor_progression_excluded is None else "no"
        out.append(finding("RILD-EXCL", f"tumour progression excluded: {state}"))
    return out


def rild(r: FollowupRecord) -> Rild:
    """RILD classification of seed 000 (plus Child-Pugh rise ≥ 2, clinical-facts §5.1)."""
    enzymes, hits = _enzymes(r)
    b_cp, c_cp = r.baseline.child_pugh_score, r.current.child_pugh_score
    cp_rise = None if b_cp is None or c_cp is None else c_cp - b_cp >= 2
    if cp_rise and b_cp is not None and c_cp is not None:
        hits.append(finding("RILD-CP2", f"Child-Pugh score {b_cp} -> {c_cp} (+{c_cp - b_cp})"))
    if not hits:
        if enzymes is None:
            return Rild(
                status="indeterminate",
                **trace(
                    [
                        finding(
                            "RILD-ATYPICAL",
                            "ALP/ALT with ULN not recorded: RILD cannot be excluded",
                        )
                    ]
                ),
            )
        note = "" if cp_rise is not None else " (Child-Pugh change not recorded)"
        return Rild(
            status="none",
            **trace([finding("RILD-ATYPICAL", f"ALP ≤ 2 × ULN and ALT ≤ 5 × ULN{note}")]),
        )
    unmet = _preconditions(r)
    if unmet and (r.ascites is None or r.hepatomegaly is None):
        unmet.append(finding("RILD-CLASSIC", "ascites/hepatomegaly not recorded"))
    if unmet:
        head = finding("RILD-DX", "liver injury found but RILD criteria not all met")
        return Rild(status="indeterminate", **trace([*hits, head, *unmet]))
    if enzymes and r.ascites and r.hepatomegaly:
        return Rild(
            status="classic",
            **trace(
                [
                    *hits,
                    finding(
                        "RILD-CLASSIC",
                        "ascites and hepatomegaly with ALP > 2 × ULN or ALT > 5 × ULN",
                    ),
                ]
            ),
        )
    open_question = enzymes and (r.ascites is None or r.hepatomegaly is None)
    if enzymes is None and r.ascites and r.hepatomegaly:
        open_question = True  # ascites + hepatomegaly: classic unless ALP/ALT rule it out
    if open_question:
        return Rild(
            status="indeterminate",
            **trace(
                [
                    *hits,
                    finding(
                        "RILD-CLASSIC",
                        "classic vs non-classic open: ascites/hepatomegaly or ALP/ALT with ULN "
                        "not recorded",
                    ),
                ]
            ),
        )
    return Rild(status="non_classic", **trace([*hits, _non_classic_why(r, enzymes)]))


def _non_classic_why(r: FollowupRecord, enzymes: bool | None) -> Finding:
    """The sentence for a non-classic RILD: what is present and what is absent."""
    signs = [name for name, on in (("ascites", r.ascites), ("hepatomegaly", r.hepatomegaly)) if on]
    if not enzymes:
        text = "Child-Pugh rise ≥ 2 without ALP > 2 × / ALT > 5 × ULN: non-classic"
        return finding("RILD-CP2", text + (f" ({' and '.join(signs)} present)" if signs else ""))
    if signs:
        text = f"ALP/ALT criterion met with {signs[0]} only: not both signs of classic RILD"
        return finding("RILD-CLASSIC", text)
    return finding("RILD-ATYPICAL", "liver-function impairment without hepatomegaly and ascites")


SUPPORTIVE = (
    "adrenal glucocorticoids",
    "diuretics",
    "aggressive hepatoprotective drugs",
    "supportive therapy",
)


def _stop_rule(record: FollowupRecord, worst: int | None) -> tuple[bool | None, Finding]:
    """Seed 000: liver injury ≥ grade II during RT -> stop RT (``None``: nothing graded)."""
    if not record.rt_ongoing:
        return False, finding("ACUTE-STOP", "RT not ongoing: the stop rule applies during RT")
    if worst is None:
        return None, finding("ACUTE-STOP", "RT ongoing but no liver lab could be graded")
    if worst >= 2:
        text = (
            f"liver injury CTCAE v5 grade {worst} ≥ 2 during RT: stop RT (up to 60 % later RILD "
            "if continued); CTCAE grade 2 stands in for the seed's 'RTOG grade II' (a surrogate "
            "of hccrt's, UNCONFIRMED)"
        )
        return True, finding("ACUTE-STOP", text, max_grade=worst)
    text = f"acute liver toxicity grade {worst} < 2: continue RT with monitoring"
    return False, finding("ACUTE-TOX", text, max_grade=worst)


def followup(record: FollowupRecord) -> FollowupResult:
    """Grade toxicity, classify RILD and decide whether to recommend stopping RT."""
    grades = _grades(record)
    known = [g.grade for g in grades.values() if g.grade is not None]
    worst = max(known) if known else None
    result = rild(record)
    stop, why = _stop_rule(record, worst)
    found = [why]
    measures: tuple[str, ...] = ()
    if result.status in {"classic", "non_classic"}:
        measures = SUPPORTIVE
        found.append(
            finding("RILD-TREAT", "RILD: symptomatic treatment (" + ", ".join(SUPPORTIVE) + ")")
        )
    traced = trace(found)
    reasons = (*traced["reasons"], *result.reasons)
    return FollowupResult(
        patient_id=record.patient_id,
        ctcae=grades,
        max_ctcae_grade=worst,
        rild=result,
        recommend_stop_rt=stop,
        stop_rt_reasons=(why.text,),
        stop_rt_sources=(source_ref(RULES[why.rule_id]),),
        reasons=tuple(dict.fromkeys(reasons)),
        rule_ids=tuple(dict.fromkeys((*traced["rule_ids"], *result.rule_ids, "CTCAE-V5-LIVER"))),
        supportive_measures=measures,
    )
