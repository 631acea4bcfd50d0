"""Final dose: TERMA ray-traced through the density, collapsed-cone superposition, per beam.

Each :class:`~hccrt.dose.fluence.BeamFluence` is computed on its own beam-aligned grid
(``w`` along the central axis from the source, ``u``/``v`` across it, parallel planes):

1. the sharp fluence is blurred by the primary source and the extra-focal source of the beam
   model and multiplied by the off-axis horn factor;
2. the radiological depth along the diverging rays is accumulated plane by plane;
3. TERMA = fluence (at the isocentre plane, projected along the rays) x inverse square x
   ``mu(d) exp(-int mu)`` (effective polyenergetic attenuation with hardening);
4. collapsed-cone superposition (:mod:`._ccc`) with density-scaled path lengths;
5. electron contamination is added; the beam-grid dose is interpolated (trilinear) onto the
   output grid and summed over beams.

The dose is dose to medium in the sense of the density-scaled water kernel (energy per mass
of water of the local electron density), the convention of collapsed-cone engines.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter, map_coordinates

from hccrt.dose._beam_model import BeamModel, BeamModelLibrary
from hccrt.dose._ccc import collapse_cones
from hccrt.dose._kernel import cone_kernel
from hccrt.dose.fluence import BeamFluence
from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid, require_same_frame

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
DensityAt = Callable[[FloatArray], Float32Array]
Progress = Callable[[str, int, int], None]

LATERAL_MARGIN_MM = 40.0
"""Dose is computed up to this distance outside the projected field edge (mm)."""

ELECTRON_MIN_DENSITY = 0.05
"""Electron contamination is not scored in voxels below this density (air)."""


@dataclass(frozen=True)
class BeamGrid:
    """A beam-aligned grid: voxel ``[a, b, c]`` lies at ``source + w_a s' + v_b v + u_c u``.

    ``s'`` is the beam direction (source to isocentre); all positions in mm.
    """

    source_mm: FloatArray
    axes: FloatArray
    w_mm: FloatArray
    v_mm: FloatArray
    u_mm: FloatArray

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(w, v, u)`` voxel counts."""
        return self.w_mm.size, self.v_mm.size, self.u_mm.size

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        """``(w, v, u)`` spacing (mm)."""
        return (
            float(self.w_mm[1] - self.w_mm[0]),
            float(self.v_mm[1] - self.v_mm[0]),
            float(self.u_mm[1] - self.u_mm[0]),
        )

    def to_beam(self, points_mm: FloatArray) -> FloatArray:
        """``(N, 3)`` LPS points to ``(N, 3)`` beam coordinates ``(w, v, u)`` (mm)."""
        rel = points_mm - self.source_mm
        result: FloatArray = np.stack(
            [rel @ -self.axes[2], rel @ self.axes[1], rel @ self.axes[0]], axis=1
        )
        return result

    def plane_points(self, index: int) -> FloatArray:
        """LPS positions ``(nv * nu, 3)`` of the voxels of plane ``index``."""
        vv, uu = np.meshgrid(self.v_mm, self.u_mm, indexing="ij")
        result: FloatArray = (
            self.source_mm
            - self.w_mm[index] * self.axes[2]
            + vv.reshape(-1, 1) * self.axes[1]
            + uu.reshape(-1, 1) * self.axes[0]
        )
        return result


@dataclass(frozen=True)
class EffectiveFluence:
    """The fluence the TERMA sees (isocentre plane), and the one electrons come with."""

    u_mm: FloatArray
    v_mm: FloatArray
    photons: FloatArray
    electrons: FloatArray
    equivalent_square_mm: float


