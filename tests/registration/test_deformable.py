"""Deformable registration input checks (the full run is measured in benchmarks/)."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.registration.deformable import register_deformable


def _series(slices: int, frame: str) -> CTSeries:
    grid = Grid.from_spacing((slices, 16, 16), (4.0, 2.0, 2.0), (0.0, 0.0, 0.0), frame)
    return CTSeries(
        grid,
        np.zeros(grid.shape, np.float32),
        f"1.2.5.{slices}",
        "1.2.5.0",
        tuple(f"1.2.5.{slices}.{k}" for k in range(slices)),
    )


def test_a_single_slice_image_is_refused_before_registering() -> None:
    with pytest.raises(InputError, match=r"--moving=1\.2\.5\.1: has 1 slice\(s\); a deformable"):
        register_deformable(_series(20, "ct"), _series(1, "mr"))
