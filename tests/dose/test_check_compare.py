"""Gamma (pymedphys) and DVH differences of the dose check, on doses with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.dicom.rtdose import DoseDistribution
from hccrt.dicom.rtstruct import RTStructSet
from hccrt.dose.check import dose_grid_for
from hccrt.dose.check_compare import dvh_differences, gamma_results
from hccrt.errors import InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import Grid
from tests.dicom.factory import circle

FRAME = "1.2.826.0.1.3680043.8.498.5"


def _grid(origin: tuple[float, float, float] = (-20.0, -20.0, -20.0)) -> Grid:
    return Grid.from_spacing((21, 21, 21), (2.0, 2.0, 2.0), origin, FRAME)


def _plateau() -> np.ndarray:
    """1 Gy inside |x|, |y|, |z| <= 10 mm, falling linearly to 0 at 16 mm."""
    axis = np.arange(-20.0, 20.1, 2.0)
    profile = np.clip((16.0 - np.abs(axis)) / 6.0, 0.0, 1.0)
    return profile[:, None, None] * profile[None, :, None] * profile[None, None, :]


def _reference(dose: np.ndarray) -> DoseDistribution:
    return DoseDistribution(_grid(), dose.astype(np.float32), "PHYSICAL", "GY", "PLAN")


@pytest.mark.slow
def test_a_2_5_percent_scaling_passes_3_percent_and_fails_2_percent_in_the_plateau() -> None:
    reference = _plateau()
    three, two = gamma_results(_reference(reference), 1.025 * reference, _grid())
    assert three.pass_rate_percent == 100.0
    # 1.025 x the dose comes within 2 % of the plateau (1 Gy) only where the ramp starts,
    # |coordinate| >= 10.03 mm: the 9^3 plateau points with every |coordinate| <= 8 mm are more
    # than 2 mm from it and fail; all others pass.
    assert two.pass_rate_percent == pytest.approx(100 * (1 - 9**3 / two.evaluated_points))
    assert three.evaluated_points == two.evaluated_points == int(np.sum(reference >= 0.1))
    assert three.normalisation_gy == pytest.approx(1.0)


def test_a_1_mm_shift_passes_both_criteria() -> None:
    reference = _plateau()
    shifted = _grid(origin=(-19.0, -20.0, -20.0))  # the same dose 1 mm to the patient's left
    results = gamma_results(_reference(reference), reference, shifted)
    assert [r.pass_rate_percent for r in results] == [100.0, 100.0]


def _structures() -> RTStructSet:
    contours = tuple(PlanarContour(circle(6.0, z)) for z in np.arange(-6.0, 6.1, 2.0))
    return RTStructSet(
        structures=(StructureContours("CORE", 1, FRAME, contours),),
        frame_of_reference_uid=FRAME,
        referenced_series_uid=None,
        sop_instance_uid="1.2.3",
    )


def test_dvh_differences_of_uniform_doses_are_exact() -> None:
    reference = _reference(np.full((21, 21, 21), 1.9))
    (row,) = dvh_differences(_structures(), reference, np.full((21, 21, 21), 2.0), _grid())
    assert row.name == "CORE"
    assert row.difference_gy["dmean"] == pytest.approx(0.1, abs=1e-6)
    assert row.difference_gy["d95"] == pytest.approx(0.1, abs=0.02)
    assert row.difference_percent["dmean"] == pytest.approx(100 * 0.1 / 1.9, rel=1e-4)


def test_the_dose_grid_covers_the_ct_with_the_given_spacing() -> None:
    ct = Grid.from_spacing((10, 100, 120), (3.0, 1.0, 1.0), (-59.5, -49.5, 0.0), FRAME)
    grid = dose_grid_for(ct, 2.5)
    low, high = ct.bounds_mm()
    assert grid.spacing_mm == (2.5, 2.5, 2.5)
    assert grid.shape == (12, 40, 48)
    assert np.all(grid.bounds_mm()[0] >= low - 1e-9)
    assert np.all(grid.bounds_mm()[1] <= high + 1e-9)
    with pytest.raises(InputError, match=r"--grid-mm=0.5: must be 1-10 mm"):
        dose_grid_for(ct, 0.5)
