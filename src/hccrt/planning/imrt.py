"""IMRT fluence-map optimisation with hard constraints (augmented Lagrangian, L-BFGS-B).

Objective (quadratic, per voxel, normalised by structure size):

* target underdose below the prescription and overdose above ``max_dose_fraction`` x Rx;
* the same for every extra target at its own prescription (overdose only outside the
  higher-dose targets);
* a small normal-tissue term (dose-squared of a normal-tissue sample, steering fall-off).

Hard constraints (:class:`DoseConstraint`) enter as augmented-Lagrangian terms: mean-dose limits
are one linear inequality each; gEUD and LKB-NTCP limits (the NTCP limit as its equivalent gEUD,
on the LQ-converted dose) one smooth inequality each, with the analytic gEUD gradient;
maximum-dose limits one per voxel; DVH limits ``V(D) <= v %`` are convexified per outer
iteration by constraining the ``(100 - v) %`` coldest voxels to ``D`` (Wu & Mohan 2000). Soft
objectives (``priority`` set) are the same terms with a fixed weight (10 x priority) and no
multiplier; they never make a plan infeasible. After the outer iterations every hard constraint
is evaluated; if one is still violated the optimiser raises :class:`InfeasiblePlanError` naming
the violated limits, by how much, and the target coverage they conflict with, instead of
returning a silently violated plan.

References
----------
Wu Q, Mohan R. Algorithms and functionality of an intensity modulated radiotherapy optimization
system. Med Phys 2000;27:701-711. Nocedal J, Wright SJ. Numerical Optimization, ch. 17.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from hccrt.errors import InputError
from hccrt.planning.objectives import DoseConstraint, InfeasiblePlanError
from hccrt.planning.problem import PlanningProblem, own_rows_key

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ImrtResult:
    """Optimised beamlet weights (MU, whole course) and the optimiser's record."""

    weights_mu: FloatArray
    iterations: int
    constraint_values: dict[str, float]
    coverage_pct: float