def effective_fluence(fluence: BeamFluence, model: BeamModel) -> EffectiveFluence:
    """Blur the sharp fluence by the focal and extra-focal sources; apply the horns."""
    du, dv = fluence.pixel_mm
    pad_u = int(np.ceil(3.0 * model.extra_focal_sigma_mm / du)) + 2
    pad_v = int(np.ceil(3.0 * model.extra_focal_sigma_mm / dv)) + 2
    sharp = np.pad(fluence.fluence_mu, ((pad_v, pad_v), (pad_u, pad_u)))
    u = fluence.u_mm[0] + du * (np.arange(sharp.shape[1]) - pad_u)
    v = fluence.v_mm[0] + dv * (np.arange(sharp.shape[0]) - pad_v)
    focal = gaussian_filter(
        sharp, (model.source_sigma_mm / dv, model.source_sigma_mm / du), mode="constant"
    )
    extra = gaussian_filter(
        sharp, (model.extra_focal_sigma_mm / dv, model.extra_focal_sigma_mm / du), mode="constant"
    )
    radius2 = np.minimum(u[None, :] ** 2 + v[:, None] ** 2, 200.0**2)
    horn = 1.0 + model.horn_per_mm2 * radius2
    photons = (focal + model.extra_focal_fraction * extra) * horn
    peak = float(fluence.fluence_mu.max())
    area = float(fluence.fluence_mu.sum()) * du * dv
    square = float(np.sqrt(area / peak)) if peak > 0 else 0.0
    return EffectiveFluence(u, v, photons, extra * horn, square)


def beam_grid_for(
    fluence: BeamFluence,
    effective: EffectiveFluence,
    w_range_mm: tuple[float, float],
    spacing_mm: float,
    lateral_spacing_mm: float | None = None,
) -> BeamGrid:
    """The beam-aligned grid covering the field (plus margin) between two source distances."""
    lateral = spacing_mm if lateral_spacing_mm is None else lateral_spacing_mm
    sad = fluence.sad_mm
    w_start, w_stop = w_range_mm
    mask = effective.photons > 1e-3 * float(effective.photons.max())
    if not np.any(mask):
        raise InputError("fluence_mu", "is zero everywhere", fluence.name, "check the beam")
    rows, cols = np.nonzero(mask)
    scale = w_stop / sad
    u_low = effective.u_mm[cols.min()] * scale - LATERAL_MARGIN_MM
    u_high = effective.u_mm[cols.max()] * scale + LATERAL_MARGIN_MM
    v_low = effective.v_mm[rows.min()] * scale - LATERAL_MARGIN_MM
    v_high = effective.v_mm[rows.max()] * scale + LATERAL_MARGIN_MM

    def axis(low: float, high: float) -> FloatArray:
        first, last = np.floor(low / lateral), np.ceil(high / lateral)
        result: FloatArray = np.arange(first, last + 1) * lateral
        return result

    w = np.arange(w_start, w_stop + spacing_mm, spacing_mm)
    return BeamGrid(fluence.source_mm, fluence.axes, w, axis(v_low, v_high), axis(u_low, u_high))


def beam_dose(
    fluence: BeamFluence,
    model: BeamModel,
    density_at: DensityAt,
    w_range_mm: tuple[float, float],
    spacing_mm: float = 2.5,
    lateral_spacing_mm: float | None = None,
    gy_per_terma: float | None = None,
) -> tuple[Float32Array, BeamGrid]:
    """Dose (Gy) of one beam on its beam-aligned grid.

    Parameters
    ----------
    fluence
        The beam direction's fluence.
    model
        Its beam model.
    density_at
        Relative electron density at ``(N, 3)`` LPS points (0 outside the patient).
    w_range_mm
        Source distances (mm) from the entrance of the patient to the deepest dose point.
    spacing_mm, lateral_spacing_mm
        Spacing of the beam grid along and across the beam (the kernel is evaluated there),
        mm; across = along by default.
    gy_per_terma
        Override of the model's calibration factor (used by :func:`calibrate`).
    """
    effective = effective_fluence(fluence, model)
    grid = beam_grid_for(fluence, effective, w_range_mm, spacing_mm, lateral_spacing_mm)
    nw, nv, nu = grid.shape
    density = np.empty(grid.shape, dtype=np.float32)
    for k in range(nw):
        density[k] = density_at(grid.plane_points(k)).reshape(nv, nu)
    depth = radiological_depth(density, grid)
    sad = fluence.sad_mm
    photons = np.empty(grid.shape, dtype=np.float32)
    electrons = np.empty(grid.shape, dtype=np.float32)
    for k, w in enumerate(grid.w_mm):
        photons[k] = _sample(effective.photons, effective, grid, w, sad)
        electrons[k] = _sample(effective.electrons, effective, grid, w, sad)
    inverse_square = ((sad / grid.w_mm) ** 2).astype(np.float32)[:, None, None]
    terma = photons * inverse_square * primary_attenuation(model, depth)
    kernel = cone_kernel().with_scatter_scale(model.kernel_scatter_scale)
    kernel_dose = collapse_cones(terma, density, grid.spacing_mm, kernel)
    factor = model.gy_per_terma if gy_per_terma is None else gy_per_terma
    dose = kernel_dose * np.float32(factor)
    contamination = electron_contamination(model, effective.equivalent_square_mm)
    if contamination > 0:
        e_dose = (
            np.float32(model.calibration_cgy_per_mu / 100.0 * contamination)
            * electrons
            * inverse_square
            * np.exp(-depth / np.float32(model.electron_depth_mm))
        )
        dose += np.where(density >= ELECTRON_MIN_DENSITY, e_dose, 0.0).astype(np.float32)
    return dose, grid


