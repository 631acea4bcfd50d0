"""Water and slab phantoms for commissioning, calibration and validation.

A gantry-0 beam (source anterior, ``u`` = patient left, ``v`` = superior) on a phantom whose
surface lies at SSD; the density is a function of depth below the surface (water, or slabs of
other densities). Doses are read on the beam grid directly (no resampling).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import map_coordinates

from hccrt.dose._beam_model import BeamModel
from hccrt.dose._engine import BeamGrid, Float32Array, FloatArray, beam_dose
from hccrt.dose.fluence import BeamFluence

GANTRY0_AXES = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
MAX_DEPTH_MM = 320.0


@dataclass(frozen=True)
class Slab:
    """A layer below the surface: ``thickness_mm`` of relative density ``density``."""

    thickness_mm: float
    density: float


def open_field(
    model: BeamModel, field_x_mm: float, field_y_mm: float, pixel_mm: float = 1.0
) -> BeamFluence:
    """1 MU of an open rectangular field (at the isocentre plane), jaw transmission outside."""
    half_x, half_y = field_x_mm / 2.0, field_y_mm / 2.0
    reach_x, reach_y = half_x + 30.0, half_y + 30.0
    u = np.arange(-reach_x + pixel_mm / 2, reach_x, pixel_mm)
    v = np.arange(-reach_y + pixel_mm / 2, reach_y, pixel_mm)
    cover_u = np.clip((half_x - np.abs(u)) / pixel_mm + 0.5, 0.0, 1.0)
    cover_v = np.clip((half_y - np.abs(v)) / pixel_mm + 0.5, 0.0, 1.0)
    opening = cover_v[:, None] * cover_u[None, :]
    transmission = model.collimator.jaw_transmission
    fluence = transmission + (1.0 - transmission) * opening
    return BeamFluence(
        name=f"{field_x_mm:g}x{field_y_mm:g}",
        machine=model.machine,
        energy=model.energy,
        isocenter_mm=np.zeros(3),
        axes=GANTRY0_AXES,
        sad_mm=model.sad_mm,
        u_mm=u,
        v_mm=v,
        fluence_mu=fluence,
        monitor_units=1.0,
    )


@dataclass(frozen=True)
class PhantomDose:
    """Dose (Gy per MU) of one field on its beam grid, with the phantom's SSD."""

    dose: Float32Array
    grid: BeamGrid
    ssd_mm: float

    def at(self, depth_mm: npt.ArrayLike, off_axis_u_mm: npt.ArrayLike = 0.0) -> FloatArray:
        """Dose at depths below the surface and off-axis positions along ``u`` (same shape)."""
        depth, offset = np.broadcast_arrays(
            np.asarray(depth_mm, dtype=np.float64), np.asarray(off_axis_u_mm, dtype=np.float64)
        )
        shape = depth.shape
        depth, offset = depth.ravel(), offset.ravel()
        sw, sv, su = self.grid.spacing_mm
        w = self.ssd_mm + depth
        coords = [
            (w - self.grid.w_mm[0]) / sw,
            np.full(w.shape, -self.grid.v_mm[0] / sv),
            (offset - self.grid.u_mm[0]) / su,
        ]
        result: FloatArray = map_coordinates(self.dose, coords, order=1, mode="nearest")
        return result.reshape(shape)

    def depth_dose(self, step_mm: float = 0.5) -> tuple[FloatArray, FloatArray]:
        """Central-axis depths (mm) and dose, finely interpolated."""
        depths = np.arange(0.0, MAX_DEPTH_MM - 20.0, step_mm)
        return depths, self.at(depths)

    def dmax_mm(self) -> float:
        """Depth of maximum dose on the axis (mm)."""
        depths, dose = self.depth_dose()
        return float(depths[int(np.argmax(dose))])


def phantom_dose(
    model: BeamModel,
    field_x_mm: float,
    field_y_mm: float,
    ssd_mm: float = 1000.0,
    slabs: Sequence[Slab] = (),
    spacing_mm: float = 2.5,
    lateral_spacing_mm: float | None = None,
    gy_per_terma: float | None = None,
) -> PhantomDose:
    """Dose per MU of an open field on a water (or slab) phantom at ``ssd_mm``.

    Parameters
    ----------
    model
        Beam model (``gy_per_terma`` overrides its calibration when given).
    field_x_mm, field_y_mm
        Field size at the isocentre plane (mm).
    ssd_mm
        Source-surface distance (mm).
    slabs
        Layers below the surface; water below the last one.
    spacing_mm, lateral_spacing_mm
        Kernel grid along and across the beam (mm).
    gy_per_terma
        Calibration override.

    Returns
    -------
    PhantomDose
        Dose (Gy per MU) on the beam grid, read with :meth:`PhantomDose.at`.
    """
    fluence = open_field(model, field_x_mm, field_y_mm)
    surface_y = -model.sad_mm + ssd_mm
    boundaries = np.cumsum([0.0] + [s.thickness_mm for s in slabs])
    densities = np.array([s.density for s in slabs] + [1.0], dtype=np.float32)

    def density_at(points_mm: FloatArray) -> Float32Array:
        depth = points_mm[:, 1] - surface_y
        layer = np.searchsorted(boundaries[1:], depth, side="right")
        result: Float32Array = np.where(depth >= 0.0, densities[layer], 0.0).astype(np.float32)
        return result

    # Start one voxel above the surface so the first plane is air.
    w_range = (ssd_mm - spacing_mm / 2.0, ssd_mm + MAX_DEPTH_MM)
    dose, grid = beam_dose(
        fluence, model, density_at, w_range, spacing_mm, lateral_spacing_mm, gy_per_terma
    )
    return PhantomDose(dose, grid, ssd_mm)


def calibrate(model: BeamModel, spacing_mm: float = 2.5) -> BeamModel:
    """Set ``gy_per_terma`` so that the reference condition gives the calibration dose."""
    field = model.reference_field_mm
    target = model.calibration_cgy_per_mu / 100.0
    photon = phantom_dose(model, field, field, model.reference_ssd_mm, (), spacing_mm, None, 1.0)
    without = model.with_values(electron_fraction=0.0, electron_fraction_per_mm=0.0)
    photon_only = phantom_dose(
        without, field, field, model.reference_ssd_mm, (), spacing_mm, None, 1.0
    )
    depths, with_e = photon.depth_dose()
    _, ph = photon_only.depth_dose()
    electrons = with_e - ph
    factor = 1.0
    for _ in range(3):
        total = factor * ph + electrons
        index = (
            int(np.argmax(total))
            if model.reference_depth_mm is None
            else int(np.argmin(np.abs(depths - model.reference_depth_mm)))
        )
        factor = float((target - electrons[index]) / ph[index])
    return model.with_values(gy_per_terma=factor)
