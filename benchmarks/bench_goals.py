"""Speed goals that used to be wall-clock asserts in unit tests (issue 14 item 9).

Each goal is timed here on the same input as its functional test (best of 3, this machine):

* 3DCRT on the small water phantom of ``tests/planning/test_plans.py``: goal < 3 s;
* rasterising a ~1500 cc ellipsoid liver on a 2.5 mm grid (``tests/geometry/test_rasterize.py``):
  goal < 1 s;
* the DVH of the same liver contoured every 2.5 mm on a 2.5 mm dose grid
  (``tests/dvh/test_engine.py``): goal < 1 s.

Usage: ``.venv/bin/python benchmarks/bench_goals.py`` (or ``make bench``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def best_of(task: Callable[[], object], repeats: int = 3) -> float:
    """The shortest wall time of ``repeats`` runs (s)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return min(times)


def conformal_phantom() -> Callable[[], object]:
    from hccrt.geometry.grid import Grid
    from hccrt.planning.beams import equispaced_beams
    from hccrt.planning.conformal import plan_conformal
    from hccrt.planning.dij import compute_dose_influence, select_bixels
    from hccrt.planning.mlc import millennium_like_mlc
    from hccrt.planning.objectives import TargetGoal
    from hccrt.planning.problem import PlanningProblem

    grid = Grid.from_spacing((16, 30, 30), (5.0, 5.0, 5.0), (-72.5, -72.5, -37.5), "1.2.3.4")
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    target = (np.abs(xx) <= 12) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    organ = (xx > 17) & (xx < 35) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    body = np.ones(grid.shape, dtype=bool)
    masks = {"PTV": target, "Organ": organ, "BODY": body}
    beams = equispaced_beams(5, (0.0, 0.0, 0.0))
    bixels = select_bixels(beams, grid.index_to_world(np.argwhere(target).astype(float)), 5.0, 12.0)
    density = np.ones(grid.shape, dtype=np.float32)
    dij = compute_dose_influence(density, grid, grid, np.flatnonzero(body.ravel()), beams, bixels)
    problem = PlanningProblem.build(dij, masks, TargetGoal("PTV", 50.0, coverage_pct=95.0), ())
    return lambda: plan_conformal(problem, millennium_like_mlc())


def liver_raster() -> Callable[[], object]:
    sys.path.insert(0, str(ROOT))
    from tests.geometry.shapes import FRAME, ellipsoid_structure

    from hccrt.geometry.grid import Grid
    from hccrt.geometry.rasterize import structure_occupancy

    liver = ellipsoid_structure((90.0, 70.0, 57.0), 2.5, name="Liver")
    grid = Grid.from_spacing((52, 64, 80), (2.5, 2.5, 2.5), (-99, -79, -64), FRAME)
    return lambda: structure_occupancy(liver, grid)


def liver_dvh() -> Callable[[], object]:
    from hccrt.dvh import compute_dvh
    from hccrt.geometry.contours import PlanarContour, StructureContours
    from hccrt.geometry.grid import Grid

    a, b, c = 90.0, 70.0, 57.0
    t = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    contours = []
    for z in np.arange(-c + 1.25, c, 2.5):
        s = np.sqrt(1 - (z / c) ** 2)
        points = np.column_stack([a * s * np.cos(t), b * s * np.sin(t), np.full(180, z)])
        contours.append(PlanarContour(points))
    liver = StructureContours("Liver", 1, "1.2.3.4", tuple(contours))
    grid = Grid.from_spacing((61, 81, 97), (2.5, 2.5, 2.5), (-120.0, -100.0, -75.0), "1.2.3.4")
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    dose = 50.0 * np.exp(-((xx - 30) ** 2 + yy**2 + zz**2) / (2 * 30.0**2))
    return lambda: compute_dvh(liver, dose, grid)


def main() -> None:
    """Time each goal and print a markdown table."""
    print("| task | goal (s) | best of 3 (s) | time / goal |\n|---|---|---|---|")
    for name, goal_s, build in (
        ("3DCRT, water phantom (5 beams)", 3.0, conformal_phantom),
        ("rasterise a 1500 cc liver, 2.5 mm grid", 1.0, liver_raster),
        ("DVH of a 1500 cc liver, 2.5 mm grid", 1.0, liver_dvh),
    ):
        seconds = best_of(build())
        print(f"| {name} | {goal_s:.1f} | {seconds:.2f} | {seconds / goal_s:.2f} |")
    print()


if __name__ == "__main__":
    main()
