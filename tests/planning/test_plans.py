"""3DCRT, IMRT, sequencing and infeasibility on a small synthetic water phantom."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.beams import Beam, bev_projection, equispaced_beams
from hccrt.planning.conformal import plan_conformal
from hccrt.planning.dij import compute_dose_influence, select_bixels
from hccrt.planning.imrt import optimise_imrt
from hccrt.planning.mlc import conformal_aperture, millennium_like_mlc, open_fractions
from hccrt.planning.objectives import DoseConstraint, InfeasiblePlanError, TargetGoal
from hccrt.planning.problem import PlanningProblem
from hccrt.planning.sequencing import delivered_weights, sequence_beam
from tests.planning.synthetic_case import water_box_with_organ


@pytest.fixture(scope="module")
def phantom():
    """A water box with a 24 mm cubic target at the centre and an organ 5 mm beside it."""
    grid = Grid.from_spacing((16, 30, 30), (5.0, 5.0, 5.0), (-72.5, -72.5, -37.5), "1.2.3.4")
    density, masks = water_box_with_organ(grid)
    target, body = masks["PTV"], masks["BODY"]
    points = grid.index_to_world(np.argwhere(target).astype(float))
    beams = equispaced_beams(5, (0.0, 0.0, 0.0))
    bixels = select_bixels(beams, points, 5.0, 12.0)
    dij = compute_dose_influence(density, grid, grid, np.flatnonzero(body.ravel()), beams, bixels)
    return dij, masks


def test_beam_geometry_iec():
    iso = (10.0, 20.0, 30.0)
    g0, g90 = Beam(0.0, iso), Beam(90.0, iso)
    assert np.allclose(g0.source_mm, [10.0, -980.0, 30.0])  # anterior source for HFS
    assert np.allclose(g90.source_mm, [1010.0, 20.0, 30.0])  # patient's left
    uv = bev_projection(g0, np.array([[20.0, 20.0, 35.0]]))[0]
    assert uv == pytest.approx([10.0, 5.0])  # BLD X = patient left, Y = superior at iso plane


def test_couch_rotation_keeps_isocentre_and_sad():
    beam = Beam(0.0, (0.0, 0.0, 0.0), couch_deg=90.0)
    assert np.linalg.norm(beam.source_mm) == pytest.approx(1000.0)
    assert np.allclose(np.cross(beam.axes[0], beam.axes[1]), beam.axes[2])


def test_conformal_aperture_covers_projection_with_margin():
    mlc = millennium_like_mlc()
    uu, vv = np.meshgrid(np.linspace(-20, 20, 41), np.linspace(-10, 10, 21))
    aperture = conformal_aperture(mlc, np.stack([uu.ravel(), vv.ravel()], 1), margin_mm=7.0)
    opened = aperture.open_pairs
    assert mlc.boundaries_mm[opened.min()] <= -17.0
    assert mlc.boundaries_mm[opened.max() + 1] >= 17.0
    centre = mlc.pair_of(np.array([0.0]))[0]
    left, right = aperture.leaves_mm[centre]
    assert left == pytest.approx(-27.5, abs=1.0)
    assert right == pytest.approx(27.5, abs=1.0)


def test_open_fractions_partial_beamlet():
    mlc = millennium_like_mlc()
    leaves = np.zeros((mlc.pairs, 2))
    pair = mlc.pair_of(np.array([2.5]))[0]
    leaves[pair] = (-2.5, 1.25)
    from hccrt.planning.mlc import Aperture

    fractions = open_fractions(
        mlc, Aperture(leaves), np.array([-2.5, 2.5]), np.array([2.5, 2.5]), 5.0
    )
    assert fractions == pytest.approx([0.5, 0.25])


def test_sequencing_reproduces_quantised_fluence():
    mlc = millennium_like_mlc()
    rng = np.random.default_rng(3)
    uu, vv = np.meshgrid(np.arange(-22.5, 25, 5.0), np.arange(-12.5, 15, 5.0))
    u, v = uu.ravel(), vv.ravel()
    weights = rng.uniform(0, 100, u.size)
    segments = sequence_beam(mlc, u, v, weights, 5.0, levels=10)
    delivered = delivered_weights(mlc, segments, u, v, 5.0)
    unit = weights.max() / 10
    assert np.allclose(delivered, np.rint(weights / unit) * unit)
    for seg in segments:
        assert np.all(seg.aperture.leaves_mm[:, 0] <= seg.aperture.leaves_mm[:, 1])


def test_3dcrt_covers_target(phantom):
    # Speed goal (< 3 s): benchmarks/bench_goals.py.
    dij, masks = phantom
    goal = TargetGoal("PTV", 50.0, coverage_pct=95.0)
    problem = PlanningProblem.build(dij, masks, goal, ())
    plan = plan_conformal(problem, millennium_like_mlc())
    dose = dij.dose_gy(plan.weights_mu)
    assert goal.coverage(dose[masks["PTV"]]) >= 94.9
    assert np.all(plan.beam_mu >= 0)
    assert dose[masks["PTV"]].max() < 1.15 * 50.0


@pytest.mark.slow
def test_imrt_meets_hard_organ_limit(phantom):
    dij, masks = phantom
    goal = TargetGoal("PTV", 50.0, coverage_pct=90.0, coverage_dose_fraction=0.95)
    organ_limit = DoseConstraint("Organ", "mean", 8.0, source="test")
    problem = PlanningProblem.build(dij, masks, goal, (organ_limit,))
    conformal_dose = dij.dose_gy(plan_conformal(problem, millennium_like_mlc()).weights_mu)
    result = optimise_imrt(problem)
    dose = dij.dose_gy(result.weights_mu)
    assert organ_limit.met(dose[masks["Organ"]])
    assert goal.coverage(dose[masks["PTV"]]) >= 89.5
    assert not organ_limit.met(conformal_dose[masks["Organ"]])  # 3DCRT fails, IMRT meets it


@pytest.mark.slow
def test_infeasible_constraints_are_named(phantom):
    dij, masks = phantom
    goal = TargetGoal("PTV", 50.0, coverage_pct=95.0)
    impossible = DoseConstraint("Organ", "max", 1.0, source="test")
    problem = PlanningProblem.build(dij, masks, goal, (impossible,))
    with pytest.raises(InfeasiblePlanError, match=r"max\(Organ\) <= 1 Gy|coverage of PTV"):
        optimise_imrt(problem, outer_iterations=2, inner_iterations=30)


def test_the_dose_influence_and_imrt_report_beams_and_iterations(phantom):
    from hccrt.progress import RecordedProgress

    dij, masks = phantom
    recorded = RecordedProgress()
    compute_dose_influence(
        np.ones(dij.grid.shape, dtype=np.float32),
        dij.grid,
        dij.grid,
        dij.voxels,
        dij.beams,
        dij.bixels,
        on_beam=lambda done, total: recorded.step("beams", done, total),
    )
    problem = PlanningProblem.build(dij, masks, TargetGoal("PTV", 50.0, coverage_pct=90.0), ())
    optimise_imrt(
        problem,
        outer_iterations=3,
        inner_iterations=5,
        require_coverage=False,
        on_iteration=lambda done, total: recorded.step("IMRT iterations", done, total),
    )
    beams = [e[2:] for e in recorded.events if e[1] == "beams"]
    assert beams == [(n, 5) for n in range(1, 6)]
    iterations = [e[2:] for e in recorded.events if e[1] == "IMRT iterations"]
    assert iterations[-1] == (3, 3)  # ends at the total even when the loop stops early
    assert [done for done, _ in iterations] == sorted(done for done, _ in iterations)
    assert {total for _, total in iterations} == {3}


def test_missing_structure_in_constraint(phantom):
    dij, masks = phantom
    goal = TargetGoal("PTV", 50.0)
    with pytest.raises(InputError, match="not available"):
        PlanningProblem.build(dij, masks, goal, (DoseConstraint("Heart", "mean", 5.0),))


def test_constraint_and_goal_validation():
    with pytest.raises(InputError, match="must be one of mean, max, dvh, geud, ntcp"):
        DoseConstraint("Liver", "median", 5.0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"\(0, 100\)"):
        DoseConstraint("Liver", "dvh", 20.0, volume_pct=120.0)
    with pytest.raises(InputError, match="prescription_gy"):
        TargetGoal("PTV", 0.0)
