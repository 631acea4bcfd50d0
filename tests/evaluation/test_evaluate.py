"""Plan evaluation on a synthetic liver plan with known doses."""

from __future__ import annotations

import pytest

from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.evaluation.limits import isoeffective_dose_gy
from tests.evaluation.liver_plan import FAST, step_dose, structures


def evaluate(child_pugh: str | None, technique: str = "3dcrt", fractions: int = 25,
             high_gy: float = 50.0, low_gy: float = 5.0):  # type: ignore[no-untyped-def]  # fmt: skip
    dose, grid = step_dose(high_gy, low_gy)
    plan = PlanFacts(fractions=fractions, prescription_gy=high_gy, technique=technique)
    return evaluate_plan(structures(), dose, grid, plan, child_pugh_class=child_pugh, settings=FAST)


def by_id(evaluation, key: str):  # type: ignore[no-untyped-def]
    return next(c for c in evaluation.constraints if c.id == key)


def test_child_pugh_a_plan_passes_with_derived_normal_liver() -> None:
    result = evaluate("A")
    assert result.protocol.id == "hcc_conventional"
    liver = by_id(result, "liver_mean_cp_a")
    assert liver.limit == 23.0
    assert liver.status == "pass"
    assert liver.structure_in_plan == ("LIVER", "GTV")
    assert "minus GTV" in liver.derivation
    # Normal liver = 80 x 100 x 82.5 mm minus the 20 x 20 x 20 mm GTV (with end caps).
    normal = next(s for s in result.structures if s.name == "Liver-GTV")
    assert normal.volume_cc == pytest.approx(660.0 - 8.0, rel=0.01)
    # The 50 Gy box has edges between voxel centres: trilinear dose makes it a 37.5 mm cube
    # (52.73 cc) in the mean. Liver planes every 2.5 mm at z = -10..10 lie in GTV slabs, so the
    # GTV removes 20 x 20 x 22.5 mm = 9 cc at 50 Gy.
    expected_mean = (5.0 * (651.0 - 43.73) + 50.0 * 43.73) / 651.0
    assert liver.value == pytest.approx(expected_mean, rel=0.02)
    assert by_id(result, "ptv_v95").value == pytest.approx(100.0)
    assert result.verdict == "pass"
    assert result.recommendations == ()
    ntcp = result.ntcp[0]
    assert ntcp.status == "computed"
    assert ntcp.parameter_set == "tai2009_child_pugh_a"
    assert 0.0 <= ntcp.ntcp_percent < 5.0
    assert "UNCONFIRMED" in ntcp.note  # the Tai 2009 set's reference fractionation
    assert "ModelWarning(" not in ntcp.note  # sentences for people, not reprs


def test_child_pugh_b_fails_and_3dcrt_gets_the_imrt_recommendation() -> None:
    result = evaluate("B")
    liver = by_id(result, "liver_mean_cp_b")
    assert liver.limit == 6.0
    assert liver.status == "fail"
    assert liver.passed is False
    assert result.verdict == "fail"
    assert "Liver-GTV Dmean[Gy]" in result.verdict_reasons[0]
    assert "Re-plan with IMRT" in result.recommendations[0]
    assert "3DCRT technique is generally used first" in result.recommendations[0]
    assert result.ntcp[0].parameter_set == "tai2009_child_pugh_b"


def test_failing_imrt_plan_gets_no_imrt_recommendation() -> None:
    result = evaluate("B", technique="imrt")
    assert result.verdict == "fail"
    assert "IMRT" not in result.recommendations[0].split(";")[0]


def test_unknown_child_pugh_uses_the_general_limit_and_no_ntcp() -> None:
    result = evaluate(None)
    assert by_id(result, "liver_mean_general").limit == 22.0
    assert result.ntcp[0].status == "insufficient_data"
    assert any("Child-Pugh class unknown" in w for w in result.warnings)


def test_child_pugh_c_fails_with_insufficient_data() -> None:
    result = evaluate("C")
    assert result.verdict == "fail"
    assert "insufficient_data" in result.verdict_reasons[0]


@pytest.mark.parametrize("child_pugh", ["D", "Dog", "X7"])
def test_unknown_child_pugh_class_is_refused(child_pugh: str) -> None:
    # Issue 15 item 16: "--child-pugh D drops the normal-liver constraint and returns PASS".
    from hccrt.errors import InputError

    with pytest.raises(InputError, match=f"child_pugh_class={child_pugh}: must be A, B or C"):
        evaluate(child_pugh)


def test_child_pugh_with_its_score_is_read_as_the_class() -> None:
    assert evaluate("b7").child_pugh_class == "B"


def test_sbrt_700cc_rule_and_limit_conversion() -> None:
    result = evaluate("A", technique="sbrt", fractions=3, high_gy=45.0, low_gy=5.0)
    assert result.protocol.id == "hcc_sbrt_3fx"
    rule = by_id(result, "liver_700cc")
    assert rule.metric == "CV15Gy[cc]"
    assert rule.conversion is None
    assert rule.value == pytest.approx(652.0 - 38.6, rel=0.02)
    assert rule.status == "fail"  # only ~613 cc of normal liver stays below 15 Gy
    four = evaluate("A", technique="sbrt", fractions=4, high_gy=45.0)
    converted = by_id(four, "liver_700cc")  # 5-fraction protocol, converted to 4 fractions
    assert converted.conversion is not None
    assert converted.metric == "CV13.90Gy[cc]"  # BED3 30 Gy: 15 Gy in 5 fx = 13.90 Gy in 4


def test_isoeffective_conversion_is_identity_at_the_reference() -> None:
    assert isoeffective_dose_gy(50.0, 25, 3.0, reference_dose_per_fraction_gy=2.0) == (
        pytest.approx(50.0)
    )
    assert isoeffective_dose_gy(15.0, 3, 3.0, reference_fractions=3) == pytest.approx(15.0)
    # 15 Gy in 3 fx (BED3 40 Gy) -> 5 fx: 18.12 Gy.
    assert isoeffective_dose_gy(15.0, 5, 3.0, reference_fractions=3) == pytest.approx(
        18.12, abs=0.01
    )


def test_missing_liver_is_not_a_pass() -> None:
    dose, grid = step_dose()
    plan = PlanFacts(fractions=25, prescription_gy=50.0, technique="imrt")
    result = evaluate_plan(structures()[2:], dose, grid, plan, child_pugh_class="A", settings=FAST)
    assert result.verdict == "fail"
    assert any("could not be evaluated" in r for r in result.verdict_reasons)
    assert "Contour the missing structures" in result.recommendations[0]


def test_conventional_limits_are_not_converted_for_a_conventional_plan() -> None:
    result = evaluate("A", fractions=25, high_gy=50.0)  # 2 Gy per fraction
    stomach = by_id(result, "stomach_d100")
    assert stomach.limit == 45.0
    assert stomach.conversion is None
    hypo = evaluate("A", fractions=10, high_gy=50.0)  # 5 Gy per fraction
    converted = by_id(hypo, "stomach_d100")
    assert converted.conversion is not None
    assert converted.limit == pytest.approx(34.75, abs=0.01)  # BED3 75 Gy in 10 fx
