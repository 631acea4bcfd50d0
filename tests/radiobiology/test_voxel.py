"""Voxel-wise BED/EQD2 of a physical dose array."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.radiobiology import (
    LqlParameters,
    UscParameters,
    bed_lq,
    dose_array_to_bed,
    dose_array_to_eqd2,
    dose_array_to_eqd_x,
    eqd2_lq,
    eqd_x,
)


@pytest.fixture
def dose() -> np.ndarray:
    rng = np.random.default_rng(20261121)
    return (rng.random((7, 33, 29)) * 60.0).astype(np.float32)


def test_float32_stays_float32_and_matches_scalar_formula(dose: np.ndarray) -> None:
    original = dose.copy()
    eqd2 = dose_array_to_eqd2(dose, 5, 3.0)
    bed = dose_array_to_bed(dose, 5, 3.0)
    assert eqd2.dtype == np.float32
    assert bed.dtype == np.float32
    assert eqd2.shape == dose.shape
    np.testing.assert_array_equal(dose, original)  # input untouched
    for index in [(0, 0, 0), (3, 17, 5), (6, 32, 28)]:
        total = float(dose[index])
        assert eqd2[index] == pytest.approx(eqd2_lq(total / 5, 5, 3.0), rel=1e-5)
        assert bed[index] == pytest.approx(bed_lq(total / 5, 5, 3.0), rel=1e-5)


def test_eqdx_and_float64_and_integer_input() -> None:
    dose = np.array([[0.0, 10.0], [45.0, 60.0]])
    out = dose_array_to_eqd_x(dose, 3, 10.0, 1.5)
    assert out.dtype == np.float64
    assert out[1, 1] == pytest.approx(eqd_x(20.0, 3, 10.0, 1.5))
    ints = dose_array_to_eqd2(np.array([50, 60]), 25, 10.0)
    assert ints.dtype == np.float64
    assert ints[0] == pytest.approx(50.0)


def test_eqd2_of_2_gy_per_fraction_voxels_is_physical(dose: np.ndarray) -> None:
    flat = np.full((5, 5), 50.0, dtype=np.float32)
    np.testing.assert_allclose(dose_array_to_eqd2(flat, 25, 2.5), flat, rtol=1e-6)


def test_large_array_crosses_block_boundaries() -> None:
    dose = np.linspace(0.0, 70.0, 200_003, dtype=np.float32).reshape(-1)
    out = dose_array_to_eqd2(dose, 5, 10.0)
    expected = dose.astype(np.float64) * (dose / 5.0 + 10.0) / 12.0
    np.testing.assert_allclose(out, expected, rtol=2e-6)


def test_non_contiguous_view_is_handled() -> None:
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    view = base[:, ::2]
    np.testing.assert_allclose(dose_array_to_bed(view, 1, 10.0), view * (1 + view / 10.0))


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.nan, r"dose_gy=nan: contains NaN or infinity \(first at flat index 70000\)"),
        (-1.0, r"dose_gy=-1.0: must be >= 0 Gy everywhere \(first negative at flat index 70000\)"),
    ],
)
def test_bad_voxels_are_reported_with_index(bad: float, match: str) -> None:
    dose = np.ones(100_000, dtype=np.float32)
    dose[70_000] = bad
    with pytest.raises(InputError, match=match):
        dose_array_to_eqd2(dose, 5, 10.0)


def test_bad_parameters() -> None:
    with pytest.raises(InputError, match=r"fractions=0"):
        dose_array_to_eqd2(np.ones(3), 0, 10.0)
    with pytest.raises(InputError, match=r"alpha_beta_gy=0.0: must be > 0"):
        dose_array_to_bed(np.ones(3), 5, 0.0)
    with pytest.raises(InputError, match=r"dose_gy=<U1: must be a real numeric array"):
        dose_array_to_bed(np.array(["a"]), 5, 3.0)


@pytest.mark.parametrize(
    "model",
    [LqlParameters(10.0, 6.0), UscParameters.from_alpha_beta(10.0, 1.25, 1.8)],
    ids=["lq-l", "usc"],
)
def test_high_dose_models_voxelwise_match_scalar(model: LqlParameters | UscParameters) -> None:
    dose = np.array([0.0, 10.0, 18.0, 30.0, 60.0, 75.0], dtype=np.float32)  # in 3 fractions
    bed = dose_array_to_bed(dose, 3, 10.0, high_dose_model=model)
    eqd2 = dose_array_to_eqd2(dose, 3, 10.0, high_dose_model=model)
    assert bed.dtype == np.float32
    for total, value, value2 in zip(dose, bed, eqd2, strict=True):
        expected = 3 * model.bed_per_fraction_gy(float(total) / 3)
        assert value == pytest.approx(expected, rel=1e-5)
        assert value2 == pytest.approx(expected / 1.2, rel=1e-5)
    # below the transition the model equals LQ exactly
    assert bed[1] == pytest.approx(dose_array_to_bed(dose, 3, 10.0)[1], rel=1e-6)


def test_high_dose_model_blocks_and_consistency_checks() -> None:
    dose = np.linspace(0.0, 90.0, 150_001)
    model = LqlParameters(3.0, 6.0)
    out = dose_array_to_eqd_x(dose, 3, 3.0, 2.0, high_dose_model=model)
    per_fraction = dose / 3
    expected = np.where(
        per_fraction <= 6.0,
        dose * (1 + per_fraction / 3.0),
        3 * (6.0 * (1 + 6.0 / 3.0) + (per_fraction - 6.0) * (1 + 12.0 / 3.0)),
    ) / (1 + 2.0 / 3.0)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    with pytest.raises(InputError, match=r"high_dose_model=LqlParameters: α/β 3 Gy differs"):
        dose_array_to_bed(dose, 3, 10.0, high_dose_model=model)
    with pytest.raises(InputError, match=r"reference_dose_per_fraction_gy=8.0: must not exceed"):
        dose_array_to_eqd_x(dose, 3, 3.0, 8.0, high_dose_model=model)


@pytest.mark.parametrize("model", [None, LqlParameters(10.0, 6.0)], ids=["lq", "lq-l"])
def test_infinite_dose_is_rejected_not_propagated(model: LqlParameters | None) -> None:
    dose = np.ones(70_000, dtype=np.float32)
    dose[68_000] = np.inf
    with pytest.raises(
        InputError, match=r"dose_gy=inf: contains NaN or infinity \(first at flat index 68000\)"
    ):
        dose_array_to_eqd2(dose, 5, 10.0, high_dose_model=model)
