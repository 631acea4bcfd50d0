"""Radiological (water-equivalent) depth along diverging rays.

The relative electron density volume is resampled onto a fan-beam grid aligned with the beam
(lateral positions ``(u, v)`` at the isocentre plane, distance ``w`` from the source along the
central axis), integrated along each fan line with the true path length, and read back at the
query points by trilinear interpolation. Outside the CT the density is 0 (air).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.ndimage import map_coordinates

from hccrt.errors import GeometryMismatchError
from hccrt.geometry.grid import Grid
from hccrt.planning.beams import Beam

FloatArray = npt.NDArray[np.float64]


def radiological_depth(
    density: npt.NDArray[np.floating],
    grid: Grid,
    beam: Beam,
    points_mm: npt.ArrayLike,
    step_mm: float | None = None,
    lateral_step_mm: float | None = None,
) -> FloatArray:
    """Water-equivalent depth (mm) of LPS points for one beam.

    Parameters
    ----------
    density
        Relative electron density on ``grid`` (``[k, j, i]``).
    grid
        Geometry of ``density``.
    beam
        The beam (source position and axes).
    points_mm
        ``(N, 3)`` LPS points.
    step_mm
        Sampling step along the rays: the smallest voxel spacing, clamped to 2-3 mm, by
        default. Across the rays the fan lines are ``lateral_step_mm`` apart at the isocentre
        plane (default: the smallest voxel spacing, at least 2.5 mm).

    Raises
    ------
    GeometryMismatchError
        If a point lies behind the source (the source would be inside the patient).
    """
    pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 3)
    if pts.shape[0] == 0:
        return np.zeros(0)
    u, v, w = beam.to_beam(pts)
    if not np.all(np.isfinite(u)) or np.min(w) < 1.0:
        raise GeometryMismatchError(
            "beam",
            f"{beam.name}: points lie at or behind the source (SAD {beam.sad_mm:g} mm)",
            float(np.min(w)),
            "move the isocentre or use a larger SAD",
        )
    spacing = min(grid.spacing_mm)
    # Sub-millimetre CT pixels need no sub-millimetre rays for 5 mm beamlets: 2-3 mm samples.
    step = step_mm if step_mm is not None else float(np.clip(spacing, 2.0, 3.0))
    lateral = lateral_step_mm if lateral_step_mm is not None else max(spacing, 2.5)
    corners = grid.index_to_world(
        np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=np.float64)
        * (np.array(grid.shape) - 1)
    )
    _, _, w_corner = beam.to_beam(corners)
    w_start = max(1.0, float(np.nanmin(w_corner)) - spacing)
    w_stop = float(np.max(w)) + step
    u_axis = np.arange(np.min(u) - lateral, np.max(u) + 2 * lateral, lateral)
    v_axis = np.arange(np.min(v) - lateral, np.max(v) + 2 * lateral, lateral)
    w_axis = np.arange(w_start, w_stop + step, step)
    depth_volume = np.empty((u_axis.size, v_axis.size, w_axis.size), dtype=np.float32)
    inverse = np.linalg.inv(grid.affine)
    # index = M @ (u w / SAD, v w / SAD, w) + offset: linear in the fan coordinates.
    basis = beam.axes
    m = inverse[:3, :3] @ np.stack([basis[0], basis[1], beam.direction], axis=1)
    offset = inverse[:3, :3] @ beam.source_mm + inverse[:3, 3]
    scale = (w_axis / beam.sad_mm).astype(np.float32)
    w32 = w_axis.astype(np.float32)
    for a, u_value in enumerate(u_axis):
        uw = np.float32(u_value) * scale
        vw = v_axis.astype(np.float32)[:, None] * scale[None, :]
        index = np.empty((3, v_axis.size, w_axis.size), dtype=np.float32)
        for r in range(3):
            index[r] = m[r, 0] * uw[None, :] + m[r, 1] * vw + m[r, 2] * w32[None, :] + offset[r]
        samples = map_coordinates(density, index, order=1, mode="constant", cval=0.0)
        path = step * np.sqrt(1.0 + (u_value**2 + v_axis**2) / beam.sad_mm**2)
        cumulative = np.cumsum(samples, axis=1) - 0.5 * samples
        depth_volume[a] = cumulative * path[:, None]
    coords = np.stack(
        [
            (u - u_axis[0]) / lateral,
            (v - v_axis[0]) / lateral,
            (w - w_axis[0]) / step,
        ]
    )
    result: FloatArray = map_coordinates(depth_volume, coords, order=1, mode="nearest").astype(
        np.float64
    )
    return result
