"""The median of the plane gaps without numpy.median (which imports numpy.ma on first use)."""

from __future__ import annotations

import numpy as np

from hccrt.geometry.contour_planes import median


def test_median_is_numpys() -> None:
    rng = np.random.default_rng(7)
    for size in (1, 2, 3, 10, 11):
        values = rng.uniform(-5.0, 5.0, size)
        assert median(values) == float(np.median(values))


def test_median_of_hand_typed_values() -> None:
    # odd count: the middle value; even count: the mean of the two middle values
    assert median(np.array([3.0, 1.0, 2.0])) == 2.0
    assert median(np.array([2.5, 3.0, 2.5, 10.0])) == 2.75
