"""compare_schemes and the text summaries: model, parameters and source next to every number."""

from __future__ import annotations

import pytest

from hccrt.errors import InputError
from hccrt.radiobiology import (
    BedModel,
    compare_schemes,
    describe_bed,
    describe_comparison,
    describe_ntcp,
    describe_parameter_sets,
    list_ntcp_parameter_sets,
    ntcp_lkb,
    scheme_bed,
)


def test_seed_000_schemes_side_by_side() -> None:
    # seed 000: 5 Gy x 10 (hypofractionated) vs 2 Gy x 25 (conventional); HCC 10, liver 2.5
    rows = compare_schemes(["2Gyx25", " 5Gyx10 ", "20Gyx3"], [10.0, 2.5])
    assert [row.scheme for row in rows] == ["2Gyx25", "5Gyx10", "20Gyx3"]
    five = rows[1]
    assert (five.dose_per_fraction_gy, five.fractions, five.total_dose_gy) == (5.0, 10, 50.0)
    assert five.model is BedModel.lq
    assert [e.alpha_beta_gy for e in five.by_alpha_beta] == [10.0, 2.5]
    assert five.by_alpha_beta[0].eqd2_gy == pytest.approx(62.5)
    assert five.by_alpha_beta[1].bed_gy == pytest.approx(150.0)
    assert [w.code for w in rows[2].by_alpha_beta[0].warnings] == ["lq_high_dose_per_fraction"]


def test_comparison_errors_name_the_given_field() -> None:
    with pytest.raises(
        InputError, match=r"--scheme=2\*25: expected DOSEGyxFRACTIONS or TOTAL/FRACTIONS"
    ):
        compare_schemes(["5Gyx10", "2*25"], [10.0], scheme_field="--scheme")
    with pytest.raises(InputError, match=r"scheme: at least one scheme is required"):
        compare_schemes([], [10.0])
    with pytest.raises(InputError, match=r"alpha_beta_gy: at least one α/β is required"):
        compare_schemes(["5Gyx10"], [])
    with pytest.raises(InputError, match=r"alpha_beta_gy=0.0: must be > 0"):
        compare_schemes(["5Gyx10"], [0.0])


def test_comparison_text_names_model_parameters_and_source() -> None:
    text = describe_comparison(compare_schemes(["5Gyx10", "20Gyx3"], [10.0, 3.0], "usc"))
    assert "model: usc (doses in Gy; EQD2 in 2 Gy fractions)" in text
    # α is solved per α/β, so each α/β gets its own parameter line
    assert "parameters (α/β 10 Gy): alpha_per_gy=0.35061, " in text
    assert "parameters (α/β 3 Gy): alpha_per_gy=" in text
    assert "d0_gy=1.25, dq_gy=1.8" in text
    assert text.count("source: Park C, Papiez L") == 1
    assert "warning (5Gyx10, 20Gyx3): USC D0 = 1.25 Gy and Dq = 1.8 Gy are Park 2008" in text
    assert describe_comparison([]) == "no schemes"


def test_bed_and_ntcp_text_carry_model_parameters_and_source() -> None:
    bed = describe_bed(scheme_bed(20.0, 3, 10.0, "lq-l", transition_dose_gy=7.5))
    assert "3 x 20 Gy = 60 Gy, α/β 10 Gy, model lq-l" in bed
    assert "parameters: alpha_beta_gy=10, transition_dose_gy=7.5, status=USER_SUPPLIED" in bed
    assert "source: Astrahan M. Med Phys 2008" in bed
    ntcp = describe_ntcp(ntcp_lkb([10.0, 30.0], [800.0, 400.0], "dawson2002_primary", 20))
    assert (
        "(LKB probit, dawson2002_primary: n 0.97, m 0.12, TD50 39.8 Gy at 1.5 Gy/fraction" in ntcp
    )
    assert "source: Dawson LA et al." in ntcp
    listing = describe_parameter_sets(list_ntcp_parameter_sets())
    assert listing.count("    source: ") == len(list_ntcp_parameter_sets())
    assert "xu2006_child_pugh_b: n 0.7, m 0.43, TD50 23 Gy" in listing
