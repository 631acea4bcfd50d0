"""NTCP (LKB probit and logit), gEUD, liver parameter sets, Child-Pugh default and Liang 2006."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hccrt.errors import ClinicalInputError, InputError
from hccrt.radiobiology import (
    LIANG_2006_TOLERABLE_V_PERCENT,
    NtcpParameterSet,
    Status,
    default_ntcp_parameter_set,
    eqd_x,
    get_ntcp_parameter_set,
    geud_gy,
    liang_tolerable_mean_dose_gy,
    list_ntcp_parameter_sets,
    ntcp_lkb,
    ntcp_logit,
    seed_tolerable_mean_liver_dose,
)

FIXED = settings(derandomize=True, deadline=None, max_examples=100)
dvh_doses = st.lists(st.floats(min_value=0.0, max_value=80.0), min_size=1, max_size=12)


def uniform_dose_for(
    parameter_set: NtcpParameterSet, fractions: int, target_eqd_gy: float
) -> float:
    """Physical total dose in ``fractions`` whose EQD at the set's reference equals the target."""
    ab, ref = parameter_set.alpha_beta_gy, parameter_set.reference_dose_per_fraction_gy
    # D·(D/N + ab) = target·(ref + ab)  ->  D²/N + ab·D − target·(ref + ab) = 0
    a, b, c = 1.0 / fractions, ab, -target_eqd_gy * (ref + ab)
    return float((-b + np.sqrt(b * b - 4 * a * c)) / (2 * a))


@pytest.mark.parametrize("parameter_set", list_ntcp_parameter_sets(), ids=lambda p: p.name)
def test_ntcp_is_one_half_at_td50_for_every_set(parameter_set: NtcpParameterSet) -> None:
    dose = uniform_dose_for(parameter_set, 5, parameter_set.td50_gy)
    result = ntcp_lkb([dose], [1500.0], parameter_set, fractions=5)
    assert result.geud_gy == pytest.approx(parameter_set.td50_gy)
    assert result.ntcp == pytest.approx(0.5)
    assert ntcp_logit([dose], [1500.0], parameter_set, fractions=5).ntcp == pytest.approx(0.5)


def test_dvh_is_converted_to_the_reference_fractionation_first() -> None:
    tai_a = get_ntcp_parameter_set("tai2009_child_pugh_a")  # α/β 2 Gy, 2 Gy reference
    dose = np.array([5.0, 15.0, 30.0])
    volume = np.array([600.0, 300.0, 100.0])
    result = ntcp_lkb(dose, volume, tai_a, fractions=3)
    converted = [eqd_x(d / 3, 3, 2.0, 2.0) for d in dose]
    weights = volume / volume.sum()
    assert result.geud_gy == pytest.approx(float(np.dot(weights, converted)))  # n = 1: mean
    assert result.mean_dose_gy == pytest.approx(float(np.dot(weights, dose)))
    assert result.eqd2_mean_dose_gy == pytest.approx(result.geud_gy)
    assert result.reference_mean_dose_gy == pytest.approx(result.geud_gy)
    assert result.parameter_set is tai_a
    assert result.model == "LKB probit"
    # the same physical DVH in 30 fractions is far less toxic
    assert ntcp_lkb(dose, volume, tai_a, fractions=30).ntcp < result.ntcp


def test_geud_and_effective_volume() -> None:
    assert geud_gy([10.0, 30.0], [3.0, 1.0], 1.0) == pytest.approx(15.0)
    # small n -> gEUD approaches the maximum dose
    assert geud_gy([10.0, 30.0], [3.0, 1.0], 0.01) == pytest.approx(30.0 * 0.25**0.01)
    burman = get_ntcp_parameter_set("burman1991_whole_liver")
    result = ntcp_lkb(
        [0.0, 40.0], [700.0, 300.0], burman.override(reference_dose_per_fraction_gy=2.0), 20
    )
    # Kutcher-Burman: gEUD = Dmax·Veff^n; here Veff = 0.3
    assert result.effective_volume == pytest.approx(0.3)
    assert result.geud_gy == pytest.approx(40.0 * 0.3**0.32)


@given(doses=dvh_doses, n=st.floats(min_value=0.05, max_value=3.0))
@FIXED
def test_geud_lies_between_min_and_max(doses: list[float], n: float) -> None:
    value = geud_gy(doses, [1.0] * len(doses), n)
    assert min(doses) - 1e-9 <= value <= max(doses) + 1e-9


