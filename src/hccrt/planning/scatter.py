"""Long-range scatter of the beamlets beyond the sparse matrix's lateral cut-off.

Scatter beyond the cut-off varies slowly across the field, so it is not stored per
(voxel, beamlet) pair. For each beam the beamlet weights, laid on the beamlet lattice of the
isocentre plane, are convolved with the far part of each kernel component
(:meth:`PhotonBeamModel.far_scatter_lattice`), interpolated bilinearly at each voxel's
``(u, v)`` and multiplied by the voxel's depth components and inverse-square factor. The
operator is linear in the weights and has an exact adjoint (used by the optimisers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import fft as sp_fft

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class FarScatter:
    """Far-scatter operator of one beam.

    Parameters
    ----------
    columns
        Global beamlet indices of the beam.
    lattice_index
        ``(len(columns), 2)`` lattice position ``(a, b)`` of each beamlet in the node grid.
    node_shape
        Shape of the node grid (lattice of the isocentre plane).
    kernels
        ``(3, 2n+1, 2n+1)`` far lateral factors on lattice offsets.
    rows
        Operator rows the beam's far scatter reaches.
    interpolation
        ``(len(rows), nodes)`` CSR bilinear interpolation of node values at those rows.
    depth_factors
        ``(len(rows), 3)`` depth components times inverse square times calibration (float32).
    primary
        Off-axis primary fluence of each beamlet.
    """

    columns: IntArray
    lattice_index: IntArray
    node_shape: tuple[int, int]
    rows: IntArray
    kernels: npt.NDArray[np.float32] = field(repr=False)
    interpolation: sp.csr_matrix = field(repr=False)
    depth_factors: npt.NDArray[np.float32] = field(repr=False)
    primary: npt.NDArray[np.float32] = field(repr=False)
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def _spectra(self) -> tuple[tuple[int, int], npt.NDArray[np.complex64]]:
        cached = self._cache.get("spectra")
        if cached is None:
            n = self.kernels.shape[1]
            size = (
                int(sp_fft.next_fast_len(self.node_shape[0] + n - 1)),
                int(sp_fft.next_fast_len(self.node_shape[1] + n - 1)),
            )
            spectra = sp_fft.rfft2(self.kernels, s=size, axes=(1, 2)).astype(np.complex64)
            cached = (size, spectra)
            self._cache["spectra"] = cached
        return cast(tuple[tuple[int, int], npt.NDArray[np.complex64]], cached)

    def matvec(self, weights: npt.NDArray[np.floating]) -> npt.NDArray[np.float32]:
        """Far-scatter dose at :attr:`rows` for all beamlet weights (global vector)."""
        size, spectra = self._spectra()
        half = self.kernels.shape[1] // 2
        h, w = self.node_shape
        grid = np.zeros(self.node_shape, dtype=np.float32)
        grid[self.lattice_index[:, 0], self.lattice_index[:, 1]] = (
            weights[self.columns] * self.primary
        )
        full = sp_fft.irfft2(sp_fft.rfft2(grid, s=size)[None] * spectra, s=size, axes=(1, 2))
        maps = full[:, half : half + h, half : half + w].reshape(3, -1).T
        at_rows = self.interpolation @ maps.astype(np.float32)
        result: npt.NDArray[np.float32] = np.einsum("ij,ij->i", at_rows, self.depth_factors)
        return result

    def rmatvec(self, values: npt.NDArray[np.floating], out: FloatArray) -> None:
        """Add the adjoint product for values at all operator rows to ``out`` (global vector)."""
        size, spectra = self._spectra()
        half = self.kernels.shape[1] // 2
        weighted = self.depth_factors * np.asarray(values, dtype=np.float32)[self.rows, None]
        nodes = np.asarray(self.interpolation.T @ weighted)  # (node count, 3)
        grids = nodes.T.reshape(3, *self.node_shape)
        corr = sp_fft.irfft2(
            sp_fft.rfft2(grids, s=size, axes=(1, 2)) * np.conj(spectra), s=size, axes=(1, 2)
        ).sum(axis=0)
        a = (self.lattice_index[:, 0] - half) % size[0]
        b = (self.lattice_index[:, 1] - half) % size[1]
        out[self.columns] += corr[a, b] * self.primary

    def restrict(self, selected: IntArray) -> FarScatter | None:
        """The operator on a subset of operator rows (renumbered 0..len(selected)-1)."""
        position = np.full(
            max(int(self.rows.max(initial=-1)), int(selected.max(initial=-1))) + 1, -1
        )
        position[selected] = np.arange(selected.size)
        mapped = position[self.rows]
        keep = np.flatnonzero(mapped >= 0)
        if keep.size == 0:
            return None
        return FarScatter(
            self.columns,
            self.lattice_index,
            self.node_shape,
            mapped[keep],
            self.kernels,
            sp.csr_matrix(self.interpolation[keep]),
            self.depth_factors[keep],
            self.primary,
        )

    @property
    def nbytes(self) -> int:
        """Memory held (bytes)."""
        m = self.interpolation
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes + self.depth_factors.nbytes)


def build_far_scatter(
    columns: IntArray,
    bixel_u_mm: FloatArray,
    bixel_v_mm: FloatArray,
    bixel_mm: float,
    kernels: FloatArray,
    voxel_rows: IntArray,
    voxel_u_mm: FloatArray,
    voxel_v_mm: FloatArray,
    depth_factors: FloatArray,
    primary: npt.NDArray[np.floating],
) -> FarScatter:
    """Assemble the operator for one beam.

    ``voxel_rows`` are the matrix rows the beam's far scatter reaches, with their isocentre-plane
    positions and ``(len, 3)`` depth factors; other rows receive no far scatter.
    """
    n = kernels.shape[1] // 2
    # The lattice starts at the first beamlet centre: indices are exact integers whatever the
    # lattice's phase (rounding u/w - 1/2 assumed centres at (k + 1/2) w and, for centres at
    # k w, merged pairs of beamlets by round-half-to-even, losing their weights).
    u0, steps_u = _lattice_steps(bixel_u_mm, bixel_mm, "bixel_u_mm")
    v0, steps_v = _lattice_steps(bixel_v_mm, bixel_mm, "bixel_v_mm")
    shape = (int(steps_u.max()) + 2 * n + 1, int(steps_v.max()) + 2 * n + 1)
    lattice = np.stack([steps_u + n, steps_v + n], axis=1)
    fa = (voxel_u_mm - u0) / bixel_mm + n
    fb = (voxel_v_mm - v0) / bixel_mm + n
    inside = (fa >= 0) & (fa < shape[0] - 1) & (fb >= 0) & (fb < shape[1] - 1)
    rows, fa, fb, factors = voxel_rows[inside], fa[inside], fb[inside], depth_factors[inside]
    ia, ib = np.floor(fa).astype(np.int64), np.floor(fb).astype(np.int64)
    ta, tb = fa - ia, fb - ib
    node_cols, node_w = [], []
    for da, wa in ((0, 1 - ta), (1, ta)):
        for db, wb in ((0, 1 - tb), (1, tb)):
            node_cols.append((ia + da) * shape[1] + (ib + db))
            node_w.append(wa * wb)
    local = np.arange(rows.size)
    interp = sp.csr_matrix(
        (
            np.concatenate(node_w).astype(np.float32),
            (np.tile(local, 4), np.concatenate(node_cols)),
        ),
        shape=(rows.size, shape[0] * shape[1]),
    )
    return FarScatter(
        columns,
        lattice,
        shape,
        rows,
        kernels.astype(np.float32),
        interp,
        factors.astype(np.float32),
        np.asarray(primary, dtype=np.float32),
    )


def _lattice_steps(centres_mm: FloatArray, pitch_mm: float, name: str) -> tuple[float, IntArray]:
    """Origin (the smallest centre) and integer lattice steps of beamlet centres.

    Raises
    ------
    InputError
        Centres that are not on one lattice of the given pitch (the operator would misplace
        their scatter).
    """
    origin = float(np.min(centres_mm))
    steps = (np.asarray(centres_mm, dtype=np.float64) - origin) / pitch_mm
    nearest = np.rint(steps)
    if np.any(np.abs(steps - nearest) > 1e-6):
        worst = float(np.max(np.abs(steps - nearest)) * pitch_mm)
        raise InputError(
            name,
            f"beamlet centres must lie on one lattice of pitch {pitch_mm:g} mm",
            f"off by up to {worst:.3g} mm",
            "build the beamlets on a regular lattice",
        )
    return origin, nearest.astype(np.int64)