HARDENING_LIMIT = 0.5
"""mu(d) stops falling where the hardening has lowered it by this fraction."""


def primary_attenuation(model: BeamModel, depth_mm: Float32Array) -> Float32Array:
    """``mu(d) exp(-int_0^d mu)`` with ``mu = mu0 (1 - h min(d, d_cap))``, ``h d_cap = 0.5``."""
    mu0, hardening = model.attenuation_per_mm, model.hardening_per_mm
    cap = HARDENING_LIMIT / hardening if hardening > 0 else np.inf
    capped = np.minimum(depth_mm, np.float32(cap))
    mu = mu0 * (1.0 - hardening * capped)
    integral = mu0 * (capped - 0.5 * hardening * capped**2) + mu * (depth_mm - capped)
    result: Float32Array = (mu * np.exp(-integral)).astype(np.float32)
    return result


def electron_contamination(model: BeamModel, equivalent_square_mm: float) -> float:
    """Electron-contamination weight ``c(s)`` of a field (fraction of the reference dose)."""
    value = model.electron_fraction + model.electron_fraction_per_mm * (
        equivalent_square_mm - model.reference_field_mm
    )
    return max(0.0, value)


def _sample(
    values: FloatArray, effective: EffectiveFluence, grid: BeamGrid, w: float, sad: float
) -> Float32Array:
    scale = sad / w
    cols = (grid.u_mm * scale - effective.u_mm[0]) / (effective.u_mm[1] - effective.u_mm[0])
    rows = (grid.v_mm * scale - effective.v_mm[0]) / (effective.v_mm[1] - effective.v_mm[0])
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    result: Float32Array = map_coordinates(
        values, [rr, cc], order=1, mode="constant", cval=0.0
    ).astype(np.float32)
    return result


def radiological_depth(density: Float32Array, grid: BeamGrid) -> Float32Array:
    """Water-equivalent depth (mm) along the diverging rays from the source, per voxel."""
    _nw, nv, nu = grid.shape
    sw, sv, su = grid.spacing_mm
    depth = np.empty(grid.shape, dtype=np.float32)
    vv, uu = np.meshgrid(grid.v_mm, grid.u_mm, indexing="ij")
    previous_depth = np.zeros((nv, nu), dtype=np.float32)
    previous_density = np.zeros((nv, nu), dtype=np.float32)
    for k, w in enumerate(grid.w_mm):
        path = sw * np.sqrt(1.0 + (uu**2 + vv**2) / w**2)
        if k == 0:
            depth[k] = 0.5 * density[k] * path
        else:
            ratio = grid.w_mm[k - 1] / w
            coords = [(vv * ratio - grid.v_mm[0]) / sv, (uu * ratio - grid.u_mm[0]) / su]
            upstream = map_coordinates(previous_depth, coords, order=1, mode="nearest")
            upstream_density = map_coordinates(previous_density, coords, order=1, mode="nearest")
            depth[k] = upstream + 0.5 * (density[k] + upstream_density) * path
        previous_depth, previous_density = depth[k], density[k]
    return depth


