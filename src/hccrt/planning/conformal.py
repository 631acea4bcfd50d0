"""3D conformal radiotherapy: MLC apertures from the beam's-eye view and optimised beam weights.

Each beam gets one aperture: the BEV projection of the target grown by a penumbra margin and
fitted to the MLC. The beam weights (MU) minimise target under- and over-dose and the normal
tissue and constrained-organ doses as a linear programme (scipy HiGHS); the plan is then
normalised so that ``coverage_pct`` % of the target receives the prescription (ICRU-style
coverage normalisation). Whether the hard constraints are met is judged afterwards: a 3DCRT
plan that fails them is what seed 000 escalates to IMRT.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog

from hccrt.errors import InputError
from hccrt.planning.mlc import Aperture, MlcModel, conformal_aperture, open_fractions
from hccrt.planning.problem import PlanningProblem

FloatArray = npt.NDArray[np.float64]

NORMAL_TISSUE_MAX_FRACTION = 1.05
"""Hard cap on the dose outside the target (sampled normal tissue), fraction of Rx, before the
coverage normalisation."""

PENUMBRA_MARGIN_MM = 7.0
"""Aperture margin around the PTV's BEV outline (80/20 penumbra of a 6 MV field; UNCONFIRMED
departmental convention, overridable)."""


@dataclass(frozen=True, eq=False)
class ConformalPlan:
    """Per-beam apertures and MU (whole course) and the beamlet weights they deliver."""

    apertures: tuple[Aperture, ...] = field(repr=False)
    beam_mu: FloatArray
    weights_mu: FloatArray = field(repr=False)


def plan_conformal(
    problem: PlanningProblem, mlc: MlcModel, margin_mm: float = PENUMBRA_MARGIN_MM
) -> ConformalPlan:
    """Apertures and beam weights for a 3DCRT plan (see module docstring)."""
    dij = problem.dij
    bixels = dij.bixels
    k, j, i = np.unravel_index(problem.target_voxels, dij.grid.shape)
    points = dij.grid.index_to_world(np.stack([k, j, i], axis=1).astype(np.float64))
    apertures, columns = [], []
    for b, beam in enumerate(dij.beams):
        u, v, _ = beam.to_beam(points)
        aperture = conformal_aperture(mlc, np.stack([u, v], axis=1), margin_mm)
        apertures.append(aperture)
        cols = bixels.of_beam(b)
        frac = np.zeros(bixels.count)
        frac[cols] = open_fractions(
            mlc, aperture, bixels.u_mm[cols], bixels.v_mm[cols], bixels.bixel_mm
        )
        columns.append(frac)
    fractions = np.stack(columns, axis=1)
    beam_dose = problem.operator.columns_dose(sp.csc_matrix(fractions))  # Gy per beam MU
    mu = _weights(problem, beam_dose)
    return ConformalPlan(tuple(apertures), mu, fractions @ mu)


def _weights(problem: PlanningProblem, beam_dose: FloatArray) -> FloatArray:
    goal = problem.target
    rx = goal.prescription_gy
    target = beam_dose[problem.rows[goal.structure]]
    n_beams = beam_dose.shape[1]
    n_t = target.shape[0]
    # Variables: beam MU (n_beams), underdose slack (n_t), overdose slack (n_t).
    cost = np.concatenate([np.zeros(n_beams), np.full(n_t, 1.0 / n_t), np.full(n_t, 1.0 / n_t)])
    normal = beam_dose[problem.rows["_normal"]]
    if normal.size:
        cost[:n_beams] += 0.05 * normal.mean(axis=0) / rx
    for c in problem.constraints:
        organ = beam_dose[problem.rows[c.structure]]
        if organ.size:
            cost[:n_beams] += 0.1 * organ.mean(axis=0) / max(c.dose_gy, 1.0)
    eye = sp.identity(n_t, format="csr")
    zeros = sp.csr_matrix((n_t, n_t))
    blocks = [
        sp.hstack([-sp.csr_matrix(target), -eye, zeros]),  # D + s >= Rx
        sp.hstack([sp.csr_matrix(target), zeros, -eye]),  # D - o <= 1.05 Rx
    ]
    bounds_ub = [np.full(n_t, -rx), np.full(n_t, 1.05 * rx)]
    if normal.size:
        # No hot spot outside the target (entrance dose of a dominant beam): D <= 1.05 Rx.
        blocks.append(sp.hstack([sp.csr_matrix(normal), sp.csr_matrix((normal.shape[0], 2 * n_t))]))
        bounds_ub.append(np.full(normal.shape[0], NORMAL_TISSUE_MAX_FRACTION * rx))
    a_ub = sp.vstack(blocks, format="csr")
    b_ub = np.concatenate(bounds_ub)
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if result.status != 0:
        raise InputError("3dcrt", "beam-weight optimisation failed", result.message, "")
    mu = np.asarray(result.x[:n_beams])
    dose_t = target @ mu
    level = float(np.percentile(dose_t, 100 - goal.coverage_pct, method="lower"))
    if level <= 0:
        raise InputError("target", "receives no dose from the apertures", level, "check beams")
    scale: FloatArray = mu * (goal.coverage_dose_fraction * rx / level)
    return scale
