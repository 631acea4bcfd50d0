"""Incomplete repair: Lea-Catcheside G and Thames H_n against brute-force sums and quadrature."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from hccrt.errors import InputError
from hccrt.radiobiology import (
    LIVER_REPAIR_HALF_TIME_H,
    bed_lq,
    bed_lq_incomplete_repair,
    lea_catcheside_g,
    scheme_bed,
    thames_h_factor,
)

FIXED = settings(derandomize=True, deadline=None, max_examples=100)


def brute_force_h(n: int, phi: float) -> float:
    return (2.0 / n) * sum(phi ** (j - i) for i in range(n) for j in range(i + 1, n))


@given(
    n=st.integers(min_value=1, max_value=30),
    interval_h=st.floats(min_value=0.5, max_value=24.0),
    half_time_h=st.floats(min_value=0.2, max_value=4.0),
)
@FIXED
def test_h_factor_matches_double_sum(n: int, interval_h: float, half_time_h: float) -> None:
    phi = math.exp(-math.log(2) / half_time_h * interval_h)
    assert thames_h_factor(n, interval_h, half_time_h) == pytest.approx(
        brute_force_h(n, phi), rel=1e-9, abs=1e-15
    )


def test_h2_equals_phi_and_g_limits() -> None:
    phi = math.exp(-math.log(2) / 1.5 * 6.0)
    assert thames_h_factor(2, 6.0, 1.5) == pytest.approx(phi)
    assert thames_h_factor(1, 6.0, 1.5) == 0.0
    assert lea_catcheside_g(0.0, 1.5) == 1.0
    assert lea_catcheside_g(1e-9, 1.5) == pytest.approx(1.0)
    assert lea_catcheside_g(1000.0, 1.5) < 0.01
    # continuity of the short-fraction series with the closed form
    switch_h = 1e-4 / math.log(2)  # x = μT = 1e-4 with T½ = 1 h
    below, above = (
        lea_catcheside_g(switch_h * 0.999999, 1.0),
        lea_catcheside_g(switch_h * 1.000001, 1.0),
    )
    assert below == pytest.approx(above, abs=1e-7)


@given(t=st.floats(min_value=0.0, max_value=5.0), more=st.floats(min_value=0.01, max_value=2.0))
@FIXED
def test_g_decreases_with_fraction_duration(t: float, more: float) -> None:
    assert lea_catcheside_g(t + more, 1.5) < lea_catcheside_g(t, 1.5)


def quadrature_bed(
    d: float, n: int, ab: float, half_time_h: float, duration_h: float, gap_h: float
) -> float:
    """−ln S/α from 2∫∫_{t'<t} R(t)R(t')e^{−μ(t−t')} by quadrature (constant-rate fractions)."""
    mu = math.log(2) / half_time_h
    rate = d / duration_h
    quadratic = 0.0
    for i in range(n):
        for j in range(i, n):
            si, sj = i * gap_h, j * gap_h
            if i == j:
                value, _ = integrate.dblquad(
                    lambda tp, t: math.exp(-mu * (t - tp)),
                    si,
                    si + duration_h,
                    si,
                    lambda t: t,
                )
            else:
                value, _ = integrate.dblquad(
                    lambda tp, t: math.exp(-mu * (t - tp)),
                    sj,
                    sj + duration_h,
                    si,
                    si + duration_h,
                )
            quadratic += 2.0 * rate * rate * value
    return n * d + quadratic / ab


@pytest.mark.parametrize(
    ("n", "duration_h", "gap_h"),
    [(1, 0.75, 24.0), (2, 0.5, 6.0), (3, 1.0, 4.0)],
)
def test_protracted_fractions_with_short_gaps_match_quadrature(
    n: int, duration_h: float, gap_h: float
) -> None:
    # e.g. CyberKnife-length fractions (30-60 min) given twice or thrice a day
    expected = quadrature_bed(8.0, n, 3.0, 1.5, duration_h, gap_h)
    got = bed_lq_incomplete_repair(
        8.0, n, 3.0, 1.5, fraction_duration_h=duration_h, interval_h=gap_h
    )
    assert got == pytest.approx(expected, rel=1e-7)


def test_acute_fractions_with_full_repair_reduce_to_lq() -> None:
    assert bed_lq_incomplete_repair(5.0, 10, 2.5, 1.5) == pytest.approx(bed_lq(5.0, 10, 2.5))
    assert bed_lq_incomplete_repair(5.0, 10, 2.5, 1.5, interval_h=1e4) == pytest.approx(
        bed_lq(5.0, 10, 2.5)
    )
    # BID 1.5 Gy with 6 h gaps: slightly more than full repair (Dawson-style fractionation)
    assert bed_lq_incomplete_repair(1.5, 2, 2.5, 1.5, interval_h=6.0) > bed_lq(1.5, 2, 2.5)


def test_liver_repair_half_time_is_labelled_unconfirmed() -> None:
    assert LIVER_REPAIR_HALF_TIME_H.value == 1.5
    assert LIVER_REPAIR_HALF_TIME_H.status.value == "UNCONFIRMED"


def test_overlapping_fractions_are_rejected() -> None:
    with pytest.raises(
        InputError, match=r"interval_h=0.5: must be >= fraction_duration_h \(1.0 h\)"
    ):
        bed_lq_incomplete_repair(8.0, 3, 3.0, 1.5, fraction_duration_h=1.0, interval_h=0.5)
    with pytest.raises(InputError, match=r"repair_half_time_h=0.0: must be > 0"):
        lea_catcheside_g(1.0, 0.0)
    with pytest.raises(InputError, match=r"fraction_duration_h=-1.0: must be >= 0"):
        lea_catcheside_g(-1.0, 1.5)


def test_round_the_clock_uniform_intervals_are_flagged() -> None:
    # 40 fractions 6 h apart is not a twice-daily course (no overnight gaps): warn
    bid = scheme_bed(1.5, 40, 2.5, repair_half_time_h=1.5, interval_h=6.0)
    assert [w.code for w in bid.warnings] == ["uniform_interval_assumed"]
    assert "all 40 fractions are 6 h apart (234 h without a longer gap)" in bid.warnings[0].message
    # a single day of three fractions 4 h apart, or daily gaps, fit the assumption
    assert scheme_bed(3.0, 3, 10.0, repair_half_time_h=1.5, interval_h=4.0).warnings == ()
    assert scheme_bed(3.0, 10, 10.0, repair_half_time_h=1.5, interval_h=24.0).warnings == ()
