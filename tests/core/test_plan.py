"""The plan model refuses what no machine can deliver and keeps what it is given."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.core import Beam, ControlPoint, LeafBank, MlcGeometry, Plan
from hccrt.errors import InputError


def _beam(weights: tuple[float, ...] = (0.0, 1.0), number: int = 1) -> Beam:
    mlc = MlcGeometry("MLCX", np.linspace(-20.0, 20.0, 5))
    leaves = LeafBank(np.array([[-10.0, 10.0]] * 4))
    points = tuple(
        ControlPoint(w, gantry_deg=-30.0, jaw_x_mm=(-10.0, 10.0), leaves=leaves) for w in weights
    )
    return Beam(number, f"B{number}", "LINAC", "6MV", "STATIC", (0.0, 0.0, 0.0), points, 100.0,
                mlc=mlc)  # fmt: skip


def test_a_valid_plan_keeps_its_values() -> None:
    plan = Plan((_beam(), _beam(number=2)), fractions=5, prescription_gy=50.0)
    assert plan.total_monitor_units == pytest.approx(200.0)
    assert plan.beams[0].control_points[0].gantry_deg == pytest.approx(330.0)
    assert not plan.beams[0].is_arc


def test_control_points_must_rise_from_zero_to_one() -> None:
    with pytest.raises(InputError, match="must rise monotonically from 0 to 1"):
        _beam((0.0, 0.7, 0.5, 1.0))


def test_overlapping_leaves_are_refused() -> None:
    with pytest.raises(InputError, match="bank B must not be behind bank A"):
        LeafBank(np.array([[5.0, -5.0]]))


def test_fractions_must_be_an_integer_not_a_boolean() -> None:
    with pytest.raises(InputError, match="fractions=True: must be an integer"):
        Plan((_beam(),), fractions=True)


def test_beam_numbers_are_unique() -> None:
    with pytest.raises(InputError, match="beam numbers must be unique"):
        Plan((_beam(), _beam()), fractions=1)
