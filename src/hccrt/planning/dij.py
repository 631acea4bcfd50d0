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

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.ndimage import binary_dilation

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.beam_model import PhotonBeamModel, load_generic_6mv
from hccrt.planning.beams import Beam
from hccrt.planning.raytrace import radiological_depth
from hccrt.planning.scatter import FarScatter, build_far_scatter

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FAR_REACH_MM = 150.0
"""Lateral reach of the long-range scatter (mm); the tabulated kernels end at 179.5 mm."""


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


@dataclass(frozen=True, eq=False)
class DoseOperator:
    """Linear map from beamlet weights (MU) to dose (Gy) at a set of rows (voxels).

    ``near`` is the sparse float32 matrix within the lateral cut-off; ``far`` the long-range
    scatter operators of the beams (:mod:`hccrt.planning.scatter`).
    """

    near: sp.csc_matrix | sp.csr_matrix = field(repr=False)
    far: tuple[FarScatter, ...] = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, beamlets)."""
        return (int(self.near.shape[0]), int(self.near.shape[1]))

    def matvec(self, weights_mu: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Dose (Gy) at the rows."""
        w = np.asarray(weights_mu, dtype=np.float32)
        result: npt.NDArray[np.float32] = np.asarray(self.near @ w, dtype=np.float32)
        for op in self.far:
            result[op.rows] += op.matvec(w)
        return result

    def rmatvec(self, values: npt.ArrayLike) -> FloatArray:
        """Transpose product: gradient with respect to the weights of ``values . dose``."""
        v = np.asarray(values, dtype=np.float32)
        out = np.asarray(self.near.T @ v, dtype=np.float64)
        for op in self.far:
            op.rmatvec(v, out)
        return out

    def columns_dose(self, fractions: sp.spmatrix) -> FloatArray:
        """Dose of several weight vectors at once: ``(rows, k)`` for ``(beamlets, k)`` input."""
        dense = np.asarray(fractions.todense(), dtype=np.float32)
        return np.stack([self.matvec(dense[:, c]) for c in range(dense.shape[1])], axis=1)

    def rows(self, selected: npt.ArrayLike) -> DoseOperator:
        """The operator restricted to the given row positions."""
        idx = np.asarray(selected, dtype=np.int64)
        far = (op.restrict(idx) for op in self.far)
        return DoseOperator(
            sp.csr_matrix(self.near[idx]), tuple(op for op in far if op is not None)
        )

    @property
    def nbytes(self) -> int:
        """Memory held by the operator (bytes)."""
        m = self.near
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes) + sum(
            op.nbytes for op in self.far
        )


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
        near, far_op = _beam_block(
            density, ct_grid, points, beam, bixels, columns, beam_model, cutoff_mm, threshold
        )
        blocks.append(near)
        if far_op is not None:
            far.append(far_op)
    matrix = _concatenate_columns(blocks, voxels.size)
    return DoseInfluence(DoseOperator(matrix, tuple(far)), voxels, dose_grid, beams, bixels)


