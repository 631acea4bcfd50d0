"""Dose-influence block of one beam: near sparse matrix and far-scatter operator.

Implements the beamlet dose formula of :mod:`hccrt.planning.dij` for the beamlets of one beam;
:func:`concatenate_columns` joins the per-beam blocks into one matrix.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hccrt.errors import GeometryMismatchError
from hccrt.geometry.grid import Grid
from hccrt.planning.beam_model import PhotonBeamModel
from hccrt.planning.beams import Beam
from hccrt.planning.bixels import Bixels
from hccrt.planning.raytrace import radiological_depth
from hccrt.planning.scatter import FarScatter, build_far_scatter

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FAR_REACH_MM = 150.0
"""Lateral reach of the long-range scatter (mm); the tabulated kernels end at 179.5 mm."""


def beam_block(
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
    ssd = central_ssd(density, ct_grid, beam, np.asarray(beam.isocenter_mm))
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


def concatenate_columns(blocks: list[sp.csc_matrix], n_rows: int) -> sp.csc_matrix:
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


def central_ssd(
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
