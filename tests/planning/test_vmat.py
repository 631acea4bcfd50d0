"""VMAT: arcs, sample beams, arc sequencing and the machine limits, on a small water phantom."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.bixels import Bixels
from hccrt.planning.dij import compute_dose_influence, select_bixels
from hccrt.planning.imrt import optimise_imrt
from hccrt.planning.mlc import (
    Aperture,
    elekta_mlci2_like_mlc,
    millennium_like_mlc,
    open_fractions,
)
from hccrt.planning.objectives import DoseConstraint, TargetGoal
from hccrt.planning.problem import PlanningProblem
from hccrt.planning.vmat import (
    Arc,
    ArcMachine,
    _limit_travel,
    _sweep,
    arc_samples,
    default_arcs,
    sequence_arcs,
)
from tests.planning.synthetic_case import water_box_with_organ

FRACTIONS = 5
SMOOTHNESS_WEIGHT = 0.05
"""Tuned on this phantom (``FLUENCE_SMOOTHNESS_WEIGHT`` is off by default)."""


def test_control_points_are_equally_spaced_within_the_spacing() -> None:
    arc = Arc(181.0, 179.0, "CW", control_point_spacing_deg=4.0)
    angles = arc.control_point_angles()
    assert arc.length_deg == pytest.approx(358.0)
    assert angles[0] == pytest.approx(181.0)
    assert angles[-1] == pytest.approx(179.0)
    steps = (np.diff(angles)) % 360.0
    assert np.all(steps <= 4.0 + 1e-9)
    assert angles.size == 91  # ceil(358 / 4) = 90 intervals
    back = Arc(179.0, 181.0, "CC", control_point_spacing_deg=2.0).control_point_angles()
    assert back[1] == pytest.approx(177.0)  # CC: falling angle
    assert back.size == 180


@pytest.mark.parametrize("spacing", [0.5, 10.5, float("nan")])
def test_a_control_point_spacing_outside_1_to_10_deg_is_refused(spacing: float) -> None:
    with pytest.raises(InputError, match=r"control_point_spacing_deg.*must be 1-10 degrees"):
        Arc(181.0, 179.0, "CW", control_point_spacing_deg=spacing)


def test_an_arc_of_zero_length_is_refused() -> None:
    with pytest.raises(InputError, match=r"arc.*has zero length \(start equals stop\)"):
        Arc(90.0, 90.0, "CC")


def test_bad_rotation_and_machine_limits_are_refused() -> None:
    with pytest.raises(InputError, match=r"rotation.*must be CW or CC"):
        Arc(0.0, 90.0, "NONE")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"max_leaf_speed_mm_s.*must be 1-100"):
        ArcMachine(max_leaf_speed_mm_s=0.0)
    with pytest.raises(InputError, match=r"arcs.*must be 1 or 2 default arcs"):
        default_arcs(3)


def test_two_full_arcs_share_their_sample_beams() -> None:
    arcs = default_arcs(2)
    samples = arc_samples(arcs, (0.0, 0.0, 0.0), 20.0)
    assert len(samples.beams) == 18  # 360 / 20: both arcs (same couch/collimator) share them
    for arc, index in zip(arcs, samples.sample_of_point, strict=True):
        gantry = np.array([samples.beams[i].gantry_deg for i in index])
        miss = np.abs((arc.control_point_angles() - gantry + 180.0) % 360.0 - 180.0)
        assert miss.max() <= 10.0 + 1e-9  # each control point within half a sample spacing


def test_the_sweep_delivers_the_quantised_fluence_with_leaves_moving_one_way() -> None:
    mlc = millennium_like_mlc()
    # one 5 mm leaf pair (row centred at v = 2.5 mm), a two-peak profile 1 2 0 3 1 (MU)
    u = np.array([-10.0, -5.0, 0.0, 5.0, 10.0]) + 2.5
    v = np.full(5, 2.5)
    w = np.array([1.0, 2.0, 0.0, 3.0, 1.0])
    # total rises 1 + 1 + 3 = 5: five control points, one opening of 1 MU each
    pair = mlc.pair_of(np.array([2.5]))[0]
    leaves = _sweep(mlc, u, v, w, 5.0, 5)
    path = leaves[:, pair]
    assert np.all(np.diff(path[:, 0]) >= 0)
    assert np.all(np.diff(path[:, 1]) >= 0)
    delivered = sum(open_fractions(mlc, Aperture(np.nan_to_num(a)), u, v, 5.0) for a in leaves)
    assert delivered == pytest.approx(w)  # 1 MU per aperture reproduces the profile exactly
    # a second pair (v = 7.5 mm) with a single opening waits closed before and after it
    u2, v2 = np.concatenate([u, u]), np.concatenate([v, v + 5.0])
    w2 = np.concatenate([w, [0.0, 1.0, 1.0, 0.0, 0.0]])
    other = _sweep(mlc, u2, v2, w2, 5.0, 5)[:, pair + 1]
    assert np.all(np.diff(other, axis=0) >= 0)
    assert [float(g) for g in other[:, 1] - other[:, 0]] == [0.0, 0.0, 10.0, 0.0, 0.0]
    assert np.all(np.isnan(leaves[:, pair + 2]))  # a pair without beamlets is left to the caller


def test_leaf_travel_is_limited_per_interval_and_pairs_keep_the_minimum_gap() -> None:
    leaves = np.zeros((4, 2, 2))
    leaves[1] = [[-40.0, 40.0], [0.0, 0.0]]
    leaves[3] = [[30.0, 50.0], [0.0, 0.0]]
    limited = _limit_travel(leaves, np.array([8.0, 8.0, 8.0]), 0.5)
    assert np.abs(np.diff(limited, axis=0)).max() <= 8.0 + 1e-9
    assert np.all(limited[:, :, 1] - limited[:, :, 0] >= 0.5 - 1e-9)


@pytest.fixture(scope="module")
def arc_plan():
    """A 24 mm cubic target with an organ 5 mm beside it, one 120 deg arc sampled every 30 deg."""
    grid = Grid.from_spacing((10, 24, 24), (6.0, 6.0, 6.0), (-69.0, -69.0, -27.0), "1.2.3.4")
    density, masks = water_box_with_organ(grid)
    target, body = masks["PTV"], masks["BODY"]
    arcs = (Arc(300.0, 60.0, "CW", control_point_spacing_deg=4.0),)
    samples = arc_samples(arcs, (0.0, 0.0, 0.0), 30.0)
    points = grid.index_to_world(np.argwhere(target).astype(float))
    bixels = select_bixels(samples.beams, points, 5.0, 10.0)
    voxels = np.flatnonzero(body.ravel())
    dij = compute_dose_influence(density, grid, grid, voxels, samples.beams, bixels)
    goal = TargetGoal("PTV", 40.0, coverage_pct=95.0)
    organ_limit = DoseConstraint("Organ", "mean", 12.0, source="test limit")
    problem = PlanningProblem.build(dij, masks, goal, (organ_limit,))
    fluence = optimise_imrt(
        problem,
        outer_iterations=3,
        inner_iterations=40,
        smoothness_weight=SMOOTHNESS_WEIGHT,
    )
    plan = sequence_arcs(
        problem, arcs, samples, millennium_like_mlc(), fluence.weights_mu, fractions=FRACTIONS
    )
    return plan, dij, masks, (problem, arcs, samples, fluence.weights_mu)


@pytest.mark.slow
def test_the_arc_keeps_the_machine_limits_on_every_control_point(arc_plan) -> None:
    plan, _, _, _ = arc_plan
    machine = ArcMachine()
    (arc,) = plan.arcs
    assert arc.gantry_deg.size == 31  # 120 deg / 4 deg + 1
    steps = arc.steps_deg
    assert np.all(steps <= 4.0 + 1e-9)
    travel_per_deg = arc.leaf_travel_mm() / steps
    assert travel_per_deg.max() <= machine.max_leaf_travel_mm_per_deg + 1e-9
    mu_per_deg = arc.interval_mu / FRACTIONS / steps
    assert mu_per_deg.min() >= machine.min_mu_per_deg
    gaps = arc.leaves_mm[:, :, 1] - arc.leaves_mm[:, :, 0]
    assert gaps.min() >= millennium_like_mlc().min_leaf_gap_mm - 1e-9
    seconds = arc.interval_seconds(machine, FRACTIONS)
    # no interval faster than the gantry allows (4 deg at 6 deg/s)
    assert np.all(seconds >= steps / machine.max_gantry_speed_deg_s - 1e-12)
    assert plan.seconds() == pytest.approx(float(seconds.sum()))


@pytest.mark.slow
def test_the_sequenced_arc_covers_the_target_and_keeps_the_organ_limit(arc_plan) -> None:
    plan, dij, masks, _ = arc_plan
    dose = dij.dose_gy(plan.weights_mu)
    coverage = 100.0 * np.mean(dose[masks["PTV"]] >= 40.0 - 1e-6)
    assert coverage >= 94.5
    assert float(dose[masks["Organ"]].mean()) <= 12.0 * 1.005
    segments = plan.arcs[0].segments()
    assert len(segments) == 31
    assert segments[-1].mu == 0.0
    assert sum(s.mu for s in segments) == pytest.approx(plan.arcs[0].mu)


@pytest.mark.slow
def test_an_mlc_without_interdigitation_or_bad_fractions_are_refused(arc_plan) -> None:
    problem, arcs, samples, weights = arc_plan[3]
    with pytest.raises(InputError, match=r"mlc.*needs an MLC that allows interdigitation"):
        sequence_arcs(problem, arcs, samples, elekta_mlci2_like_mlc(), weights)
    with pytest.raises(InputError, match=r"fractions.*must be a whole number >= 1"):
        sequence_arcs(problem, arcs, samples, millennium_like_mlc(), weights, fractions=0)
    with pytest.raises(InputError, match=r"weights_mu.*one weight per beamlet"):
        sequence_arcs(problem, arcs, samples, millennium_like_mlc(), weights[:-1])


@pytest.mark.slow
def test_smooth_fluence_needs_fewer_arc_mu_at_the_same_coverage(arc_plan) -> None:
    plan, _, _, (problem, arcs, samples, _) = arc_plan
    rough = optimise_imrt(problem, outer_iterations=3, inner_iterations=40)
    rough_plan = sequence_arcs(
        problem, arcs, samples, millennium_like_mlc(), rough.weights_mu, fractions=FRACTIONS
    )
    smooth_mu, rough_mu = plan.arcs[0].mu, rough_plan.arcs[0].mu
    assert smooth_mu < 0.7 * rough_mu, (smooth_mu, rough_mu)
    target = problem.rows["PTV"]
    for arc_plan_ in (plan, rough_plan):
        dose = problem.operator.matvec(arc_plan_.weights_mu)[target]
        assert np.mean(dose >= 0.95 * 40.0) > 0.95


def test_leaf_neighbours_pair_adjacent_beamlets_of_one_row_and_beam() -> None:
    bixels = Bixels(
        beam_index=np.array([0, 0, 0, 0, 1, 1]),
        u_mm=np.array([7.5, -2.5, 2.5, 2.5, 2.5, 7.5]),
        v_mm=np.array([2.5, 2.5, 2.5, 7.5, 2.5, 2.5]),
        bixel_mm=5.0,
    )
    left, right = bixels.leaf_neighbours()
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(1, 2), (2, 0), (4, 5)]


@pytest.mark.slow
@pytest.mark.parametrize("weight", [-1.0, float("nan"), True])
def test_a_bad_smoothness_weight_is_refused(arc_plan, weight: float) -> None:
    _, _, _, (problem, _, _, _) = arc_plan
    with pytest.raises(InputError, match=r"smoothness_weight.*finite number >= 0"):
        optimise_imrt(problem, smoothness_weight=weight)
