"""PlanFacts refuses non-finite, non-numeric and cGy prescriptions (issue 15 items 2 and 16)."""

from __future__ import annotations

import math

import pytest

from hccrt.errors import InputError
from hccrt.evaluation import PlanFacts


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (math.inf, "must be finite"),
        (math.nan, "must be finite"),
        (True, "not a boolean"),
        ("50", "not a string; write the number without quotes"),
        (0.0, "must be > 0 Gy"),
        (5000.0, r"above 150 Gy.*did you mean cGy\? 5000 cGy = 50 Gy"),
    ],
)
def test_prescription_refused(value: object, rule: str) -> None:
    with pytest.raises(InputError, match=f"^prescription_gy=.*{rule}"):
        PlanFacts(fractions=5, prescription_gy=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.nan, True, 2.5, 0])
def test_fractions_refused(value: object) -> None:
    with pytest.raises(InputError, match=r"^fractions="):
        PlanFacts(fractions=value, prescription_gy=50.0)  # type: ignore[arg-type]


def test_plausible_plan_is_accepted() -> None:
    assert PlanFacts(fractions=5, prescription_gy=50.0).dose_per_fraction_gy == 10.0


def test_a_target_with_its_own_prescription_is_judged_against_it() -> None:
    facts = PlanFacts(25, 50.0, target_prescriptions_gy=(("PTV_2", 40.0),))
    assert facts.prescription_of("PTV_2") == 40.0
    assert facts.prescription_of("PTV") == 50.0


def test_an_own_prescription_in_cgy_is_refused() -> None:
    with pytest.raises(InputError, match=r"target_prescriptions_gy\[PTV_2\]=4000"):
        PlanFacts(25, 50.0, target_prescriptions_gy=(("PTV_2", 4000.0),))
