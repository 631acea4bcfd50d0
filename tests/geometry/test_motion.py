"""PTV margin helper: seed ABC rule, van Herk recipe with breathing, insufficient data."""

from __future__ import annotations

import math

import pytest

from hccrt.errors import ClinicalInputError
from hccrt.geometry.motion import AxisValues, ptv_margin, van_herk_axis_margin_mm


def test_abc_uses_the_seed_margin_with_its_source() -> None:
    result = ptv_margin("abc")
    assert result.status == "ok"
    assert result.margins is not None
    assert result.margins.as_tuple() == (6.0, 6.0, 6.0, 6.0, 6.0, 6.0)
    assert "CTV plus 6 mm under the condition of using ABC device" in result.sources[0].passage
    assert result.sources[1].status == "UNCONFIRMED"
    overridden = ptv_margin("abc", abc_margin_mm=5.0)
    assert overridden.margins is not None
    assert overridden.margins.right_mm == 5.0
    assert "overridden" in overridden.warnings[0]


def test_van_herk_published_form() -> None:
    # 2.5 * 2 + 0.7 * 3 = 7.1 mm without breathing
    assert van_herk_axis_margin_mm(2.0, 3.0) == pytest.approx(7.1)
    # sinusoid of 10 mm peak-to-peak: sigma_resp = 10 / (2 sqrt 2) = 3.536 mm
    expected = 2.5 * 2.0 + 0.7 * math.hypot(3.0, 10 / (2 * math.sqrt(2)))
    assert van_herk_axis_margin_mm(2.0, 3.0, 10 / (2 * math.sqrt(2))) == pytest.approx(expected)


def test_free_breathing_per_axis_margins() -> None:
    result = ptv_margin(
        "free",
        systematic_sd_mm=AxisValues(2.0, 2.0, 3.0),
        random_sd_mm=AxisValues(2.0, 2.0, 2.5),
        breathing_amplitude_mm=AxisValues(2.9, 2.3, 10.46),
    )
    assert result.status == "ok"
    assert result.margins is not None
    r, left, a, p, s, i = result.margins.as_tuple()
    assert r == left
    assert a == p
    assert s == i
    assert s == pytest.approx(2.5 * 3.0 + 0.7 * math.hypot(2.5, 10.46 / (2 * math.sqrt(2))))
    assert s > a
    assert any("amplitude 10.46 mm exceeds 10 mm" in w for w in result.warnings)
    assert result.respiratory_sd_mm is not None
    assert result.respiratory_sd_mm.si_mm == pytest.approx(3.698, abs=1e-3)


def test_free_breathing_without_data_is_insufficient() -> None:
    result = ptv_margin("free", systematic_sd_mm=AxisValues(2, 2, 2))
    assert result.status == "insufficient_data"
    assert result.margins is None
    assert result.missing == ("random_sd_mm", "breathing_amplitude_mm")
    assert "10.46" in result.warnings[0]


def test_bad_values_are_refused() -> None:
    with pytest.raises(ClinicalInputError, match="si_mm=-1: must be 0-50 mm"):
        AxisValues(1, 1, -1)
    with pytest.raises(ClinicalInputError, match=r"abc_margin_mm=40\.0"):
        ptv_margin("abc", abc_margin_mm=40.0)


def test_seed_passages_are_verbatim() -> None:
    from hccrt.geometry.motion import ABC_SOURCE, FREE_BREATHING_SOURCE
    from tests.conftest import SHARED_DATA

    seed = SHARED_DATA.parent / "seeds" / "000_ac0db68d78fdb62d.txt"
    if not seed.is_file():
        pytest.skip("seed not available")
    text = seed.read_text(encoding="utf-8")
    assert ABC_SOURCE.passage in text
    assert FREE_BREATHING_SOURCE.passage in text


def test_axis_values_parse() -> None:
    assert AxisValues.parse("2,2.5,3", "x") == AxisValues(2.0, 2.5, 3.0)
    assert AxisValues.parse("4", "x") == AxisValues(4.0, 4.0, 4.0)
    with pytest.raises(ClinicalInputError, match="amplitude=1,2: needs 1 or 3 values"):
        AxisValues.parse("1,2", "amplitude")
    with pytest.raises(ClinicalInputError, match="must be numbers in mm"):
        AxisValues.parse("a,b,c", "amplitude")