def ct_density_sampler(density: npt.NDArray[np.floating], grid: Grid) -> DensityAt:
    """Trilinear density lookup on a CT grid (0 outside)."""
    inverse = np.linalg.inv(grid.affine)
    values = np.asarray(density, dtype=np.float32)

    def density_at(points_mm: FloatArray) -> Float32Array:
        index = points_mm @ inverse[:3, :3].T + inverse[:3, 3]
        result: Float32Array = map_coordinates(
            values, index.T, order=1, mode="constant", cval=0.0
        ).astype(np.float32)
        return result

    return density_at


def compute_dose(
    fluences: Sequence[BeamFluence],
    density: npt.NDArray[np.floating],
    density_grid: Grid,
    models: BeamModelLibrary,
    dose_grid: Grid,
    progress: Progress | None = None,
    kernel_spacing_mm: float = 2.5,
) -> Float32Array:
    """Final dose (Gy, whole delivery of the given fluences) on ``dose_grid``.

    Parameters
    ----------
    fluences
        One :class:`BeamFluence` per beam direction (MU-weighted).
    density
        Relative electron density on ``density_grid`` (e.g. from
        :class:`hccrt.planning.hu_density.HuDensityTable`).
    density_grid
        Geometry of ``density`` (the CT grid).
    models
        Beam models; each fluence's (machine, energy) must have one.
    dose_grid
        Output grid; same Frame of Reference as the CT.
    progress
        Called with ``(beam name, done, total)`` beams.
    kernel_spacing_mm
        Spacing of the beam grids the kernel is evaluated on (mm); 2.5 by default.

    Returns
    -------
    numpy.ndarray
        ``dose_grid.shape`` float32 dose to medium (Gy).
    """
    if not fluences:
        raise InputError("fluences", "must contain at least one beam", 0, "")
    require_same_frame(
        density_grid.frame_of_reference_uid, dose_grid.frame_of_reference_uid, "dose grid vs CT"
    )
    if np.shape(density) != density_grid.shape:
        raise InputError("density", f"shape must be {density_grid.shape}", np.shape(density), "")
    if not (np.isfinite(kernel_spacing_mm) and 1.0 <= kernel_spacing_mm <= 10.0):
        raise InputError("kernel_spacing_mm", "must be in [1, 10] mm", kernel_spacing_mm, "")
    chosen = [models.select(f.machine, f.energy) for f in fluences]
    density_at = ct_density_sampler(density, density_grid)
    corners = _corners(density_grid)
    out_corners = _corners(dose_grid)
    dose = np.zeros(dose_grid.shape, dtype=np.float32)
    out_points = _grid_points(dose_grid)
    for number, (fluence, model) in enumerate(zip(fluences, chosen, strict=True)):
        direction = -fluence.axes[2]
        w_ct = (corners - fluence.source_mm) @ direction
        w_out = (out_corners - fluence.source_mm) @ direction
        if np.min(w_ct) < 1.0:
            raise GeometryMismatchError(
                "isocenter_mm", f"{fluence.name}: the source lies inside the CT", fluence.sad_mm, ""
            )
        w_range = (float(np.min(w_ct)), float(min(np.max(w_ct), np.max(w_out))))
        beam, grid = beam_dose(fluence, model, density_at, w_range, kernel_spacing_mm)
        dose += _resample(beam, grid, out_points).reshape(dose_grid.shape)
        if progress is not None:
            progress(fluence.name, number + 1, len(fluences))
    return dose


def _corners(grid: Grid) -> FloatArray:
    shape = np.array(grid.shape) - 1
    index = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]) * shape
    return grid.index_to_world(index.astype(np.float64))


def _grid_points(grid: Grid) -> FloatArray:
    k, j, i = np.meshgrid(*(np.arange(n) for n in grid.shape), indexing="ij")
    index = np.stack([k.ravel(), j.ravel(), i.ravel()], axis=1).astype(np.float64)
    return grid.index_to_world(index)


def _resample(beam: Float32Array, grid: BeamGrid, points_mm: FloatArray) -> Float32Array:
    coords = grid.to_beam(points_mm)
    origin = np.array([grid.w_mm[0], grid.v_mm[0], grid.u_mm[0]])
    index = (coords - origin) / np.array(grid.spacing_mm)
    result: Float32Array = map_coordinates(
        beam, index.T, order=1, mode="constant", cval=0.0
    ).astype(np.float32)
    return result
