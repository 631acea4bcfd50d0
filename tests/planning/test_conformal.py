"""The 3DCRT beam-weight LP solved through its dual against the primal LP it replaces."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from hccrt.planning.conformal import _solve_dual


def _primal(
    target: np.ndarray,
    capped: np.ndarray,
    beam_cost: np.ndarray,
    low: float,
    high: float,
    cap: float,
    keep: np.ndarray,
) -> tuple[np.ndarray, float]:
    """The primal with two slack variables per target voxel (the formulation before)."""
    n_t, n_b = target.shape
    cost = np.concatenate([beam_cost, np.full(2 * n_t, 1.0 / n_t)])
    eye, zeros = sp.identity(n_t), sp.csr_matrix((n_t, n_t))
    a_ub = sp.vstack(
        [
            sp.hstack([-sp.csr_matrix(target), -eye, zeros]),
            sp.hstack([sp.csr_matrix(target), zeros, -eye]),
            sp.hstack([sp.csr_matrix(capped), sp.csr_matrix((capped.shape[0], 2 * n_t))]),
        ]
    )
    b_ub = np.concatenate([np.full(n_t, -low), np.full(n_t, high), np.full(capped.shape[0], cap)])
    bounds = [(0.0, None if k else 0.0) for k in keep] + [(0.0, None)] * (2 * n_t)
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert result.status == 0
    return result.x[:n_b], float(result.fun)


def _objective(
    mu: np.ndarray, target: np.ndarray, cost: np.ndarray, low: float, high: float
) -> float:
    dose = target @ mu
    return float(np.mean(np.maximum(low - dose, 0) + np.maximum(dose - high, 0)) + cost @ mu)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dual_gives_the_primal_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_t, n_b = 400, 6
    target = rng.uniform(0.005, 0.02, size=(n_t, n_b))  # Gy per beam MU
    capped = rng.uniform(0.0, 0.03, size=(30, n_b))
    cost = rng.uniform(0.0, 1e-4, size=n_b)
    keep = np.array([True, True, True, False, True, True])
    low, high, cap = 50.0, 52.5, 45.0
    expected_mu, expected = _primal(target, capped, cost, low, high, cap, keep)
    mu = _solve_dual(target, capped, cost, low, high, cap, keep)
    assert mu[3] == 0.0
    assert np.all(mu >= 0.0)
    assert np.all(capped @ mu <= cap * (1 + 1e-7))
    assert _objective(mu, target, cost, low, high) == pytest.approx(expected, rel=1e-7)
    assert _objective(expected_mu, target, cost, low, high) == pytest.approx(expected, rel=1e-7)


def test_dual_without_capped_voxels() -> None:
    target = np.array([[0.01, 0.01], [0.02, 0.0], [0.0, 0.02]])
    mu = _solve_dual(target, np.zeros((0, 2)), np.zeros(2), 50.0, 52.5, 0.0, np.ones(2, bool))
    # Each voxel wants 50-52.5 Gy: mu = (2500, 2500) puts all three at 50 Gy (objective 0).
    assert _objective(mu, target, np.zeros(2), 50.0, 52.5) == pytest.approx(0.0, abs=1e-9)
