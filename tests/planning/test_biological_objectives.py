"""gEUD and LKB-NTCP limits in the IMRT optimiser (issue 13 item 4): values, gradients, hard
and soft (prioritised) use, and the infeasibility report."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.beams import equispaced_beams
from hccrt.planning.dij import DoseInfluence, compute_dose_influence, select_bixels
from hccrt.planning.imrt import optimise_imrt
from hccrt.planning.objectives import (
    DoseConstraint,
    EqdConversion,
    InfeasiblePlanError,
    TargetGoal,
)
from hccrt.planning.problem import PlanningProblem
from hccrt.radiobiology import get_ntcp_parameter_set, ntcp_lkb

DAWSON = get_ntcp_parameter_set("dawson2002_primary")
EQD_25FX = EqdConversion(25, DAWSON.alpha_beta_gy, DAWSON.reference_dose_per_fraction_gy)


def _ntcp(pct: float, priority: float | None = None) -> DoseConstraint:
    return DoseConstraint.lkb_ntcp(
        "Organ", pct, n=DAWSON.n, m=DAWSON.m, td50_gy=DAWSON.td50_gy, eqd=EQD_25FX,
        priority=priority, source="test: Dawson 2002",
    )  # fmt: skip


def test_geud_with_n_1_is_the_mean_dose() -> None:
    dose = np.array([10.0, 20.0, 30.0, 40.0])
    assert DoseConstraint("Organ", "geud", 30.0, n=1.0).value(dose) == pytest.approx(25.0)
    assert DoseConstraint("Organ", "geud", 30.0, n=0.1).value(dose) > 35.0  # serial: near max


@pytest.mark.parametrize("eqd", [None, EQD_25FX])
def test_geud_gradient_matches_finite_differences(eqd: EqdConversion | None) -> None:
    dose = np.random.default_rng(1).uniform(5.0, 45.0, 40)
    c = DoseConstraint("Organ", "geud", 20.0, n=0.5, eqd=eqd)
    value, grad = c.geud_gradient(dose)
    assert value == pytest.approx(c.geud(dose))
    h = 1e-5
    numeric = [(c.geud(dose + h * e) - c.geud(dose - h * e)) / (2 * h) for e in np.eye(dose.size)]
    assert grad == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def test_ntcp_value_agrees_with_the_radiobiology_lkb_model() -> None:
    dose = np.random.default_rng(2).uniform(10.0, 50.0, 500)
    c = _ntcp(10.0)
    expected = 100.0 * ntcp_lkb(dose, np.full(dose.size, 0.027), DAWSON, 25).ntcp
    assert c.value(dose) == pytest.approx(expected, rel=1e-6)
    # The limit is the gEUD at which NTCP is exactly 10 %.
    uniform = np.full(10, 1.0)
    level = next(d for d in np.linspace(20, 60, 4001) if c.geud(uniform * d) >= c.dose_gy)
    assert c.value(uniform * level) == pytest.approx(10.0, abs=0.05)
    assert c.label == "NTCP_LKB(Organ) <= 10 %"
    assert c.unit == "%"
    assert c.limit() == 10.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "eud"}, r"kind=eud: must be one of mean, max, dvh, geud, ntcp"),
        ({"kind": "geud", "n": 0.0}, r"n=0.0: gEUD volume exponent must be > 0"),
        ({"kind": "ntcp", "n": 1.0, "ntcp_pct": 0.0}, r"ntcp_pct=0.0: must be in \(0, 100\) %"),
        ({"kind": "ntcp", "ntcp_pct": 5.0}, r"LKB slope and TD50 must be > 0"),
        ({"kind": "geud", "priority": 0.0}, r"priority=0.0: must be > 0 \(None: hard"),
    ],
)
def test_bad_biological_constraints_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        DoseConstraint("Organ", dose_gy=10.0, **kwargs)  # type: ignore[arg-type]


def test_eqd_conversion_is_checked() -> None:
    with pytest.raises(InputError, match=r"fractions=0: must be >= 1"):
        EqdConversion(0, 2.5, 1.5)


@pytest.fixture(scope="module")
def phantom() -> tuple[DoseInfluence, dict[str, np.ndarray]]:
    """A water box, a 24 mm cubic target at the centre and an 'organ' 5 mm beside it."""
    grid = Grid.from_spacing((16, 30, 30), (5.0, 5.0, 5.0), (-72.5, -72.5, -37.5), "1.2.3.4")
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    target = (np.abs(xx) <= 12) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    organ = (xx > 17) & (xx < 35) & (np.abs(yy) <= 12) & (np.abs(zz) <= 12)
    body = np.ones(grid.shape, dtype=bool)
    points = grid.index_to_world(np.argwhere(target).astype(float))
    beams = equispaced_beams(5, (0.0, 0.0, 0.0))
    bixels = select_bixels(beams, points, 5.0, 12.0)
    density = np.ones(grid.shape, dtype=np.float32)
    dij = compute_dose_influence(density, grid, grid, np.flatnonzero(body.ravel()), beams, bixels)
    return dij, {"PTV": target, "Organ": organ, "BODY": body}


GOAL = TargetGoal("PTV", 50.0, coverage_pct=90.0, coverage_dose_fraction=0.95)


def _organ_value(phantom, c: DoseConstraint, constraints: tuple[DoseConstraint, ...]) -> float:
    dij, masks = phantom
    result = optimise_imrt(PlanningProblem.build(dij, masks, GOAL, constraints))
    return c.value(dij.dose_gy(result.weights_mu)[masks["Organ"]])


@pytest.mark.slow
def test_a_hard_geud_limit_is_met_by_imrt(phantom) -> None:
    free = DoseConstraint("Organ", "geud", 100.0, n=0.25)
    unconstrained = _organ_value(phantom, free, (free,))
    limit = DoseConstraint("Organ", "geud", round(0.8 * unconstrained, 1), n=0.25, source="test")
    achieved = _organ_value(phantom, limit, (limit,))
    assert achieved <= limit.dose_gy * 1.01
    assert unconstrained > limit.dose_gy * 1.05  # it was binding


@pytest.mark.slow
def test_a_soft_geud_objective_lowers_the_geud_and_never_makes_a_plan_infeasible(phantom) -> None:
    free = DoseConstraint("Organ", "geud", 100.0, n=0.25)
    unconstrained = _organ_value(phantom, free, (free,))
    # Unreachable as a hard limit with this coverage, but soft: the plan is still made.
    soft = DoseConstraint("Organ", "geud", 1.0, n=0.25, priority=1.0, source="test")
    lowered = _organ_value(phantom, soft, (soft,))
    assert lowered < 0.95 * unconstrained
    assert soft.label == "gEUD(n=0.25)(Organ) <= 1 Gy [soft, priority 1]"
    assert not soft.hard
    assert _ntcp(5.0, priority=2.0).label == "NTCP_LKB(Organ) <= 5 % [soft, priority 2]"


@pytest.mark.slow
def test_an_impossible_hard_ntcp_limit_is_named_with_its_excess(phantom) -> None:
    dij, masks = phantom
    goal = TargetGoal("PTV", 50.0, coverage_pct=95.0)
    sbrt = EqdConversion(3, DAWSON.alpha_beta_gy, DAWSON.reference_dose_per_fraction_gy)
    # On the target itself: 50 Gy in 3 fractions cannot keep NTCP below 0.01 %.
    limit = DoseConstraint.lkb_ntcp(
        "PTV", 0.01, n=DAWSON.n, m=DAWSON.m, td50_gy=DAWSON.td50_gy, eqd=sbrt, source="test"
    )
    problem = PlanningProblem.build(dij, masks, goal, (limit,))
    with pytest.raises(
        InfeasiblePlanError,
        match=r"NTCP_LKB\(PTV\) <= 0.01 %: achieved [\d.]+ %, [\d.]+ % over the limit",
    ) as error:
        optimise_imrt(problem, outer_iterations=1, inner_iterations=3)
    assert "cannot be met together with the target coverage" in str(error.value)
