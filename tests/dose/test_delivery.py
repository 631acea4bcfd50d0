"""Delivery to fluence: analytic fields (open, closed, half-open, sliding window, tongue and
groove), arcs, collimator and couch geometry, and the shared clinical plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.core.plan import Beam, ControlPoint, LeafBank, MlcGeometry, Plan
from hccrt.dicom.rtplan_delivery import read_rtplan_delivery
from hccrt.dose._delivery import beam_fluences, delivery_kind, plan_fluences
from hccrt.dose.fluence import CollimatorParameters
from hccrt.errors import InputError
from hccrt.geometry.beam_axes import beam_axes
from hccrt.planning.beams import Beam as PlanningBeam

MU = 100.0
T_MLC, T_JAW, DLG, TG = 0.015, 0.002, 1.6, 0.8
PARAMS = CollimatorParameters(T_MLC, DLG, TG, T_JAW, "test values")
EDGES = np.arange(-100.0, 100.1, 5.0)  # 40 pairs of 5 mm
MLC = MlcGeometry("MLCX", EDGES, "test")


def _bank(a: float, b: float, pairs: int = 40) -> LeafBank:
    return LeafBank(np.column_stack([np.full(pairs, a), np.full(pairs, b)]))


def _beam(points: list[ControlPoint], mlc: MlcGeometry | None = MLC, **kw: object) -> Beam:
    return Beam(
        number=1,
        name="B",
        machine="M",
        energy="6MV",
        beam_type="DYNAMIC" if kw.pop("dynamic", False) else "STATIC",
        isocenter_mm=(0.0, 0.0, 0.0),
        control_points=tuple(points),
        monitor_units=MU,
        mlc=mlc,
    )


def _static(leaves: LeafBank | None, x=(-50.0, 50.0), y=(-50.0, 50.0), **angles: float) -> Beam:
    points = [
        ControlPoint(
            w,
            angles.get("gantry", 0.0),
            angles.get("collimator", 0.0),
            angles.get("couch", 0.0),
            jaw_x_mm=x,
            jaw_y_mm=y,
            leaves=leaves,
        )
        for w in (0.0, 1.0)
    ]
    return _beam(points, mlc=MLC if leaves is not None else None)


def _at(fluence, u: float, v: float) -> float:
    return float(
        fluence.fluence_mu[np.argmin(abs(fluence.v_mm - v)), np.argmin(abs(fluence.u_mm - u))]
    )


def test_open_field_holds_the_mu_inside_and_the_transmissions_outside() -> None:
    (f,) = beam_fluences(_static(_bank(-70, 70), x=(-50, 50), y=(-50, 50)), PARAMS, pixel_mm=1.0)
    assert f.monitor_units == MU
    assert _at(f, 0.0, 2.5) == pytest.approx(MU)
    assert _at(f, 55.0, 2.5) == pytest.approx(MU * T_JAW)  # outside the X jaw, leaves open
    narrow = beam_fluences(_static(_bank(-30, 30), x=(-50, 50)), PARAMS)[0]
    assert _at(narrow, 40.0, 2.5) == pytest.approx(MU * T_MLC)  # under the leaves only
    assert _at(narrow, 55.0, 2.5) == pytest.approx(MU * T_MLC * T_JAW)  # under both
    assert f.u_mm[0] <= -60  # jaws plus the 10 mm margin
    assert f.u_mm[-1] >= 60


def test_without_mlc_the_open_area_is_the_jaw_rectangle() -> None:
    (f,) = beam_fluences(_static(None, x=(-50, 50), y=(-20, 30)), PARAMS, pixel_mm=0.5)
    open_area = (f.fluence_mu - MU * T_JAW).sum() / (MU * (1 - T_JAW)) * 0.25
    assert open_area == pytest.approx(100.0 * 50.0, rel=1e-9)


def test_a_closed_pair_transmits_only() -> None:
    leaves = np.column_stack([np.full(40, -70.0), np.full(40, 70.0)])
    leaves[20] = (10.0, 10.0)  # pair 21 spans v = 0-5 mm
    (f,) = beam_fluences(_static(LeafBank(leaves)), PARAMS, pixel_mm=0.5)
    assert _at(f, 0.0, 2.5) == pytest.approx(MU * T_MLC)
    assert _at(f, 0.0, 7.5) == pytest.approx(MU)


def test_a_half_open_pair_is_wider_by_the_dosimetric_leaf_gap() -> None:
    leaves = np.column_stack([np.full(40, -70.0), np.full(40, 70.0)])
    leaves[20] = (0.0, 40.0)
    (f,) = beam_fluences(_static(LeafBank(leaves)), PARAMS, pixel_mm=0.5)
    row = f.fluence_mu[np.argmin(abs(f.v_mm - 2.5))]
    width = (row - MU * T_MLC).clip(0).sum() * 0.5 / (MU * (1 - T_MLC))
    assert width == pytest.approx(40.0 + DLG, abs=1e-6)
    # The 50 % point of the bank-A edge sits DLG/2 behind the nominal leaf tip.
    half = (1 + T_MLC) / 2 * MU
    u = f.u_mm
    crossing = np.interp(half, row[(u > -10) & (u < 10)], u[(u > -10) & (u < 10)])
    assert crossing == pytest.approx(-DLG / 2, abs=0.26)


def test_tongue_and_groove_removes_the_strip_where_only_one_pair_is_open() -> None:
    leaves = np.column_stack([np.full(40, -70.0), np.full(40, 70.0)])
    leaves[20], leaves[21] = (0.0, 50.0), (25.0, 75.0)
    total = {}
    for tongue in (0.0, TG):
        params = CollimatorParameters(T_MLC, 0.0, tongue, T_JAW, "t")
        (f,) = beam_fluences(_static(LeafBank(leaves), x=(-80, 80)), params, pixel_mm=0.5)
        total[tongue] = f.fluence_mu.sum() * 0.25
    # Each strip (TG wide) keeps only the overlap of its two pairs' openings: against the
    # 140 mm neighbours [-70, 70], pair 21 [0, 50] loses (140 + 50)/2 - 50 = 45 mm of length,
    # the pair-21/22 strip (50 + 50)/2 - 25 = 25 mm, pair 22 [25, 75] (140 + 50)/2 - 45 = 50 mm.
    lost_mm2 = TG * (45.0 + 25.0 + 50.0)
    assert total[0.0] - total[TG] == pytest.approx(MU * (1 - T_MLC) * lost_mm2, rel=1e-6)


def test_a_sliding_window_gives_the_gap_over_the_travel() -> None:
    gap = 10.0
    points = [
        ControlPoint(w, 0.0, jaw_x_mm=(-80, 80), jaw_y_mm=(-20, 20), leaves=_bank(s, s + gap))
        for w, s in ((0.0, -60.0), (1.0, 40.0))
    ]
    (f,) = beam_fluences(_beam(points, dynamic=True), PARAMS, pixel_mm=0.5)
    fraction = (gap + DLG) / 100.0  # the leaves travel 100 mm
    assert _at(f, 0.25, 2.5) == pytest.approx(MU * (T_MLC + (1 - T_MLC) * fraction), rel=2e-3)


def test_step_and_shoot_segments_add_with_their_weights() -> None:
    points = [
        ControlPoint(0.0, 0.0, jaw_x_mm=(-50, 50), jaw_y_mm=(-50, 50), leaves=_bank(-40, 0)),
        ControlPoint(0.3, 0.0, jaw_x_mm=(-50, 50), jaw_y_mm=(-50, 50), leaves=_bank(-40, 0)),
        ControlPoint(0.3, 0.0, jaw_x_mm=(-50, 50), jaw_y_mm=(-50, 50), leaves=_bank(0, 40)),
        ControlPoint(1.0, 0.0, jaw_x_mm=(-50, 50), jaw_y_mm=(-50, 50), leaves=_bank(0, 40)),
    ]
    (f,) = beam_fluences(_beam(points), PARAMS, pixel_mm=0.5)
    assert _at(f, -20.0, 2.5) == pytest.approx(MU * (0.3 + 0.7 * T_MLC))
    assert _at(f, 20.0, 2.5) == pytest.approx(MU * (0.7 + 0.3 * T_MLC))


def test_an_arc_is_sampled_every_two_degrees_and_its_mu_add_up() -> None:
    gantries = np.arange(181.0, 181.0 + 361.0, 10.0) % 360.0  # a full CW arc in 36 intervals
    points = [
        ControlPoint(
            k / 36,
            g,
            gantry_rotation="CW" if k < 36 else "NONE",
            jaw_x_mm=(-30, 30),
            jaw_y_mm=(-30, 30),
            leaves=_bank(-20, 20),
        )
        for k, g in enumerate(gantries)
    ]
    samples = beam_fluences(_beam(points, dynamic=True), PARAMS)
    assert len(samples) == 36 * 5
    assert sum(s.monitor_units for s in samples) == pytest.approx(MU)
    angles = np.array([float(s.name.split("@")[1]) for s in samples])
    assert np.diff(np.unwrap(np.deg2rad(angles))) == pytest.approx(np.deg2rad(2.0))
    assert samples[0].name == "B @ 182.0"
    assert samples[0].axes == pytest.approx(beam_axes(182.0))


def test_a_counter_clockwise_arc_runs_down() -> None:
    points = [
        ControlPoint(0.0, 10.0, gantry_rotation="CC", jaw_x_mm=(-30, 30), jaw_y_mm=(-30, 30)),
        ControlPoint(1.0, 354.0, jaw_x_mm=(-30, 30), jaw_y_mm=(-30, 30)),
    ]
    samples = beam_fluences(_beam(points, mlc=None, dynamic=True), PARAMS)
    expected = [9.0, 7.0, 5.0, 3.0, 1.0, 359.0, 357.0, 355.0]
    assert [s.name for s in samples] == [f"B @ {g:.1f}" for g in expected]


def test_collimator_90_turns_the_field_in_the_patient() -> None:
    (f,) = beam_fluences(_static(None, x=(-50, 50), y=(-20, 20), collimator=90.0), PARAMS)
    vv, uu = np.meshgrid(f.v_mm, f.u_mm, indexing="ij")
    inside = f.fluence_mu > MU / 2
    points = uu[inside, None] * f.axes[0] + vv[inside, None] * f.axes[1]
    extent = points.max(axis=0) - points.min(axis=0)
    # Gantry 0: X jaws now run along the patient's superior axis, Y jaws along left-right.
    assert extent[2] == pytest.approx(99.0, abs=1.01)
    assert extent[0] == pytest.approx(39.0, abs=1.01)


@pytest.mark.parametrize("gantry", [0.0, 45.0, 90.0, 135.0, 180.0, 270.0, 333.0])
def test_collimator_0_axes_match_the_planner(gantry: float) -> None:
    assert beam_axes(gantry) == pytest.approx(PlanningBeam(gantry, (0, 0, 0)).axes, abs=1e-12)


def test_axes_follow_iec_61217_for_collimator_and_couch() -> None:
    # Collimator 90 at gantry 0: BLD X turns counter-clockwise seen from the source, to +Y (sup).
    assert beam_axes(0.0, 90.0)[0] == pytest.approx([0, 0, 1], abs=1e-12)
    # Couch 90 (counter-clockwise from above) swings the feet to the room's +X, where the
    # gantry-90 source is: the beam then enters from the patient's feet.
    assert beam_axes(90.0, 0.0, 90.0)[2] == pytest.approx([0, 0, -1], abs=1e-12)
    # The couch turns about the vertical: a vertical beam stays vertical.
    assert beam_axes(0.0, 0.0, 90.0)[2] == pytest.approx([0, -1, 0], abs=1e-12)


def test_mlcy_fields_turn_with_the_leaves() -> None:
    mlc = MlcGeometry("MLCY", EDGES, "y")
    leaves = np.column_stack([np.full(40, -30.0), np.full(40, 10.0)])
    points = [
        ControlPoint(w, 0.0, jaw_x_mm=(-50, 50), jaw_y_mm=(-50, 50), leaves=LeafBank(leaves))
        for w in (0.0, 1.0)
    ]
    (f,) = beam_fluences(_beam(points, mlc=mlc), PARAMS, pixel_mm=0.5)
    assert _at(f, 2.5, -20.0) == pytest.approx(MU)  # leaves travel along v
    assert _at(f, 2.5, 30.0) == pytest.approx(MU * T_MLC)


def test_plan_fluences_pick_parameters_per_beam_and_keep_the_mu() -> None:
    plan = Plan(beams=(_static(_bank(-20, 20)),), fractions=5)
    chosen: list[str] = []

    def pick(beam: Beam) -> CollimatorParameters:
        chosen.append(beam.energy)
        return PARAMS

    (f,) = plan_fluences(plan, pick)
    assert chosen == ["6MV"]
    assert f.monitor_units == MU


def test_bad_sampling_is_refused() -> None:
    with pytest.raises(InputError, match=r"arc_step_deg=3.0: must be 0.1-2 degrees"):
        beam_fluences(_static(None), PARAMS, arc_step_deg=3.0)
    with pytest.raises(InputError, match=r"pixel_mm=0.1: must be 0.25-5 mm"):
        beam_fluences(_static(None), PARAMS, pixel_mm=0.1)


def test_the_breast_plan_fluences_carry_the_plan_mu(shared_data: Path) -> None:
    read = read_rtplan_delivery(shared_data / "breast_boost_plan" / "rtplan.dcm")
    fluences = plan_fluences(read.plan, PARAMS)
    assert [f.monitor_units for f in fluences] == [97.0, 87.0, 89.0, 94.0]
    for fluence in fluences:
        # A sliding window delivers less than its MU anywhere, more than the leakage inside.
        assert fluence.fluence_mu.max() < fluence.monitor_units
        assert fluence.fluence_mu.max() > 0.5 * fluence.monitor_units


def test_delivery_kinds() -> None:
    jaws = {"jaw_x_mm": (-50.0, 50.0), "jaw_y_mm": (-50.0, 50.0)}
    assert delivery_kind(_static(None)) == "open field"
    assert delivery_kind(_static(_bank(-20, 20))) == "MLC field"
    steps = [
        ControlPoint(w, 0.0, leaves=_bank(a, a + 20), **jaws)
        for w, a in ((0.0, -20), (0.5, -20), (0.5, 0), (1.0, 0))
    ]
    assert delivery_kind(_beam(steps)) == "step-and-shoot"
    sweep = [ControlPoint(w, 0.0, leaves=_bank(a, a + 20), **jaws) for w, a in ((0, -20), (1, 0))]
    assert delivery_kind(_beam(sweep, dynamic=True)) == "sliding window"
    arc = [
        ControlPoint(0.0, 0.0, gantry_rotation="CW", **jaws),
        ControlPoint(1.0, 10.0, **jaws),
    ]
    assert delivery_kind(_beam(arc, mlc=None, dynamic=True)) == "arc"
