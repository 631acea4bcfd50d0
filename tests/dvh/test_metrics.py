"""TG-263 metric parsing and evaluation on an analytic DVH."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.metrics import evaluate_metric, parse_metric
from hccrt.errors import InputError


def uniform_dvh() -> DoseVolumeHistogram:
    """100 cc spread uniformly between 0 and 50 Gy (1 cc per 0.5 Gy bin)."""
    edges = np.linspace(0.0, 50.0, 101)
    return DoseVolumeHistogram("Liver", edges, np.ones(100), 100.0, 0.0, 0.0, 50.0, 25.0)


@pytest.mark.parametrize(
    ("text", "kind", "value", "value_unit", "result_unit"),
    [
        ("D95%[Gy]", "dose_at_volume", 95.0, "%", "Gy"),
        ("D0.03cc[Gy]", "dose_at_volume", 0.03, "cc", "Gy"),
        ("D2cc[cGy]", "dose_at_volume", 2.0, "cc", "cGy"),
        ("V20Gy[%]", "volume_at_dose", 20.0, "Gy", "%"),
        ("V20Gy[cc]", "volume_at_dose", 20.0, "Gy", "cc"),
        ("CV15Gy[cc]", "volume_below_dose", 15.0, "Gy", "cc"),
        ("V95%[%]", "volume_at_dose", 95.0, "%", "%"),
        ("DC700cc[Gy]", "dose_complement", 700.0, "cc", "Gy"),
        ("gEUD(a=4)[Gy]", "geud", 4.0, "", "Gy"),
        ("gEUD(n=0.5)", "geud", 2.0, "", "Gy"),
    ],
)
def test_supported_forms_parse(
    text: str, kind: str, value: float, value_unit: str, result_unit: str
) -> None:
    parsed = parse_metric(text)
    assert (parsed.kind, parsed.value, parsed.value_unit, parsed.result_unit) == (
        kind, value, value_unit, result_unit,
    )  # fmt: skip


def test_statistics_and_default_units() -> None:
    assert parse_metric("Dmean").text == "Dmean[Gy]"
    assert parse_metric("dmax[Gy]").statistic == "max"
    assert parse_metric("V20Gy").result_unit == "%"


@pytest.mark.parametrize("text", ["D95", "Dfoo[Gy]", "V20[%]", "V20Gy[Gy]", "D95%[cc]", "Dmean%"])
def test_unknown_strings_name_the_expected_forms(text: str) -> None:
    with pytest.raises(InputError, match=r"metric=.*use one of the forms D95%\[Gy\]"):
        parse_metric(text)


def test_values_on_a_uniform_dvh() -> None:
    dvh = uniform_dvh()
    assert evaluate_metric("Dmean[Gy]", dvh).value == pytest.approx(25.0)
    assert evaluate_metric("D95%[Gy]", dvh).value == pytest.approx(2.5)
    assert evaluate_metric("D2cc[Gy]", dvh).value == pytest.approx(49.0)
    assert evaluate_metric("D2cc[cGy]", dvh).value == pytest.approx(4900.0)
    assert evaluate_metric("V20Gy[%]", dvh).value == pytest.approx(60.0)
    assert evaluate_metric("V20.25Gy[cc]", dvh).value == pytest.approx(59.5)  # inside a bin
    assert evaluate_metric("CV15Gy[cc]", dvh).value == pytest.approx(30.0)
    assert evaluate_metric("DC30cc[Gy]", dvh).value == pytest.approx(15.0)
    assert evaluate_metric("gEUD(a=1)[Gy]", dvh).value == pytest.approx(25.0)
    assert evaluate_metric("V95%[%]", dvh, prescription_gy=40.0).value == pytest.approx(24.0)
    assert evaluate_metric("D50%[%]", dvh, prescription_gy=50.0).value == pytest.approx(50.0)


def test_volume_percentage_above_100_is_refused() -> None:
    with pytest.raises(InputError, match="a volume percentage must be <= 100"):
        parse_metric("D120%")


def test_dcc_beyond_the_structure_is_nan_with_a_warning() -> None:
    result = evaluate_metric("D700cc[Gy]", uniform_dvh())
    assert math.isnan(result.value)
    assert "asks for 700 cc but only 100.000 cc" in result.warning


def test_relative_metrics_need_a_prescription() -> None:
    with pytest.raises(InputError, match="relative to the prescription dose"):
        evaluate_metric("V95%[%]", uniform_dvh())
