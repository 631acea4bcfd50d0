"""LQ-L (Astrahan 2008) and USC (Park 2008): continuity, published values and ordering vs LQ."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.errors import InputError
from hccrt.radiobiology import PARK_2008_H460, LqlParameters, UscParameters, bed_lq

FIXED = settings(derandomize=True, deadline=None, max_examples=150)


def test_park_2008_h460_transition_dose_and_beta() -> None:
    # Park 2008 NSCLC H460: α 0.33/Gy, D0 1.25 Gy, Dq 1.8 Gy -> DT = 6.13 Gy, β = 0.0384/Gy²
    assert PARK_2008_H460.transition_dose_gy == pytest.approx(6.13, abs=0.005)
    assert PARK_2008_H460.beta_per_gy2 == pytest.approx(0.0384, abs=5e-5)
    assert PARK_2008_H460.alpha_beta_gy == pytest.approx(8.6, abs=0.05)


def test_usc_from_alpha_beta_recovers_park_alpha() -> None:
    rebuilt = UscParameters.from_alpha_beta(PARK_2008_H460.alpha_beta_gy, 1.25, 1.8)
    assert rebuilt.alpha_per_gy == pytest.approx(0.33, rel=1e-9)


@given(
    ab=st.floats(min_value=1.0, max_value=20.0),
    d0=st.floats(min_value=0.5, max_value=3.0),
    dq=st.floats(min_value=0.5, max_value=5.0),
)
@FIXED
def test_usc_is_continuous_with_equal_slope_at_dt(ab: float, d0: float, dq: float) -> None:
    usc = UscParameters.from_alpha_beta(ab, d0, dq)
    assert usc.alpha_beta_gy == pytest.approx(ab, rel=1e-9)
    dt = usc.transition_dose_gy
    eps = 1e-6 * dt
    below, at, above = (usc.bed_per_fraction_gy(dt + k * eps) for k in (-1, 0, 1))
    lq_at = dt * (1 + dt / ab)
    assert at == pytest.approx(lq_at, rel=1e-9)
    assert (at - below) / eps == pytest.approx((above - at) / eps, rel=1e-4)
    # both branches agree: n(d − Dq)/(αD0) = DT(1 + DT/(α/β)) + (d − DT)/(αD0)
    d = 3 * dt
    assert usc.bed_per_fraction_gy(d) == pytest.approx(lq_at + (d - dt) / (usc.alpha_per_gy * d0))


@given(ab=st.floats(min_value=1.0, max_value=20.0), dt=st.floats(min_value=2.0, max_value=12.0))
@FIXED
def test_lql_is_continuous_with_equal_slope_at_dt(ab: float, dt: float) -> None:
    lql = LqlParameters(ab, dt)
    eps = 1e-6 * dt
    below, at, above = (lql.bed_per_fraction_gy(dt + k * eps) for k in (-1, 0, 1))
    assert at == pytest.approx(dt * (1 + dt / ab))
    assert (at - below) / eps == pytest.approx((above - at) / eps, rel=1e-4)


@given(d=st.floats(min_value=0.0, max_value=35.0), ab=st.floats(min_value=1.0, max_value=20.0))
@FIXED
def test_high_dose_models_never_exceed_lq_and_match_it_below_transition(
    d: float, ab: float
) -> None:
    lq = bed_lq(d, 1, ab)
    lql = LqlParameters(ab, 6.0).bed_per_fraction_gy(d)
    usc = UscParameters.from_alpha_beta(ab, 1.25, 1.8)
    assert lql <= lq + 1e-9
    assert usc.bed_per_fraction_gy(d) <= lq + 1e-9
    if d <= 6.0:
        assert lql == pytest.approx(lq)
    if d <= usc.transition_dose_gy:
        assert usc.bed_per_fraction_gy(d) == pytest.approx(lq)


def test_sfed_round_trip_park_2008() -> None:
    # SFED of 3 x 20 Gy is a single dose with the same −ln S
    bed = 3 * PARK_2008_H460.bed_per_fraction_gy(20.0)
    sfed = PARK_2008_H460.single_fraction_equivalent_dose_gy(bed)
    assert PARK_2008_H460.bed_per_fraction_gy(sfed) == pytest.approx(bed)
    assert 20.0 < sfed < 60.0
    low = PARK_2008_H460.single_fraction_equivalent_dose_gy(
        bed_lq(2.0, 1, PARK_2008_H460.alpha_beta_gy)
    )
    assert low == pytest.approx(2.0)


def test_bad_usc_and_lql_parameters() -> None:
    with pytest.raises(InputError, match=r"alpha_per_gy\*d0_gy=1.0: must be < 1"):
        UscParameters(alpha_per_gy=0.5, d0_gy=2.0, dq_gy=1.8)
    with pytest.raises(InputError, match=r"d0_gy=-1.0: must be > 0"):
        UscParameters.from_alpha_beta(10.0, -1.0, 1.8)
    with pytest.raises(InputError, match=r"transition_dose_gy=0.0: must be > 0"):
        LqlParameters(10.0, 0.0)