@given(doses=dvh_doses, scale=st.floats(min_value=1.01, max_value=2.0))
@FIXED
def test_ntcp_increases_with_dose(doses: list[float], scale: float) -> None:
    parameter_set = get_ntcp_parameter_set("xu2006_child_pugh_b")
    volumes = [1.0] * len(doses)
    low = ntcp_lkb(doses, volumes, parameter_set, fractions=5).ntcp
    high = ntcp_lkb([d * scale for d in doses], volumes, parameter_set, fractions=5).ntcp
    assert high >= low
    assert 0.0 <= low <= 1.0


def test_cumulative_and_differential_give_the_same_result() -> None:
    dose_points = [0.0, 10.0, 20.0, 30.0, 40.0]
    cumulative = [1200.0, 800.0, 500.0, 100.0, 0.0]
    differential = ntcp_lkb(
        [5.0, 15.0, 25.0, 35.0], [400.0, 300.0, 400.0, 100.0], "dawson2002_primary", 25
    )
    from_cumulative = ntcp_lkb(dose_points, cumulative, "dawson2002_primary", 25, cumulative=True)
    assert from_cumulative.ntcp == pytest.approx(differential.ntcp)
    assert from_cumulative.total_volume_cc == pytest.approx(1200.0)


def test_warnings_for_unconfirmed_sets_and_sbrt_doses() -> None:
    result = ntcp_lkb([10.0, 45.0], [900.0, 100.0], "xu2006_child_pugh_a", fractions=3)
    codes = {w.code for w in result.warnings}
    assert codes == {"unconfirmed_parameters", "lq_high_dose_per_fraction"}


def test_parameter_sets_record_values_sources_and_statuses() -> None:
    sets = {p.name: p for p in list_ntcp_parameter_sets()}
    expected = {
        "dawson2002_primary": (0.97, 0.12, 39.8),
        "dawson2002_metastases": (0.97, 0.12, 45.8),
        "tai2009_child_pugh_a": (1.0, 0.36, 40.3),
        "tai2009_child_pugh_b": (1.0, 0.41, 23.9),
        "xu2006_child_pugh_a": (1.1, 0.28, 40.5),
        "xu2006_child_pugh_b": (0.7, 0.43, 23.0),
    }
    for name, (n, m, td50) in expected.items():
        assert (sets[name].n, sets[name].m, sets[name].td50_gy) == (n, m, td50)
        assert sets[name].source
    assert sets["xu2006_child_pugh_a"].parameters_status is Status.unconfirmed
    assert sets["tai2009_child_pugh_a"].parameters_status is Status.verified
    assert sets["tai2009_child_pugh_a"].alpha_beta_gy == 2.0
    assert sets["dawson2002_primary"].reference_dose_per_fraction_gy == 1.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        sets["tai2009_child_pugh_a"].td50_gy = 50.0  # type: ignore[misc]


def test_override_marks_values_user_supplied() -> None:
    changed = get_ntcp_parameter_set("xu2006_child_pugh_a").override(td50_gy=38.0)
    assert changed.td50_gy == 38.0
    assert changed.parameters_status is Status.user
    assert "overridden by user: td50_gy=38" in changed.source
    with pytest.raises(InputError, match=r"override=\['gamma'\]: only"):
        changed.override(gamma=1.0)


@pytest.mark.parametrize(
    ("child_pugh", "name"),
    [
        ("A", "tai2009_child_pugh_a"),
        ("a6", "tai2009_child_pugh_a"),
        ("B", "tai2009_child_pugh_b"),
        ("B9", "tai2009_child_pugh_b"),
    ],
)
def test_default_set_by_child_pugh_class(child_pugh: str, name: str) -> None:
    assert default_ntcp_parameter_set(child_pugh).name == name


def test_child_pugh_c_has_no_validated_set() -> None:
    with pytest.raises(
        ClinicalInputError, match=r"child_pugh_class=C: no validated RILD NTCP parameter set exists"
    ):
        default_ntcp_parameter_set("C")
    with pytest.raises(ClinicalInputError, match=r"child_pugh_class=A9: must be A, B or C"):
        default_ntcp_parameter_set("A9")


