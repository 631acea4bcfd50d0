"""plane_fractions (all planes at once) against plane_fraction (one call per plane)."""

from __future__ import annotations

import numpy as np

from hccrt.geometry.polygon_fill import plane_fraction, plane_fractions


def _ring(centre: tuple[float, float], radius: float, points: int, phase: float) -> np.ndarray:
    angle = phase + np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
    return np.column_stack([centre[0] + radius * np.sin(angle), centre[1] + radius * np.cos(angle)])


def test_all_planes_at_once_are_bit_identical_to_one_call_per_plane() -> None:
    rng = np.random.default_rng(7)
    planes: list[tuple[np.ndarray, ...]] = []
    for n in range(12):
        outer = _ring((20.0 + rng.uniform(-2, 2), 15.0), 3.0 + n, 40 + n, rng.uniform(0, 1))
        hole = _ring((20.0, 15.0), 1.0 + 0.3 * n, 17, 0.3)
        island = _ring((5.0, 5.0), 1.5, 9, 0.1)
        planes.append((outer, hole, island) if n % 3 == 0 else (outer,) if n % 3 else (island,))
    planes.append((_ring((-50.0, -50.0), 2.0, 8, 0.0),))  # outside the grid: None
    planes.append((_ring((30.0, 1.0), 30.0, 64, 0.2),))  # clipped by the grid edge
    for subsamples in (1, 4, 8):
        batched = plane_fractions(planes, 40, 35, subsamples)
        single = [plane_fraction(p, 40, 35, subsamples) for p in planes]
        assert len(batched) == len(single)
        for got, expected in zip(batched, single, strict=True):
            if expected is None:
                assert got is None
                continue
            assert got is not None
            assert got[0] == expected[0]
            assert got[1].dtype == np.float32
            assert got[1].tobytes() == expected[1].tobytes()
