"""CTCAE v5.0 grades for ALT, AST, alkaline phosphatase and total bilirubin increases.

Two rules (clinical-facts §5.2 [V]): with a normal baseline the grade comes from multiples of the
upper limit of normal (ULN); with an abnormal baseline (baseline > ULN) from multiples of the
baseline value. Grade 5 (death) is not a laboratory grade and is not produced here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.sources import Status, facts_rule

facts_rule(
    "CTCAE-V5-LIVER",
    "CTCAE v5.0 ALT/AST/ALP/bilirubin grades (ULN rule; abnormal-baseline rule)",
    "§5.2; primary source: National Cancer Institute, Common Terminology Criteria for Adverse "
    "Events (CTCAE) v5.0, US Department of Health and Human Services, 27 November 2017",
    "ALT/AST: G1 > ULN-3.0 × ULN (abnormal baseline 1.5-3.0 × baseline), G2 > 3.0-5.0, "
    "G3 > 5.0-20.0, G4 > 20.0. ALP: G1 > ULN-2.5 × ULN (2.0-2.5 × baseline), G2 > 2.5-5.0, "
    "G3 > 5.0-20.0, G4 > 20.0. Bilirubin: G1 > ULN-1.5 × ULN (> 1.0-1.5 × baseline), "
    "G2 > 1.5-3.0, G3 > 3.0-10.0, G4 > 10.0.",
    Status.verified,
    ("alt_u_l", "ast_u_l", "alp_u_l", "bilirubin_mg_dl", "ULNs", "baseline values"),
    "Follow-up: toxicity grading and RILD (seed 000, CTCAE v5)",
)


@dataclass(frozen=True)
class Bands:
    """Lower limits of grades 1-4 as multiples of ULN or baseline.

    ``g1_inclusive`` is True where CTCAE writes a closed lower bound (e.g. ALT "1.5-3.0 ×
    baseline"), False for an open one (">ULN").
    """

    limits: tuple[float, float, float, float]
    g1_inclusive: bool


# term -> (ULN rule, abnormal-baseline rule)
CTCAE_V5: dict[str, tuple[Bands, Bands]] = {
    "alt": (Bands((1.0, 3.0, 5.0, 20.0), False), Bands((1.5, 3.0, 5.0, 20.0), True)),
    "ast": (Bands((1.0, 3.0, 5.0, 20.0), False), Bands((1.5, 3.0, 5.0, 20.0), True)),
    "alp": (Bands((1.0, 2.5, 5.0, 20.0), False), Bands((2.0, 2.5, 5.0, 20.0), True)),
    "bilirubin": (Bands((1.0, 1.5, 3.0, 10.0), False), Bands((1.0, 1.5, 3.0, 10.0), False)),
}


class CtcaeGrade(BaseModel):
    """Grade 0-4 of one lab term, or ``None`` with the reason when it cannot be graded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    grade: int | None
    basis: str
    value: float | None
    uln: float | None
    baseline: float | None
    ratio: float | None
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...] = ("CTCAE-V5-LIVER",)


def grade_from_ratio(ratio: float, bands: Bands) -> int:
    """CTCAE grade of ``ratio`` (value / reference) for the given bands."""
    g1, g2, g3, g4 = bands.limits
    if ratio > g4:
        return 4
    if ratio > g3:
        return 3
    if ratio > g2:
        return 2
    if ratio > g1 or (bands.g1_inclusive and ratio >= g1):
        return 1
    return 0


def ctcae_grade(
    term: str, value: float | None, uln: float | None, baseline: float | None
) -> CtcaeGrade:
    """Grade ``value`` of ``term`` (alt, ast, alp, bilirubin) by CTCAE v5.0.

    Parameters
    ----------
    term
        ``"alt"``, ``"ast"``, ``"alp"`` or ``"bilirubin"``.
    value, uln, baseline
        Current value, upper limit of normal and pre-treatment baseline, in the same unit.
        ``baseline`` ``None`` applies the ULN rule (stated in the reasons).
    """
    uln_rule, baseline_rule = CTCAE_V5[term]
    if value is None or uln is None:
        missing = "value" if value is None else "upper limit of normal"
        return CtcaeGrade(
            term=term,
            grade=None,
            basis="insufficient_data",
            value=value,
            uln=uln,
            baseline=baseline,
            ratio=None,
            reasons=(f"{term}: {missing} missing",),
        )
    by_baseline = baseline is not None and baseline > uln
    reference = baseline if by_baseline and baseline is not None else uln
    ratio = value / reference
    grade = grade_from_ratio(ratio, baseline_rule if by_baseline else uln_rule)
    if by_baseline:
        text = (
            f"{term} {value:g} = {ratio:.2f} × abnormal baseline {baseline:g} "
            f"(ULN {uln:g}): grade {grade}"
        )
    else:
        note = "" if baseline is not None else " (no baseline given: ULN rule)"
        text = f"{term} {value:g} = {ratio:.2f} × ULN {uln:g}: grade {grade}{note}"
    return CtcaeGrade(
        term=term,
        grade=grade,
        basis="baseline" if by_baseline else "uln",
        value=value,
        uln=uln,
        baseline=baseline,
        ratio=round(ratio, 3),
        reasons=(text,),
    )
