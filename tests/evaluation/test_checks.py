"""The evaluation's advice: one item per cause, none that contradicts what was tried or measured."""

from __future__ import annotations

import pytest

from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.evaluation.checks import AdviceFacts, recommendations, with_imrt_tried
from hccrt.evaluation.results import Verdict
from tests.evaluation.liver_plan import FAST, step_dose, structures


def _evaluate(child_pugh: str | None, technique: str = "3dcrt"):  # type: ignore[no-untyped-def]
    dose, grid = step_dose(50.0, 5.0)
    plan = PlanFacts(fractions=25, prescription_gy=50.0, technique=technique)
    return evaluate_plan(structures(), dose, grid, plan, child_pugh_class=child_pugh, settings=FAST)


def test_child_pugh_c_with_every_structure_is_not_asked_to_contour() -> None:
    # Issue 18 item 6: "Contour the missing structures" for a Child-Pugh C patient whose
    # structures are all there.
    result = _evaluate("C")
    assert result.verdict == "fail"
    assert not any("Contour the missing" in r for r in result.recommendations)
    assert not any("Re-plan with IMRT" in r for r in result.recommendations)
    assert result.recommendations[0].startswith("Child-Pugh C: the seeds give no safe")


def test_imrt_shown_infeasible_is_not_recommended_again() -> None:
    # Issue 18 item 6: "Re-plan with IMRT" after IMRT was shown infeasible.
    three_d = _evaluate("B")
    assert "Re-plan with IMRT" in three_d.recommendations[0]  # IMRT not tried yet: advised
    tried = with_imrt_tried(three_d, "infeasible: Liver-GTV mean <= 6 Gy with 95 % coverage")
    assert not any("Re-plan with IMRT" in r for r in tried.recommendations)
    assert tried.recommendations == (
        "IMRT was tried and does not meet them either (infeasible: Liver-GTV mean <= 6 Gy with "
        "95 % coverage): lower the prescription, review the limits and the target with the team,"
        " or consider another local therapy.",
    )
    assert tried.verdict == three_d.verdict
    assert tried.constraints == three_d.constraints  # only the advice changes


def test_missing_structures_are_named() -> None:
    dose, grid = step_dose()
    plan = PlanFacts(fractions=25, prescription_gy=50.0, technique="imrt")
    result = evaluate_plan(structures()[2:], dose, grid, plan, child_pugh_class="A", settings=FAST)
    assert result.recommendations[0].startswith("Contour the missing structures (Liver-GTV:")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (AdviceFacts(failed=("Liver-GTV Dmean[Gy]",), technique="imrt"), "re-optimise"),
        (AdviceFacts(cumulative_failed=True, technique="3dcrt"), "cumulative normal-liver dose"),
    ],
)
def test_each_cause_gets_its_own_advice(facts: AdviceFacts, expected: str) -> None:
    (advice,) = recommendations(Verdict.FAIL, facts)
    assert expected in advice
    assert "Re-plan with IMRT" not in advice
    assert "Contour the missing" not in advice


def test_a_passing_plan_gets_no_advice() -> None:
    assert recommendations(Verdict.PASS, AdviceFacts(failed=("x",), missing=("PTV",))) == ()
