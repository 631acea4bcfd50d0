"""DVH engine against analytic answers (linear dose in a box) and the bad-input cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hccrt.dvh.engine import compute_dvh, union_dvh
from hccrt.dvh.sampling import DvhSettings
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid
from tests.dvh.helpers import box_structure, linear_dose

FAST = DvhSettings(target_pixels=100_000)


def test_box_in_si_gradient_matches_analytic_dvh() -> None:
    # Box 20 x 20 mm, planes z = 0..10 mm every 2 mm -> with end caps z in [-1, 11] mm.
    dose, grid = linear_dose((0.0, 0.0, 1.0), offset_gy=40.0)
    dvh = compute_dvh(box_structure(), dose, grid, settings=FAST)
    assert dvh.volume_cc == pytest.approx(4.8, rel=3e-3)
    assert dvh.dmean_gy == pytest.approx(45.0, rel=1e-4)
    assert dvh.dmin_gy == pytest.approx(39.0, abs=1e-4)
    assert dvh.dmax_gy == pytest.approx(51.0, abs=1e-4)
    # D95% lies 5 % of the 12 mm height above the bottom: 39 + 0.6 Gy.
    assert dvh.dose_at_percent(95) == pytest.approx(39.6, abs=0.01)
    assert dvh.dose_at_percent(50) == pytest.approx(45.0, abs=0.01)
    assert dvh.volume_at_least_cc(45.0) == pytest.approx(2.4, rel=2e-3)
    assert dvh.volume_below_cc(42.0) == pytest.approx(4.8 * 3 / 12, rel=2e-3)
    assert dvh.uncovered_volume_cc == 0.0
    assert dvh.warnings == ()


def test_box_in_ap_gradient_matches_analytic_dvh() -> None:
    dose, grid = linear_dose((0.0, 0.5, 0.0), offset_gy=20.0)
    dvh = compute_dvh(box_structure(), dose, grid, settings=FAST)
    assert dvh.dmean_gy == pytest.approx(20.0, rel=1e-3)
    assert dvh.dmin_gy == pytest.approx(15.0, abs=1e-4)
    assert dvh.dmax_gy == pytest.approx(25.0, abs=1e-4)
    assert dvh.dose_at_percent(99) == pytest.approx(15.1, abs=0.03)
    assert dvh.dose_at_volume_cc(0.048) == pytest.approx(24.9, abs=0.03)


def test_dcc_beyond_the_structure_is_nan() -> None:
    dose, grid = linear_dose((0.0, 0.0, 1.0), offset_gy=40.0)
    dvh = compute_dvh(box_structure(), dose, grid, settings=FAST)
    assert math.isnan(dvh.dose_at_volume_cc(10.0))


def test_structure_partly_outside_the_dose_grid_is_flagged() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.0), offset_gy=5.0, half_extent_mm=10.0)
    # Grid covers x in [-11, 11]; the box spans x in [0, 20] -> 9 of 20 mm outside.
    dvh = compute_dvh(box_structure(x=(0.0, 20.0), planes_mm=(0.0, 2.0)), dose, grid, settings=FAST)
    # Box 20 x 20 x 4 mm (two planes with end caps) = 1.6 cc; 9/20 of it uncovered.
    assert dvh.uncovered_volume_cc == pytest.approx(1.6 * 9 / 20, rel=0.02)
    assert dvh.covered_volume_cc == pytest.approx(dvh.volume_cc * 11 / 20, rel=0.02)
    assert "outside the dose grid" in dvh.warnings[0]
    assert dvh.dmean_gy == pytest.approx(5.0)


def test_structure_entirely_outside_gives_nan_and_warning() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.0), half_extent_mm=10.0)
    dvh = compute_dvh(box_structure(x=(50.0, 60.0)), dose, grid, settings=FAST)
    assert dvh.is_empty
    assert math.isnan(dvh.dmean_gy)
    assert any("no part" in w for w in dvh.warnings)


def test_different_frames_of_reference_are_refused() -> None:
    dose, grid = linear_dose((0.0, 0.0, 1.0), offset_gy=40.0)
    with pytest.raises(GeometryMismatchError, match="share one Frame of Reference"):
        compute_dvh(box_structure(uid="9.9.9"), dose, grid, settings=FAST)


def test_empty_roi_is_refused_with_its_name() -> None:
    dose, grid = linear_dose((0.0, 0.0, 1.0), offset_gy=40.0)
    with pytest.raises(InputError, match=r"'Empty'.*no closed contour"):
        compute_dvh(StructureContours("Empty", 3, "1.2.3.4"), dose, grid, settings=FAST)


def test_wrong_dose_shape_is_refused() -> None:
    dose, grid = linear_dose((0.0, 0.0, 1.0), offset_gy=40.0)
    with pytest.raises(InputError, match="array shape must equal the grid shape"):
        compute_dvh(box_structure(), dose[:-1], grid)


def test_subtraction_removes_the_inner_structure() -> None:
    dose, grid = linear_dose((0.0, 0.0, 0.0), offset_gy=3.0)
    outer = box_structure("Liver")
    inner = box_structure("GTV", x=(-5.0, 5.0), y=(-5.0, 5.0), number=2)
    dvh = compute_dvh(outer, dose, grid, subtract=[inner], settings=FAST)
    assert dvh.name == "Liver-GTV"
    assert dvh.volume_cc == pytest.approx(4.8 * 0.75, rel=3e-3)


def test_union_of_disjoint_structures_adds_volumes() -> None:
    dose, grid = linear_dose((1.0, 0.0, 0.0), offset_gy=30.0)
    left = compute_dvh(box_structure("L", x=(-25.0, -15.0)), dose, grid, settings=FAST)
    right = compute_dvh(box_structure("R", x=(15.0, 25.0)), dose, grid, settings=FAST)
    both = union_dvh("Kidneys", [left, right])
    assert both.volume_cc == pytest.approx(left.volume_cc + right.volume_cc)
    assert both.dmean_gy == pytest.approx(30.0, rel=1e-3)
    assert both.volume_at_least_cc(30.0) == pytest.approx(right.volume_cc, rel=1e-3)


def test_1500cc_liver_on_a_2_5mm_grid() -> None:
    # Ellipsoid 90 x 70 x 57 mm semi-axes (1504 cc) contoured every 2.5 mm; speed goal (< 1 s):
    # benchmarks/bench_goals.py.
    a, b, c = 90.0, 70.0, 57.0
    t = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    contours = []
    for z in np.arange(-c + 1.25, c, 2.5):
        s = np.sqrt(1 - (z / c) ** 2)
        contours.append(
            PlanarContour(np.column_stack([a * s * np.cos(t), b * s * np.sin(t), np.full(180, z)]))
        )
    liver = StructureContours("Liver", 1, "1.2.3.4", tuple(contours))
    grid = Grid.from_spacing((61, 81, 97), (2.5, 2.5, 2.5), (-120.0, -100.0, -75.0), "1.2.3.4")
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    dose = 50.0 * np.exp(-((xx - 30) ** 2 + yy**2 + zz**2) / (2 * 30.0**2))
    dvh = compute_dvh(liver, dose, grid)
    assert dvh.volume_cc == pytest.approx(4 / 3 * np.pi * a * b * c / 1000, rel=0.01)
