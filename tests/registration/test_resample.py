"""Resampling an earlier dose onto the new plan's grid, directly or through a rigid mapping."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.registration.resample import resample_onto


def _grid(frame: str, origin: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Grid:
    return Grid.from_spacing((10, 10, 10), (2.0, 2.0, 2.0), origin, frame)


def test_a_translation_moves_the_dose_by_whole_voxels() -> None:
    values = np.zeros((10, 10, 10), np.float32)
    values[5, 5, 5] = 10.0
    shift = np.eye(4)
    shift[0, 3] = 4.0  # source x + 4 mm = target x: two columns along +i
    out = resample_onto(values, _grid("1.1"), _grid("1.2"), shift)
    assert np.argwhere(out > 5).tolist() == [[5, 5, 7]]
    assert float(out.max()) == pytest.approx(10.0)


def test_same_frame_on_a_finer_grid_interpolates_linearly() -> None:
    values = np.tile(np.arange(10, dtype=np.float32) * 2.0, (10, 10, 1))  # 2 Gy per column
    fine = Grid.from_spacing((1, 1, 3), (2.0, 2.0, 1.0), (4.0, 0.0, 0.0), "1.1")
    out = resample_onto(values, _grid("1.1"), fine)
    np.testing.assert_allclose(out[0, 0], [4.0, 5.0, 6.0], atol=1e-5)  # x = 4, 5, 6 mm


def test_outside_the_source_grid_is_zero_dose() -> None:
    values = np.ones((10, 10, 10), np.float32)
    far = _grid("1.1", (500.0, 0.0, 0.0))
    assert float(resample_onto(values, _grid("1.1"), far).max()) == 0.0


def test_different_frames_need_a_mapping() -> None:
    with pytest.raises(InputError, match="different Frames of Reference and no registration"):
        resample_onto(np.zeros((10, 10, 10)), _grid("1.1"), _grid("1.2"))
    with pytest.raises(InputError, match="shape"):
        resample_onto(np.zeros((3, 3, 3)), _grid("1.1"), _grid("1.1"))
