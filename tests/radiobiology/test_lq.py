"""LQ BED/EQD2, iso-effective conversion and the overall-time term."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.errors import InputError
from hccrt.radiobiology import (
    TAI_2008_HCC_REPOPULATION,
    RepopulationParameters,
    bed_lq,
    bed_lq_time_corrected,
    bed_to_eqd_x,
    dose_per_fraction_for_bed,
    eqd2_lq,
    eqd_x,
    isoeffective_total_dose_gy,
)

FIXED = settings(derandomize=True, deadline=None, max_examples=200)
doses = st.floats(min_value=0.1, max_value=30.0, allow_nan=False)
counts = st.integers(min_value=1, max_value=40)
ratios = st.floats(min_value=0.5, max_value=20.0, allow_nan=False)


@pytest.mark.parametrize(
    ("dose_per_fraction", "fractions", "expected_bed10"),
    [
        # clinical-facts §7 "useful derived numbers" (α/β = 10 Gy)
        (20.0, 3, 180.0),  # 60 Gy/3
        (15.0, 3, 112.5),  # 45 Gy/3
        (10.0, 5, 100.0),  # 50 Gy/5
        (5.5, 5, 42.625),  # 27.5 Gy/5 -> 42.6
        (9.0, 6, 102.6),  # 54 Gy/6
        (2.0, 25, 60.0),  # 50 Gy/25
    ],
)
def test_bed10_of_hcc_schemes(
    dose_per_fraction: float, fractions: int, expected_bed10: float
) -> None:
    assert bed_lq(dose_per_fraction, fractions, 10.0) == pytest.approx(expected_bed10)


def test_seed_000_schemes_compare_as_expected() -> None:
    # Seed 000: 5 Gy x 10 (3/week) vs 2 Gy x 25-31. For HCC (α/β 10) 5 x 10 is EQD2 62.5 Gy,
    # more than 2 x 25 = 50 Gy; for the liver (α/β 2.5) the gap is far larger (83.3 vs 50 Gy).
    assert eqd2_lq(5.0, 10, 10.0) == pytest.approx(62.5)
    assert eqd2_lq(2.0, 25, 10.0) == pytest.approx(50.0)
    assert eqd2_lq(5.0, 10, 2.5) == pytest.approx(50.0 * 7.5 / 4.5)


@given(d=st.just(2.0), n=counts, ab=ratios)
@FIXED
def test_eqd2_of_2_gy_fractions_is_physical_dose(d: float, n: int, ab: float) -> None:
    assert eqd2_lq(d, n, ab) == pytest.approx(d * n)


@given(d=doses, n=counts, ab=ratios, x=st.floats(min_value=0.5, max_value=20.0))
@FIXED
def test_eqdx_equals_bed_conversion_and_isoeffective_dose(
    d: float, n: int, ab: float, x: float
) -> None:
    eqdx = eqd_x(d, n, ab, x)
    assert eqdx == pytest.approx(bed_to_eqd_x(bed_lq(d, n, ab), ab, x))
    assert eqdx == pytest.approx(isoeffective_total_dose_gy(d * n, d, x, ab))
    # the converted scheme has the same BED (x Gy fractions, possibly non-integer count)
    assert eqdx * (1 + x / ab) == pytest.approx(bed_lq(d, n, ab))


@given(d=doses, n=counts, ab=ratios, d2=doses)
@FIXED
def test_isoeffective_conversion_round_trip(d: float, n: int, ab: float, d2: float) -> None:
    there = isoeffective_total_dose_gy(d * n, d, d2, ab)
    back = isoeffective_total_dose_gy(there, d2, d, ab)
    assert back == pytest.approx(d * n)


@given(d=doses, n=counts, ab=ratios)
@FIXED
def test_dose_per_fraction_for_bed_inverts_bed(d: float, n: int, ab: float) -> None:
    assert dose_per_fraction_for_bed(bed_lq(d, n, ab), n, ab) == pytest.approx(d, rel=1e-9)


@given(d=doses, step=st.floats(min_value=0.01, max_value=5.0), n=counts, ab=ratios)
@FIXED
def test_bed_increases_with_dose_per_fraction(d: float, step: float, n: int, ab: float) -> None:
    assert bed_lq(d + step, n, ab) > bed_lq(d, n, ab)


@given(d=doses, n=counts, ab=ratios, step=st.floats(min_value=0.1, max_value=5.0))
@FIXED
def test_eqd2_rises_with_lower_alpha_beta_above_2_gy(
    d: float, n: int, ab: float, step: float
) -> None:
    low, high = eqd2_lq(d, n, ab), eqd2_lq(d, n, ab + step)
    if d > 2.0:
        assert low > high
    elif d < 2.0:
        assert low < high


def test_overall_time_correction_uses_tai_2008_values() -> None:
    # Tai 2008: α = 0.010/Gy, Td = 128 d -> Dprolif = ln2/(α·Td) ≈ 0.54 Gy/day (clinical-facts §3.2)
    assert TAI_2008_HCC_REPOPULATION.dprolif_gy_per_day == pytest.approx(0.5415, abs=1e-4)
    assert "UNCONFIRMED" in TAI_2008_HCC_REPOPULATION.status.value
    # 2 Gy x 25 over 33 days, HCC α/β 15, Tk 0: BED 56.67 − 0.5415·33
    bed = bed_lq_time_corrected(2.0, 25, 15.0, 33.0, TAI_2008_HCC_REPOPULATION)
    assert bed == pytest.approx(50 * (1 + 2 / 15) - math.log(2) / (0.01 * 128) * 33)


def test_overall_time_term_starts_at_tk() -> None:
    repop = RepopulationParameters(tk_days=28.0, dprolif_gy_per_day=0.9)
    assert repop.bed_loss_gy(21.0) == 0.0
    assert repop.bed_loss_gy(38.0) == pytest.approx(9.0)
    from_tpot = RepopulationParameters.from_tpot(alpha_per_gy=0.3, tpot_days=3.0, tk_days=21.0)
    assert from_tpot.dprolif_gy_per_day == pytest.approx(math.log(2) / 0.9)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bed_lq(-2.0, 25, 10.0), r"dose_per_fraction_gy=-2.0: must be >= 0"),
        (lambda: bed_lq(2.0, 0, 10.0), r"fractions=0: must be a whole number >= 1"),
        (lambda: bed_lq(2.0, 2.5, 10.0), r"fractions=2.5: must be a whole"),  # type: ignore[arg-type]
        (lambda: bed_lq(2.0, 25, 0.0), r"alpha_beta_gy=0.0: must be > 0"),
        (lambda: bed_lq(2.0, 25, -3.0), r"alpha_beta_gy=-3.0: must be > 0"),
        (lambda: eqd2_lq(float("nan"), 25, 10.0), r"dose_per_fraction_gy=nan: must be finite"),
        (lambda: eqd_x(2.0, 25, 10.0, 0.0), r"reference_dose_per_fraction_gy=0.0: must be > 0"),
        (lambda: RepopulationParameters(-1.0, 0.5), r"tk_days=-1.0: must be >= 0"),
        (lambda: bed_lq("abc", 5, 10.0), r"dose_per_fraction_gy=abc: must be a number"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_named(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()  # type: ignore[operator]
