"""The numerical thread pools are limited while a kernel runs, and restored after."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from hccrt._threads import one_numerical_thread
from hccrt.dvh import compute_dvh
from hccrt.dvh.structure_samples import default_occupancy
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid


def _sizes() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info()]


def test_the_limit_covers_other_threads_and_nesting_restores_the_pools_at_the_end() -> None:
    before = _sizes()
    seen: list[list[int]] = []
    worker = threading.Thread(target=lambda: seen.append(_sizes()))
    with one_numerical_thread():
        with one_numerical_thread():
            worker.start()
            worker.join()
        seen.append(_sizes())  # the outer block still holds the limit
    assert before
    assert seen == [[1] * len(before)] * 2
    assert _sizes() == before


def test_the_dvh_runs_on_one_thread_and_leaves_the_pools_as_they_were() -> None:
    seen: list[list[int]] = []

    rasterise = default_occupancy()

    def occupancy(structure: StructureContours, grid: Grid, subsamples: int) -> Any:
        seen.append(_sizes())
        return rasterise(structure, grid, subsamples)

    before = _sizes()
    if max(before) == 1:
        pytest.skip("one core: the BLAS pools have nothing to limit")
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    circle = [
        PlanarContour(np.column_stack([10 * np.cos(t), 10 * np.sin(t), np.full_like(t, z)]))
        for z in (-2.0, 0.0, 2.0)
    ]
    grid = Grid.from_spacing((5, 13, 13), (2.0, 2.0, 2.0), (-12.0, -12.0, -4.0), "1.2.3")
    dvh = compute_dvh(
        StructureContours("GTV", 1, "1.2.3", tuple(circle)),
        np.full(grid.shape, 2.0),
        grid,
        occupancy=occupancy,
    )
    assert dvh.dmean_gy == pytest.approx(2.0)
    assert dvh.volume_cc == pytest.approx(np.pi * 10.0**2 * 6.0 / 1000, rel=0.01)
    assert seen
    assert all(size == 1 for sizes in seen for size in sizes)
    assert _sizes() == before
