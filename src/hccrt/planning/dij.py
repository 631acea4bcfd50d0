"""Beamlet dose-influence matrix (Gy per MU) on the voxels that matter.

Each beam's fluence is split into square beamlets (bixels) on the isocentre plane, aligned with
the MLC leaf boundaries. The dose of beamlet ``b`` in voxel ``p`` is

``D = c * Phi(r_b) * (SAD / w_p)^2 * sum_i D_i(d_p) T_i(u_p - u_b, v_p - v_b)``

with ``d_p`` the radiological depth, ``w_p`` the distance from the source along the axis,
``T_i`` the lateral tables of the beamlet (:mod:`hccrt.planning.beam_model`), ``Phi`` the
off-axis primary fluence and ``c`` the absolute calibration (1 cGy/MU at dmax for a 10x10 cm²
field at SSD 100 cm). Entries beyond ``cutoff_mm`` laterally or below ``threshold`` of the
beamlet's peak dose are dropped; the matrix is stored as scipy CSR in float32.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.beam_block import FAR_REACH_MM, beam_block, concatenate_columns
from hccrt.planning.beam_model import PhotonBeamModel, load_generic_6mv
from hccrt.planning.beams import Beam
from hccrt.planning.bixels import Bixels, select_bixels
from hccrt.planning.dose_operator import DoseOperator

__all__ = [
    "FAR_REACH_MM",
    "Bixels",
    "DoseInfluence",
    "DoseOperator",
    "compute_dose_influence",
    "select_bixels",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class DoseInfluence:
    """Dose-influence operator in Gy per MU of each beamlet, on ``voxels`` of ``grid``.

    ``voxels`` are flat (C-order) indices into ``grid``; operator rows follow their order.
    """

    operator: DoseOperator
    voxels: IntArray = field(repr=False)
    grid: Grid
    beams: tuple[Beam, ...]
    bixels: Bixels

    def dose_gy(self, weights_mu: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Dose on the full grid (Gy) for beamlet weights in MU.

        The second kernel component is negative in places, so far from every field the sum can
        dip a few micro-Gy below zero; physical dose is clipped at 0.
        """
        w = np.asarray(weights_mu, dtype=np.float32)
        if w.shape != (self.bixels.count,):
            raise InputError(
                "weights_mu", f"must have one weight per beamlet ({self.bixels.count})", w.shape, ""
            )
        full = np.zeros(int(np.prod(self.grid.shape)), dtype=np.float32)
        full[self.voxels] = np.maximum(self.operator.matvec(w), 0.0)
        return full.reshape(self.grid.shape)

    def rows_of(self, mask: npt.NDArray[np.bool_]) -> IntArray:
        """Operator rows of the voxels inside a boolean mask on ``grid``."""
        result: IntArray = np.flatnonzero(mask.ravel()[self.voxels])
        return result


def compute_dose_influence(
    density: npt.NDArray[np.floating],
    ct_grid: Grid,
    dose_grid: Grid,
    dose_voxels: IntArray,
    beams: tuple[Beam, ...],
    bixels: Bixels,
    model: PhotonBeamModel | None = None,
    cutoff_mm: float = 20.0,
    threshold: float = 1e-3,
    on_beam: Callable[[int, int], None] | None = None,
) -> DoseInfluence:
    """Compute the dose-influence matrix of all beamlets on ``dose_voxels`` of ``dose_grid``.

    Parameters
    ----------
    density
        Relative electron density on ``ct_grid``.
    dose_grid, dose_voxels
        Dose grid and the flat indices of the voxels to compute (e.g. the BODY).
    beams, bixels
        Beams and their beamlets (:func:`select_bixels`).
    model
        Beam model; the packaged generic 6 MV model by default.
    cutoff_mm
        Lateral cut-off of the sparse matrix (isocentre plane, mm); scatter beyond it is
        carried by the far-scatter operator out to :data:`FAR_REACH_MM`.
    threshold
        Entries below this fraction of the beamlet's central-axis dmax dose are dropped.
    on_beam
        Called as ``on_beam(done, len(beams))`` after each beam's block is computed.
    """
    beam_model = model or load_generic_6mv()
    if dose_grid.frame_of_reference_uid != ct_grid.frame_of_reference_uid:
        raise GeometryMismatchError(
            "dose_grid",
            "dose grid and CT must share one Frame of Reference",
            f"{dose_grid.frame_of_reference_uid} vs {ct_grid.frame_of_reference_uid}",
            "build the dose grid from the planning CT",
        )
    if np.any(np.diff(bixels.beam_index) < 0):
        raise InputError(
            "bixels", "must be ordered by beam", bixels.beam_index[:10], "use select_bixels"
        )
    voxels = np.asarray(dose_voxels, dtype=np.int64)
    k, j, i = np.unravel_index(voxels, dose_grid.shape)
    points = dose_grid.index_to_world(np.stack([k, j, i], axis=1).astype(np.float64))
    blocks, far = [], []
    for b, beam in enumerate(beams):
        columns = bixels.of_beam(b)
        near, far_op = beam_block(
            density, ct_grid, points, beam, bixels, columns, beam_model, cutoff_mm, threshold
        )
        blocks.append(near)
        if far_op is not None:
            far.append(far_op)
        if on_beam is not None:
            on_beam(b + 1, len(beams))
    matrix = concatenate_columns(blocks, voxels.size)
    return DoseInfluence(DoseOperator(matrix, tuple(far)), voxels, dose_grid, beams, bixels)