def _beam_block(
    density: npt.NDArray[np.floating],
    ct_grid: Grid,
    points: FloatArray,
    beam: Beam,
    bixels: Bixels,
    columns: IntArray,
    model: PhotonBeamModel,
    cutoff_mm: float,
    threshold: float,
) -> tuple[sp.csc_matrix, FarScatter | None]:
    """Near matrix ``(voxels, len(columns))`` in Gy/MU and the far-scatter operator."""
    size = bixels.bixel_mm
    n_voxels = points.shape[0]
    shape = (n_voxels, columns.size)
    empty = sp.csc_matrix(shape, dtype=np.float32)
    if columns.size == 0:
        return empty, None
    ssd = _central_ssd(density, ct_grid, beam, np.asarray(beam.isocenter_mm))
    u, v, w = beam.to_beam(points)
    bu = bixels.u_mm[columns]
    bv = bixels.v_mm[columns]
    far_reach = FAR_REACH_MM + size
    region = np.flatnonzero(
        (u > bu.min() - far_reach)
        & (u < bu.max() + far_reach)
        & (v > bv.min() - far_reach)
        & (v < bv.max() + far_reach)
    )
    if region.size == 0:
        return empty, None
    calibration = model.calibration_per_fluence
    reach = cutoff_mm + size
    in_tube = (
        (u[region] > bu.min() - reach)
        & (u[region] < bu.max() + reach)
        & (v[region] > bv.min() - reach)
        & (v[region] < bv.max() + reach)
    )
    # Far scatter is smooth: its depths come from fan lines twice as far apart as the near ones.
    depth_all = radiological_depth(
        density,
        ct_grid,
        beam,
        points[region],
        lateral_step_mm=2 * max(min(ct_grid.spacing_mm), 2.5),
    )
    if np.any(in_tube):
        depth_all[in_tube] = radiological_depth(density, ct_grid, beam, points[region[in_tube]])
    factors_all = (
        model.depth_components(depth_all) * (beam.sad_mm / w[region]) ** 2 * calibration
    ).T
    far_kernels = model.far_scatter_lattice(size, ssd, cutoff_mm, FAR_REACH_MM)
    primary = model.primary_fluence(np.hypot(bu, bv)).astype(np.float32)
    far_op = build_far_scatter(
        columns, bu, bv, size, far_kernels, region, u[region], v[region], factors_all, primary
    )
    tube_idx = region[in_tube]
    if tube_idx.size == 0:
        return empty, far_op
    tables = model.beamlet_tables(size, ssd, cutoff_mm)
    tu, tv = u[tube_idx], v[tube_idx]
    comps32 = factors_all[in_tube].T.astype(np.float32)
    peak = float(
        np.max(
            tables.tables[:, tables.half, tables.half]
            @ model.depth_components(np.arange(0.0, 50.0, 1.0))
        )
    )
    cut = threshold * peak * calibration
    iu0 = int(np.floor(bu.min() / size))
    iv0 = int(np.floor(bv.min() / size))
    lookup = -np.ones(
        (int(np.floor(bu.max() / size)) - iu0 + 1, int(np.floor(bv.max() / size)) - iv0 + 1),
        dtype=np.int64,
    )
    lookup[
        np.floor(bu / size).astype(np.int64) - iu0, np.floor(bv / size).astype(np.int64) - iv0
    ] = np.arange(columns.size)
    iu = np.floor(tu / size).astype(np.int64) - iu0
    iv = np.floor(tv / size).astype(np.int64) - iv0
    radius = int(np.ceil(cutoff_mm / size)) + 1
    rows_out, cols_out, vals_out = [], [], []
    h, half = tables.step_mm, tables.half
    for du in range(-radius, radius + 1):
        for dv in range(-radius, radius + 1):
            if (abs(du) - 1) ** 2 + (abs(dv) - 1) ** 2 > (cutoff_mm / size) ** 2 and (
                abs(du) > 1 or abs(dv) > 1
            ):
                continue
            cu, cv = iu + du, iv + dv
            ok = (cu >= 0) & (cu < lookup.shape[0]) & (cv >= 0) & (cv < lookup.shape[1])
            sel = np.flatnonzero(ok)
            local = lookup[cu[sel], cv[sel]]
            keep = local >= 0
            sel, local = sel[keep], local[keep]
            if sel.size == 0:
                continue
            a = np.rint((tu[sel] - bu[local]) / h).astype(np.int64) + half
            c = np.rint((tv[sel] - bv[local]) / h).astype(np.int64) + half
            inside = (a >= 0) & (a <= 2 * half) & (c >= 0) & (c <= 2 * half)
            sel, local, a, c = sel[inside], local[inside], a[inside], c[inside]
            flat = c * (2 * half + 1) + a
            t = tables.tables.reshape(3, -1)
            value = (
                comps32[0, sel] * t[0, flat]
                + comps32[1, sel] * t[1, flat]
                + comps32[2, sel] * t[2, flat]
            )
            value *= primary[local]
            keep = value > cut
            rows_out.append(tube_idx[sel[keep]])
            cols_out.append(local[keep])
            vals_out.append(value[keep])
    if not rows_out:
        return empty, far_op
    near = sp.csc_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
        shape=shape,
        dtype=np.float32,
    )
    return near, far_op


def _concatenate_columns(blocks: list[sp.csc_matrix], n_rows: int) -> sp.csc_matrix:
    """Join per-beam CSC blocks side by side with one copy of the data."""
    data = np.concatenate([b.data.astype(np.float32, copy=False) for b in blocks])
    indices = np.concatenate([b.indices.astype(np.int32, copy=False) for b in blocks])
    offsets = np.cumsum([0] + [b.nnz for b in blocks[:-1]])
    indptr = np.concatenate(
        [np.zeros(1, dtype=np.int64)]
        + [b.indptr[1:].astype(np.int64) + off for b, off in zip(blocks, offsets, strict=True)]
    )
    n_cols = sum(b.shape[1] for b in blocks)
    return sp.csc_matrix((data, indices, indptr), shape=(n_rows, n_cols))


def _central_ssd(
    density: npt.NDArray[np.floating], ct_grid: Grid, beam: Beam, iso: FloatArray
) -> float:
    """Source-skin distance along the central axis (first density > 0.5), mm."""
    distances = np.arange(1.0, 2 * beam.sad_mm, 2.0)
    points = beam.source_mm + distances[:, None] * beam.direction
    index = ct_grid.world_to_index(points)
    near = np.rint(index).astype(np.int64)
    inside = np.all((near >= 0) & (near < np.array(ct_grid.shape)), axis=1)
    values = np.zeros(distances.size)
    values[inside] = density[near[inside, 0], near[inside, 1], near[inside, 2]]
    hit = np.flatnonzero(values > 0.5)
    if hit.size == 0:
        raise GeometryMismatchError(
            "beam",
            f"{beam.name}: the central axis passes through no tissue in the CT",
            f"isocentre {np.round(iso, 1).tolist()}",
            "place the isocentre inside the patient",
        )
    return float(distances[hit[0]])