def test_unknown_set_and_bad_dvh() -> None:
    with pytest.raises(
        InputError,
        match=r"parameter_set=emami: unknown NTCP parameter set \(known: dawson2002_primary",
    ):
        get_ntcp_parameter_set("emami")
    with pytest.raises(InputError, match=r"dose_gy=nan: contains NaN"):
        ntcp_lkb([1.0, float("nan")], [1.0, 1.0], "tai2009_child_pugh_a", 5)
    with pytest.raises(
        InputError, match=r"bin volumes sum to 300 cc, not the structure volume 1200"
    ):
        ntcp_lkb([1.0, 2.0], [100.0, 200.0], "tai2009_child_pugh_a", 5, total_volume_cc=1200.0)
    with pytest.raises(InputError, match=r"fractions=0"):
        ntcp_lkb([1.0], [1.0], "tai2009_child_pugh_a", 0)


def test_liang_2006_tolerable_mean_dose() -> None:
    # Liang 2006 (PubMed 16690430): MDTNL = −1.686 + 0.023·V; 1073 cc -> 23 Gy, the cohort value
    assert liang_tolerable_mean_dose_gy(1000.0) == pytest.approx(21.314)
    assert liang_tolerable_mean_dose_gy(1073.3) == pytest.approx(23.0, abs=0.01)
    with pytest.raises(InputError, match=r"normal_liver_volume_cc=50.0: below 73.3 cc"):
        liang_tolerable_mean_dose_gy(50.0)
    with pytest.raises(InputError, match=r"normal_liver_volume_cc=0.0: must be > 0"):
        liang_tolerable_mean_dose_gy(0.0)


def test_liang_dvh_limits_and_seed_mean_dose_tolerance() -> None:
    assert LIANG_2006_TOLERABLE_V_PERCENT[5] == 86.0
    assert LIANG_2006_TOLERABLE_V_PERCENT[40] == 20.0
    limits = list(LIANG_2006_TOLERABLE_V_PERCENT.values())
    assert limits == sorted(limits, reverse=True)
    assert seed_tolerable_mean_liver_dose("A").value == 23.0
    b7 = seed_tolerable_mean_liver_dose("B7")
    assert b7.value == 6.0
    assert "seed 000" in b7.source
    with pytest.raises(ClinicalInputError, match=r"child_pugh_class=C: seed 000 gives .* A and B"):
        seed_tolerable_mean_liver_dose("C")


def test_cumulative_total_volume_check_catches_percent_input() -> None:
    # a cumulative DVH in % of volume passed where cc are expected
    with pytest.raises(InputError, match=r"sum to 100 cc, not the structure volume 1200 cc"):
        ntcp_lkb(
            [0.0, 10.0, 20.0],
            [100.0, 50.0, 0.0],
            "tai2009_child_pugh_a",
            5,
            cumulative=True,
            total_volume_cc=1200.0,
        )
    ok = ntcp_lkb(
        [0.0, 10.0, 20.0],
        [1200.0, 600.0, 0.0],
        "tai2009_child_pugh_a",
        5,
        cumulative=True,
        total_volume_cc=1200.0,
    )
    assert ok.total_volume_cc == pytest.approx(1200.0)


@pytest.mark.parametrize("text", ["Bogus", "A9", "B5", "AB", ""])
def test_seed_mean_dose_tolerance_rejects_unreadable_child_pugh_class(text: str) -> None:
    # the class is read as strictly as for the NTCP default set: "Bogus" is not class B
    with pytest.raises(ClinicalInputError, match=r"child_pugh_class=.*: must be A, B or C"):
        seed_tolerable_mean_liver_dose(text)
    with pytest.raises(ClinicalInputError, match=r"child_pugh_class=.*: must be A, B or C"):
        default_ntcp_parameter_set(text)


def test_result_record_carries_parameter_set_status_for_json() -> None:
    result = ntcp_lkb([5.0, 15.0], [600.0, 400.0], "tai2009_child_pugh_b", fractions=5)
    record = result.as_record()
    assert record["parameter_set"]["status"] == "UNCONFIRMED"
    assert record["parameter_set"]["td50_gy"] == 23.9
    assert record["ntcp"] == result.ntcp
    assert {w["code"] for w in record["warnings"]} == {"unconfirmed_parameters"}
