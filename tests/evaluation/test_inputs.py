"""Input checks of plan evaluation: relative dose, summation, Frames of Reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.core import dose_in_gy
from hccrt.dicom import DoseDistribution
from hccrt.dvh.plan import sum_doses
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.evaluation.inputs import PlanFiles, evaluate_files
from hccrt.geometry.grid import Grid


def relative(values: float = 95.0) -> DoseDistribution:
    grid = Grid.from_spacing((2, 3, 4), (2.0, 2.0, 2.0), (0.0, 0.0, 0.0), "1.2.3")
    return DoseDistribution(grid, np.full(grid.shape, values, np.float32), "PHYSICAL",
                            "RELATIVE", "PLAN")  # fmt: skip


def test_relative_dose_without_prescription_is_refused() -> None:
    with pytest.raises(InputError, match="RELATIVE, so a reference dose is needed"):
        dose_in_gy(relative(), None, "percent", "rd.dcm")
    with pytest.raises(InputError, match="--relative-unit percent"):
        dose_in_gy(relative(), 50.0, None, "rd.dcm")


def test_relative_dose_in_percent_is_converted() -> None:
    converted = dose_in_gy(relative(95.0), 50.0, "percent", "rd.dcm")
    assert converted.is_absolute
    assert float(converted.dose_gy.max()) == pytest.approx(47.5)


def test_summation_on_equal_and_different_grids() -> None:
    first = dose_in_gy(relative(100.0), 2.0, "percent")
    grid, total, warnings = sum_doses([first, first])
    assert grid is first.grid
    assert np.allclose(total, 4.0)
    assert warnings == ()
    shifted_grid = Grid.from_spacing((2, 3, 4), (2.0, 2.0, 2.0), (3.0, 0.0, 0.0), "1.2.3")
    shifted = DoseDistribution(shifted_grid, np.ones(shifted_grid.shape, np.float32),
                               "PHYSICAL", "GY", "PLAN")  # fmt: skip
    _, total, warnings = sum_doses([first, shifted])
    assert total[:, :, 0].tolist() == [[2.0] * 3] * 2  # x = 0 mm lies outside the shifted grid
    assert np.allclose(total[:, :, 2:], 3.0)
    assert "covers only part" in warnings[0]


def test_summation_refuses_another_frame_of_reference() -> None:
    first = dose_in_gy(relative(100.0), 2.0, "percent")
    other_grid = Grid.from_spacing((2, 3, 4), (2.0, 2.0, 2.0), (0.0, 0.0, 0.0), "9.9.9")
    other = DoseDistribution(other_grid, np.ones(other_grid.shape, np.float32), "PHYSICAL",
                             "GY", "PLAN")  # fmt: skip
    with pytest.raises(GeometryMismatchError, match="share one Frame of Reference"):
        sum_doses([first, other])


def test_rtplan_without_frame_of_reference_is_accepted(shared_data: Path) -> None:
    """FrameOfReferenceUID is optional in RTPLAN: the reader warns, evaluation goes on."""
    breast = shared_data / "breast_boost_plan"
    files = PlanFiles(
        breast / "rtss.dcm",
        (breast / "rtdose.dcm",),
        shared_data / "dicom_edge_cases" / "pydicom" / "rtplan.dcm",
    )
    evaluation, _ = evaluate_files(files, fractions=7, prescription_gy=14.0)
    assert evaluation.verdict in {"pass", "fail"}
