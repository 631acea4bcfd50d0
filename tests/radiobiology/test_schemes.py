"""scheme_bed: model, parameters and structured warnings next to every number; scheme parsing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.errors import InputError
from hccrt.radiobiology import (
    PARK_2008_H460,
    BedModel,
    RepopulationParameters,
    bed_lq,
    parse_scheme,
    scheme_bed,
)


def test_lq_result_carries_model_parameters_and_no_warning_at_conventional_dose() -> None:
    result = scheme_bed(2.0, 25, 10.0)
    assert result.model is BedModel.lq
    assert result.bed_gy == pytest.approx(60.0)
    assert result.eqd2_gy == pytest.approx(50.0)
    assert result.total_dose_gy == 50.0
    assert result.parameters["alpha_beta_gy"] == 10.0
    assert result.warnings == ()


def test_plain_lq_above_10_gy_per_fraction_warns_in_result() -> None:
    result = scheme_bed(20.0, 3, 10.0)
    assert result.bed_gy == pytest.approx(180.0)
    codes = [w.code for w in result.warnings]
    assert codes == ["lq_high_dose_per_fraction"]
    assert "20 Gy per fraction" in result.warnings[0].message
    assert "Brenner" in result.warnings[0].source
    assert scheme_bed(10.0, 5, 10.0).warnings == ()  # exactly 10 Gy: no warning


def test_lql_default_transition_is_flagged_unconfirmed_and_lowers_bed() -> None:
    result = scheme_bed(20.0, 3, 10.0, "lq-l")
    # dT 6: per fraction 6·1.6 + 14·2.2 = 40.4 -> 121.2 Gy
    assert result.bed_gy == pytest.approx(121.2)
    assert result.parameters["transition_dose_gy"] == 6.0
    assert result.parameters["status"] == "UNCONFIRMED"
    assert [w.code for w in result.warnings] == ["unconfirmed_default"]
    explicit = scheme_bed(20.0, 3, 10.0, BedModel.lq_l, transition_dose_gy=8.0)
    assert explicit.warnings == ()
    assert explicit.parameters["status"] == "USER_SUPPLIED"


def test_usc_with_park_defaults_warns_not_hcc_specific() -> None:
    ab = PARK_2008_H460.alpha_beta_gy  # 8.6 Gy, implied by α 0.33, D0 1.25, Dq 1.8
    result = scheme_bed(20.0, 3, ab, "usc")
    assert [w.code for w in result.warnings] == ["not_hcc_specific"]
    assert result.parameters["transition_dose_gy"] == pytest.approx(6.13, abs=0.01)
    # BED = n(d − Dq)/(αD0)
    alpha = result.parameters["alpha_per_gy"]
    assert result.bed_gy == pytest.approx(3 * (20.0 - 1.8) / (alpha * 1.25))
    assert result.bed_gy < bed_lq(20.0, 3, ab)


def test_time_correction_defaults_to_tai_2008_with_warning() -> None:
    plain = scheme_bed(2.0, 25, 15.0)
    corrected = scheme_bed(2.0, 25, 15.0, treatment_days=33.0)
    assert corrected.bed_gy == pytest.approx(plain.bed_gy - 0.5415 * 33.0, abs=0.01)
    assert corrected.eqd2_gy == pytest.approx(corrected.bed_gy / (1 + 2 / 15))
    assert corrected.parameters["tk_days"] == 0.0
    assert [w.code for w in corrected.warnings] == ["unconfirmed_default"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "lq", "transition_dose_gy": 6.0}, r"model=lq: transition_dose_gy/d0_gy/dq_gy"),
        ({"model": "usc", "d0_gy": 1.25}, r"d0_gy/dq_gy=d0_gy=1.25, dq_gy=None: give both"),
        ({"model": "gLQ"}, r"model=gLQ: must be one of lq, lq-l, usc"),
        ({"model": "lq-l", "dq_gy": 1.0}, r"model=lq-l: d0_gy/dq_gy apply only to usc"),
    ],
)
def test_inconsistent_options_are_rejected(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        scheme_bed(5.0, 10, 10.0, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5Gyx10", (5.0, 10)),
        ("2 Gy X 25", (2.0, 25)),
        (" 1.8Gy x 28 ", (1.8, 28)),
        ("20 Gy × 3", (20.0, 3)),
        ("3 x 15 Gy", (15.0, 3)),
        ("45/3", (15.0, 3)),
        ("50 Gy / 10", (5.0, 10)),
        ("45/3fx", (15.0, 3)),
    ],
)
def test_parse_scheme(text: str, expected: tuple[float, int]) -> None:
    assert parse_scheme(text) == expected


@pytest.mark.parametrize(
    "text", ["2*25", "abc", "5Gyx", "x10", "5Gyx10x2", "-5Gyx10", "5Gyx2.5", "5Gyx0", "45/0"]
)
def test_parse_scheme_rejects_bad_forms(text: str) -> None:
    with pytest.raises(
        InputError, match=r"scheme=.*(DOSEGyxFRACTIONS or TOTAL/FRACTIONS|at least 1)"
    ):
        parse_scheme(text)


@pytest.mark.parametrize("text", ["3x15", "5x10", "20×3"])
def test_unitless_scheme_is_refused_as_ambiguous(text: str) -> None:
    # Issue 15 item 16: "`fractionation compare 3x15` means 3 Gy x 15 fractions, the opposite of
    # how clinicians write '3 x 15 Gy'. Use an unambiguous notation ... and refuse the ambiguous
    # one with the fix."
    with pytest.raises(InputError, match=r"ambiguous.*15Gyx3 .* or 45/3"):
        parse_scheme(text)


def test_dose_per_fraction_in_cgy_is_refused() -> None:
    with pytest.raises(InputError, match=r"scheme=1500Gyx3: above 30 Gy.*did you mean cGy\?"):
        parse_scheme("1500Gyx3")


def test_incomplete_repair_options_for_long_fractions() -> None:
    # 3 x 15 Gy, 45 min fractions (CyberKnife-like), T½ 0.5 h: G < 1 lowers the quadratic term
    result = scheme_bed(15.0, 3, 10.0, repair_half_time_h=0.5, fraction_duration_h=0.75)
    g = result.parameters["lea_catcheside_g"]
    assert 0.7 < g < 0.75
    assert result.bed_gy == pytest.approx(45.0 * (1 + g * 15.0 / 10.0))
    twice_daily = scheme_bed(1.5, 2, 2.5, repair_half_time_h=1.5, interval_h=6.0)
    assert twice_daily.bed_gy > bed_lq(1.5, 2, 2.5)
    with pytest.raises(InputError, match=r"repair_half_time_h: is required for fraction_duration"):
        scheme_bed(15.0, 3, 10.0, fraction_duration_h=0.75)
    with pytest.raises(InputError, match=r"model=usc: incomplete-repair corrections .* plain LQ"):
        scheme_bed(15.0, 3, 10.0, "usc", repair_half_time_h=0.5)


@given(
    d=st.floats(min_value=0.0, max_value=30.0),
    step=st.floats(min_value=0.01, max_value=5.0),
    ab=st.floats(min_value=1.0, max_value=20.0),
    model=st.sampled_from(["lq", "lq-l", "usc"]),
)
@settings(derandomize=True, deadline=None, max_examples=150)
def test_bed_increases_with_dose_for_every_model(
    d: float, step: float, ab: float, model: str
) -> None:
    low = scheme_bed(d, 3, ab, model)
    high = scheme_bed(d + step, 3, ab, model)
    assert high.bed_gy > low.bed_gy
    assert high.eqd2_gy == pytest.approx(high.bed_gy / (1 + 2 / ab))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": "lq-l", "transition_dose_gy": 1.0},
        {"model": "usc", "d0_gy": 1.25, "dq_gy": 0.2},  # DT = 2·Dq/(1 − α·D0) < 2 Gy
    ],
    ids=["lq-l dT 1 Gy", "usc DT < 2 Gy"],
)
def test_eqd2_of_2_gy_fractions_is_physical_even_below_a_2_gy_transition(
    kwargs: dict[str, object],
) -> None:
    conventional = scheme_bed(2.0, 25, 10.0, **kwargs)  # type: ignore[arg-type]
    assert conventional.parameters["transition_dose_gy"] < 2.0
    assert conventional.eqd2_gy == pytest.approx(50.0)
    # and any scheme: EQD2 is the dose in 2 Gy fractions with the same BED under that model
    sbrt = scheme_bed(10.0, 3, 10.0, **kwargs)  # type: ignore[arg-type]
    assert scheme_bed(2.0, 1, 10.0, **kwargs).bed_gy * sbrt.eqd2_gy / 2.0 == pytest.approx(  # type: ignore[arg-type]
        sbrt.bed_gy
    )


def test_user_supplied_high_dose_parameters_still_name_the_model_source() -> None:
    lql = scheme_bed(20.0, 3, 10.0, "lq-l", transition_dose_gy=8.0)
    assert "Astrahan" in lql.parameters["source"]
    assert "dT user supplied" in lql.parameters["source"]
    usc = scheme_bed(20.0, 3, 10.0, "usc", d0_gy=1.25, dq_gy=1.8)
    assert "Park C" in usc.parameters["source"]
    assert usc.parameters["status"] == "USER_SUPPLIED"


def test_tai_2008_tumour_repopulation_on_a_normal_tissue_alpha_beta_is_flagged() -> None:
    liver = scheme_bed(2.0, 25, 3.0, treatment_days=33.0)
    assert [w.code for w in liver.warnings] == [
        "unconfirmed_default",
        "tumour_repopulation_on_normal_tissue",
    ]
    assert "α/β 3 Gy is a normal-tissue value" in liver.warnings[1].message
    hcc = scheme_bed(2.0, 25, 10.0, treatment_days=33.0)
    assert [w.code for w in hcc.warnings] == ["unconfirmed_default"]
    own = scheme_bed(2.0, 25, 3.0, treatment_days=33.0, repopulation=RepopulationParameters(0, 0))
    assert own.warnings == ()
    assert own.bed_gy == pytest.approx(bed_lq(2.0, 25, 3.0))