def optimise_imrt(
    problem: PlanningProblem,
    outer_iterations: int = 6,
    inner_iterations: int = 80,
    normal_tissue_weight: float = 0.002,
    require_coverage: bool = True,
    on_iteration: Callable[[int, int], None] | None = None,
    lower_bounds_mu: FloatArray | None = None,
    smoothness_weight: float = 0.0,
) -> ImrtResult:
    """Optimise the fluence of all beamlets (see module docstring).

    ``on_iteration(done, outer_iterations)`` is called after each outer iteration (and with
    ``done == outer_iterations`` when the loop stops early). ``lower_bounds_mu``, when given,
    is the smallest weight of each column (MU; e.g. the minimum MU per degree of a VMAT arc
    interval); the final coverage normalisation only scales the weights.
    ``smoothness_weight`` > 0 adds the mean squared difference of neighbouring beamlets along
    the leaf travel (relative to the uniform start fluence): smoother profiles need fewer
    monitor units once sequenced (the arc sweep's MU grow with a profile's total rise).

    Raises
    ------
    InfeasiblePlanError
        When a hard constraint stays violated, or the target coverage cannot be reached while
        all hard constraints hold (``require_coverage``).
    """
    op = problem.operator
    goal = problem.target
    rx = goal.prescription_gy
    t_rows = problem.rows[goal.structure]
    n_rows = problem.rows["_normal"]
    n = op.shape[1]
    # Start from a uniform fluence giving the prescription on average in the target.
    unit = op.matvec(np.ones(n))[t_rows].mean()
    w0 = rx / max(float(unit), 1e-9)
    # The optimiser works on x = w / w0 (order 1) so its tolerances are meaningful.
    low = np.zeros(n) if lower_bounds_mu is None else np.asarray(lower_bounds_mu, dtype=float)
    if low.shape != (n,) or not np.all(np.isfinite(low)) or np.any(low < 0):
        raise InputError(
            "lower_bounds_mu", f"must be {n} finite weights >= 0 MU", low.shape, "one per column"
        )
    w = np.maximum(np.full(n, w0), low)
    lam = {c.label: 0.0 for c in problem.constraints}
    # Soft objectives keep a fixed penalty weight (10 x priority) and no multiplier.
    mu = {c.label: 10.0 * (c.priority or 1.0) for c in problem.constraints}
    hot = goal.max_dose_fraction * rx
    # Aim slightly above the coverage dose: a quadratic underdose penalty leaves voxels just
    # below its reference, so the reference sits 3 % above the dose that must cover the target.
    cold = min(goal.coverage_dose_fraction * 1.03, 0.5 * (1 + goal.max_dose_fraction)) * rx
    iterations = 0
    dvh_sets: dict[str, npt.NDArray[np.int64]] = {}
    # Extra targets (own, lower prescriptions): underdose on the whole target, overdose only
    # outside every higher-dose target; the same weight and scale as the primary target's terms.
    extras = [
        (
            problem.rows[g.structure],
            problem.rows[own_rows_key(g.structure)],
            min(g.coverage_dose_fraction * 1.03, 0.5 * (1 + g.max_dose_fraction))
            * g.prescription_gy,
            g.max_dose_fraction * g.prescription_gy,
        )
        for g in problem.extra_targets
    ]

    if (
        isinstance(smoothness_weight, bool)
        or not np.isfinite(smoothness_weight)
        or smoothness_weight < 0
    ):
        raise InputError(
            "smoothness_weight", "must be a finite number >= 0", smoothness_weight, "e.g. 1e-5"
        )
    left, right = problem.dij.bixels.leaf_neighbours() if smoothness_weight > 0 else ((), ())
    pair_count = max(len(left), 1)

    def fun(x: FloatArray) -> tuple[float, FloatArray]:
        dose = op.matvec(x * w0).astype(np.float64)
        grad_rows = np.zeros_like(dose)
        dt = dose[t_rows]
        under = np.minimum(dt - cold, 0.0)
        over = np.maximum(dt - hot, 0.0)
        f = (under @ under + over @ over) / (t_rows.size * rx * rx)
        grad_rows[t_rows] += 2 * (under + over) / (t_rows.size * rx * rx)
        for rows_all, rows_own, cold_e, hot_e in extras:
            low = np.minimum(dose[rows_all] - cold_e, 0.0)
            f += (low @ low) / (max(rows_all.size, 1) * rx * rx)
            grad_rows[rows_all] += 2 * low / (max(rows_all.size, 1) * rx * rx)
            high = np.maximum(dose[rows_own] - hot_e, 0.0)
            f += (high @ high) / (max(rows_own.size, 1) * rx * rx)
            grad_rows[rows_own] += 2 * high / (max(rows_own.size, 1) * rx * rx)
        if n_rows.size:
            dn = dose[n_rows]
            f += normal_tissue_weight * (dn @ dn) / (n_rows.size * rx * rx)
            grad_rows[n_rows] += 2 * normal_tissue_weight * dn / (n_rows.size * rx * rx)
            # Hot spots outside the target cost as much as target overdose.
            hot_nt = np.maximum(dn - hot, 0.0)
            f += (hot_nt @ hot_nt) / (n_rows.size * rx * rx) * 10.0
            grad_rows[n_rows] += 20.0 * hot_nt / (n_rows.size * rx * rx)
        for c in problem.constraints:
            f += _constraint_term(c, dose, problem, lam[c.label], mu[c.label], grad_rows, dvh_sets)
        grad = op.rmatvec(grad_rows) * w0
        if len(left):
            step = x[right] - x[left]
            f += smoothness_weight * (step @ step) / pair_count
            push = 2.0 * smoothness_weight * step / pair_count
            np.add.at(grad, right, push)
            np.subtract.at(grad, left, push)
        return float(f) * 100.0, grad * 100.0

    previous = -np.inf
    for outer in range(1, outer_iterations + 1):
        if on_iteration is not None and outer > 1:
            on_iteration(outer - 1, outer_iterations)
        _update_dvh_sets(problem, op.matvec(w), dvh_sets)
        res = minimize(
            fun,
            w / w0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(float(lo / w0), None) for lo in low],
            options={"maxiter": inner_iterations, "ftol": 1e-10, "gtol": 1e-8},
        )
        w = np.asarray(res.x) * w0
        iterations += int(res.nit)
        dose = op.matvec(w)
        violated = False
        for c in problem.constraints:
            if not c.hard:
                continue
            g = _violation(c, dose, problem, dvh_sets)
            lam[c.label] = max(0.0, lam[c.label] + mu[c.label] * g)
            if g > 0.005:
                violated = True
                mu[c.label] *= 4.0
        if violated:
            continue
        reached = goal.coverage(op.matvec(normalise_coverage(problem, w))[t_rows])
        # Stop when the goal is reached, or when the constraints hold and another round with
        # stiffer penalties no longer buys coverage (the conflict is then reported below).
        if reached >= goal.coverage_pct or reached - previous < 0.5:
            break
        previous = reached
    if on_iteration is not None:
        on_iteration(outer_iterations, outer_iterations)
    w = normalise_coverage(problem, w)
    dose = op.matvec(w)
    values = {c.label: c.value(dose[problem.rows[c.structure]]) for c in problem.constraints}
    broken = [
        c for c in problem.constraints if c.hard and not c.met(dose[problem.rows[c.structure]])
    ]
    coverage = goal.coverage(dose[t_rows])
    if broken or (require_coverage and coverage < goal.coverage_pct - 0.5):
        detail = "; ".join(
            f"{c.label}: achieved {values[c.label]:.2f} {c.unit}, "
            f"{values[c.label] - c.limit():.2f} {c.unit} over the limit"
            for c in broken
        )
        raise InfeasiblePlanError(
            "constraints",
            "cannot be met together with the target coverage "
            f"(V{goal.coverage_dose_fraction * 100:g}%({goal.structure}) >= "
            f"{goal.coverage_pct:g} %, achieved {coverage:.1f} %)"
            + (f"; violated: {detail}" if detail else "; all hard organ limits held"),
            [c.label for c in broken] or [f"coverage of {goal.structure}"],
            "relax the conflicting limits, lower the prescription or accept reduced coverage",
        )
    return ImrtResult(w, iterations, values, coverage)


