"""Cumulative normal-liver EQD2 (clinical-facts §3.1, EQD2 = D·(d + α/β)/(2 + α/β))."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.radiobiology.cumulative import (
    CourseLiverDose,
    cumulative_eqd2_array,
    mean_dose_eqd2_gy,
    sum_course_eqd2_gy,
)


def test_mean_dose_eqd2_matches_hand_values() -> None:
    assert mean_dose_eqd2_gy(14.0, 25, 8.0) == pytest.approx(14.0 * 8.56 / 10.0)
    assert mean_dose_eqd2_gy(10.0, 5, 3.0) == pytest.approx(10.0)  # 2 Gy per fraction
    assert mean_dose_eqd2_gy(0.0, 5, 8.0) == 0.0


def test_voxel_sum_of_two_courses_matches_hand_values() -> None:
    # 50 Gy/25 at α/β 3: 50; 30 Gy/5 (d = 6): 30 × 9/5 = 54 -> 104 Gy; 0 Gy voxels stay 0
    total = cumulative_eqd2_array([(np.array([50.0, 0.0]), 25), (np.array([30.0, 0.0]), 5)], 3.0)
    np.testing.assert_allclose(total, [104.0, 0.0])


def test_the_mean_of_the_voxel_eqd2_is_never_below_the_eqd2_of_the_mean() -> None:
    # Jensen: the mean-dose approximation is a lower bound (label COURSE-CUM-MEAN)
    rng = np.random.default_rng(16)
    dose = rng.uniform(0.0, 40.0, 10_000)
    voxel_mean = float(cumulative_eqd2_array([(dose, 5)], 8.0).mean())
    assert voxel_mean >= mean_dose_eqd2_gy(float(dose.mean()), 5, 8.0)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="grid shape"):
        cumulative_eqd2_array([(np.zeros(3), 5), (np.zeros(4), 5)], 8.0)
    with pytest.raises(InputError, match="no course given"):
        cumulative_eqd2_array([], 8.0)
    with pytest.raises(InputError, match="mean_dose_gy"):
        mean_dose_eqd2_gy(-1.0, 5, 8.0)
    with pytest.raises(InputError, match="method"):
        CourseLiverDose("x", 5, 1.0, 1.0, "guess", 8.0)


def test_courses_with_different_alpha_beta_are_not_added() -> None:
    a = CourseLiverDose("a", 5, 10.0, 12.0, "mean_dose", 8.0)
    b = CourseLiverDose("b", 25, 10.0, 9.0, "voxel", 3.0)
    assert sum_course_eqd2_gy([a, a]) == pytest.approx(24.0)
    with pytest.raises(InputError, match="different α/β"):
        sum_course_eqd2_gy([a, b])
