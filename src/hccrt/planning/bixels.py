"""Beamlets (bixels): square elements of each beam's fluence at the isocentre plane.

:func:`select_bixels` keeps the beamlets that touch the beam's-eye-view projection of the
target, dilated by a margin; their columns index the dose-influence matrix
(:mod:`hccrt.planning.dij`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import binary_dilation

from hccrt.errors import InputError
from hccrt.planning.beams import Beam

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Bixels:
    """Beamlets of all beams: beam index and centre ``(u, v)`` at the isocentre plane (mm)."""

    beam_index: IntArray
    u_mm: FloatArray
    v_mm: FloatArray
    bixel_mm: float

    @property
    def count(self) -> int:
        """Number of beamlets."""
        return int(self.beam_index.size)

    def of_beam(self, beam: int) -> IntArray:
        """Column indices of the beamlets of one beam."""
        result: IntArray = np.flatnonzero(self.beam_index == beam)
        return result

    def leaf_neighbours(self) -> tuple[IntArray, IntArray]:
        """Pairs of columns ``(left, right)``: beamlets of the same beam and row whose centres
        are one beamlet apart along the leaf travel (``u``), ``right`` at the larger ``u``."""
        cols = np.rint(self.u_mm / self.bixel_mm - 0.5).astype(np.int64)
        rows = np.rint(self.v_mm / self.bixel_mm - 0.5).astype(np.int64)
        order = np.lexsort((cols, rows, self.beam_index))
        same_row = (np.diff(self.beam_index[order]) == 0) & (np.diff(rows[order]) == 0)
        adjacent = same_row & (np.diff(cols[order]) == 1)
        left: IntArray = order[:-1][adjacent]
        right: IntArray = order[1:][adjacent]
        return left, right


def select_bixels(
    beams: tuple[Beam, ...], target_points_mm: FloatArray, bixel_mm: float, margin_mm: float
) -> Bixels:
    """Beamlets whose square touches the BEV projection of the target, dilated by a margin."""
    if target_points_mm.shape[0] == 0:
        raise InputError(
            "target", "has no voxels: nothing to plan", 0, "check the target structure (PTV)"
        )
    beam_idx, us, vs = [], [], []
    for b, beam in enumerate(beams):
        u, v, _ = beam.to_beam(target_points_mm)
        iu = np.floor(u / bixel_mm).astype(np.int64)
        iv = np.floor(v / bixel_mm).astype(np.int64)
        pad = int(np.ceil(margin_mm / bixel_mm)) + 1
        lo_u, lo_v = iu.min() - pad, iv.min() - pad
        mask = np.zeros((iu.max() - lo_u + pad + 1, iv.max() - lo_v + pad + 1), dtype=bool)
        mask[iu - lo_u, iv - lo_v] = True
        radius = int(np.ceil(margin_mm / bixel_mm))
        if radius > 0:
            yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
            disk = (xx**2 + yy**2) * bixel_mm**2 <= (margin_mm + 0.5 * bixel_mm) ** 2
            mask = binary_dilation(mask, structure=disk)
        a, c = np.nonzero(mask)
        beam_idx.append(np.full(a.size, b))
        us.append((a + lo_u + 0.5) * bixel_mm)
        vs.append((c + lo_v + 0.5) * bixel_mm)
    return Bixels(np.concatenate(beam_idx), np.concatenate(us), np.concatenate(vs), float(bixel_mm))