def normalise_coverage(problem: PlanningProblem, w: FloatArray) -> FloatArray:
    """Scale so that ``coverage_pct`` % of the target gets the coverage dose, when allowed.

    Scaling down is always allowed; scaling up only while every hard constraint still holds.
    """
    goal = problem.target
    dose = problem.operator.matvec(w)
    level = float(
        np.percentile(dose[problem.rows[goal.structure]], 100 - goal.coverage_pct, method="lower")
    )
    if level <= 0:
        return w
    factor = goal.coverage_dose_fraction * goal.prescription_gy / level
    scaled = w * factor
    if factor <= 1.0:
        return scaled
    new_dose = dose * factor
    if all(c.met(new_dose[problem.rows[c.structure]]) for c in problem.constraints if c.hard):
        return scaled
    return w


def _scale(c: DoseConstraint) -> float:
    return max(c.dose_gy, 1.0)


def _constraint_rows(
    c: DoseConstraint,
    problem: PlanningProblem,
    dvh_sets: dict[str, npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The organ's rows and the rows a max or DVH constraint penalises (DVH: the voxels of the
    current set from :func:`_update_dvh_sets`, the whole organ before the first update)."""
    rows = problem.rows[c.structure]
    return rows, (dvh_sets.get(c.label, rows) if c.kind == "dvh" else rows)


def _constraint_term(
    c: DoseConstraint,
    dose: FloatArray,
    problem: PlanningProblem,
    lam: float,
    mu: float,
    grad_rows: FloatArray,
    dvh_sets: dict[str, npt.NDArray[np.int64]],
) -> float:
    rows, subset = _constraint_rows(c, problem, dvh_sets)
    if rows.size == 0:
        return 0.0
    s = _scale(c)
    if c.kind in ("geud", "ntcp"):
        value, gradient = c.geud_gradient(dose[rows])
        g = (value - c.dose_gy) / s
        shifted = max(0.0, lam / mu + g)
        grad_rows[rows] += mu * shifted / s * gradient
        return float(0.5 * mu * shifted * shifted)
    if c.kind == "mean":
        g = (dose[rows].mean() - c.dose_gy) / s
        shifted = max(0.0, lam / mu + g)
        grad_rows[rows] += mu * shifted / (s * rows.size)
        return float(0.5 * mu * shifted * shifted)
    excess = np.maximum(dose[subset] - c.dose_gy, 0.0) / s
    grad_rows[subset] += mu * excess / (s * max(subset.size, 1)) * 10
    return float(0.5 * mu * (excess @ excess) / max(subset.size, 1) * 10)


def _violation(
    c: DoseConstraint,
    dose: npt.NDArray[np.floating],
    problem: PlanningProblem,
    dvh_sets: dict[str, npt.NDArray[np.int64]],
) -> float:
    rows, subset = _constraint_rows(c, problem, dvh_sets)
    if rows.size == 0:
        return 0.0
    if c.kind == "mean":
        return float((dose[rows].mean() - c.dose_gy) / _scale(c))
    if c.kind in ("geud", "ntcp"):
        return float((c.geud(dose[rows]) - c.dose_gy) / _scale(c))
    return float((dose[subset].max(initial=0.0) - c.dose_gy) / _scale(c))


def _update_dvh_sets(
    problem: PlanningProblem,
    dose: npt.NDArray[np.floating],
    dvh_sets: dict[str, npt.NDArray[np.int64]],
) -> None:
    for c in problem.constraints:
        if c.kind != "dvh":
            continue
        rows = problem.rows[c.structure]
        keep = int(np.floor(rows.size * (100.0 - c.volume_pct) / 100.0))
        order = np.argsort(dose[rows])
        dvh_sets[c.label] = rows[order[:keep]]
