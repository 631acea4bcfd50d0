"""6 MV photon pencil-beam model: depth components, lateral beamlet tables, absolute calibration.

The model is the three-component kernel decomposition of Bortfeld et al. (1993): the dose of a
pencil beam at radiological depth ``d`` and lateral offset ``r`` is
``sum_i D_i(d) K_i(r)`` with depth components
``D_i(d) = beta_i / (beta_i - m) * (exp(-m d) - exp(-beta_i d))`` and three radial kernels
``K_i``. The numbers (``beta_i``, ``m``, the kernels per SSD, the off-axis primary fluence and the
source penumbra) are the generic 6 MV machine of matRad/pyRadPlan, shipped in
``data/photon_6mv_generic.json`` with their provenance.

References
----------
Bortfeld T, Schlegel W, Rhein B. Decomposition of pencil beam kernels for fast dose calculations
in three-dimensional treatment planning. Med Phys 1993;20(2):311-318.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter
from scipy.signal import fftconvolve

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]

TABLE_STEP_MM = 0.5
"""Sampling of the lateral beamlet tables (the kernels are tabulated at 0.5 mm)."""

DATA_FILE = "photon_6mv_generic.json"

FULL_KERNEL_MM = 175.0
"""Radius of the tabulated kernels (the data stop at 179.5 mm)."""


@dataclass(frozen=True)
class BeamletTables:
    """Lateral dose tables of one square beamlet, one per kernel component.

    ``tables[c, a, b]`` is the lateral factor of component ``c`` at offset
    ``((a - half) * step_mm, (b - half) * step_mm)`` from the beamlet centre (isocentre plane).
    """

    bixel_mm: float
    step_mm: float
    half: int
    tables: npt.NDArray[np.float32] = field(repr=False)

    @property
    def reach_mm(self) -> float:
        """Largest lateral offset the tables cover (mm)."""
        return self.half * self.step_mm


@dataclass(frozen=True, eq=False)
class PhotonBeamModel:
    """A photon pencil-beam model (see module docstring for the equations).

    Parameters
    ----------
    name, energy_mv
        Identification.
    sad_mm
        Source-axis distance (mm).
    betas_per_mm, attenuation_per_mm
        Bortfeld depth-decomposition coefficients (1/mm).
    kernel_radius_mm, kernel_ssd_mm, kernels
        Radial kernels ``kernels[s, c, r]`` for SSD ``kernel_ssd_mm[s]`` (1/mm², relative).
    penumbra_fwhm_mm
        Source-size penumbra (Gaussian FWHM at the isocentre plane, mm).
    primary_fluence_radius_mm, primary_fluence_relative
        Off-axis primary fluence (horns of the flattened beam) at the isocentre plane.
    gy_per_mu_reference
        Dose per MU at the reference point (Gy/MU); 0.01 = 1 cGy/MU at dmax, 10x10 cm², SSD 100.
    source
        Provenance of the numbers.
    """

    name: str
    energy_mv: float
    sad_mm: float
    betas_per_mm: tuple[float, float, float]
    attenuation_per_mm: float
    kernel_radius_mm: FloatArray = field(repr=False)
    kernel_ssd_mm: FloatArray = field(repr=False)
    kernels: FloatArray = field(repr=False)
    penumbra_fwhm_mm: float
    primary_fluence_radius_mm: FloatArray = field(repr=False)
    primary_fluence_relative: FloatArray = field(repr=False)
    gy_per_mu_reference: float
    source: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.sad_mm <= 0:
            raise InputError("sad_mm", "must be > 0 mm", self.sad_mm, "check the beam model")
        if any(b <= self.attenuation_per_mm for b in self.betas_per_mm):
            raise InputError(
                "betas_per_mm",
                "every beta must exceed the attenuation coefficient m",
                self.betas_per_mm,
                "check the beam model data",
            )
        n_ssd, n_comp, n_r = np.shape(self.kernels)
        if n_comp != 3 or n_r != len(self.kernel_radius_mm) or n_ssd != len(self.kernel_ssd_mm):
            raise InputError(
                "kernels",
                "must have shape (n_ssd, 3, n_radius)",
                np.shape(self.kernels),
                "check the beam model data",
            )

    def depth_components(self, radiological_depth_mm: npt.ArrayLike) -> FloatArray:
        """The three depth components ``D_i(d)`` (shape ``(3, N)``) at radiological depths (mm)."""
        depth = np.maximum(np.asarray(radiological_depth_mm, dtype=np.float64), 0.0)
        m = self.attenuation_per_mm
        out = np.empty((3, *depth.shape))
        attenuation = np.exp(-m * depth)
        for i, beta in enumerate(self.betas_per_mm):
            out[i] = beta / (beta - m) * (attenuation - np.exp(-beta * depth))
        return out

    def kernel_at_ssd(self, ssd_mm: float) -> FloatArray:
        """Radial kernels ``(3, n_radius)`` interpolated linearly in SSD (clamped to the table)."""
        ssd = float(np.clip(ssd_mm, self.kernel_ssd_mm[0], self.kernel_ssd_mm[-1]))
        upper = int(np.searchsorted(self.kernel_ssd_mm, ssd))
        if upper == 0:
            result: FloatArray = self.kernels[0]
            return result
        lower = upper - 1
        span = self.kernel_ssd_mm[upper] - self.kernel_ssd_mm[lower]
        t = (ssd - self.kernel_ssd_mm[lower]) / span
        blended: FloatArray = (1 - t) * self.kernels[lower] + t * self.kernels[upper]
        return blended

    def primary_fluence(self, off_axis_mm: npt.ArrayLike) -> FloatArray:
        """Relative primary fluence at off-axis distances (isocentre plane, mm)."""
        result: FloatArray = np.interp(
            np.abs(np.asarray(off_axis_mm, dtype=np.float64)),
            self.primary_fluence_radius_mm,
            self.primary_fluence_relative,
        )
        return result

    def field_lateral_factors(
        self,
        width_mm: float,
        height_mm: float,
        ssd_mm: float,
        cutoff_mm: float,
        with_primary_fluence: bool = False,
    ) -> FloatArray:
        """Lateral factors ``(3, n, n)`` of an open rectangular field (isocentre plane).

        The field (``width_mm`` x ``height_mm``, centred) is blurred by the source penumbra and
        convolved with each radial kernel; entries are sampled every :data:`TABLE_STEP_MM` out to
        ``cutoff_mm`` beyond the field edge. ``with_primary_fluence`` applies the off-axis
        primary fluence (horns) across the field; beamlet tables leave it to the engine.
        """
        h = TABLE_STEP_MM
        half = int(np.ceil((max(width_mm, height_mm) / 2 + cutoff_mm) / h))
        axis = np.arange(-half, half + 1) * h
        fluence = _coverage(axis, height_mm, h)[:, None] * _coverage(axis, width_mm, h)[None, :]
        if width_mm < h or height_mm < h:
            raise InputError(
                "bixel_mm", f"must be at least {h} mm", min(width_mm, height_mm), "use >= 1 mm"
            )
        if with_primary_fluence:
            fluence = fluence * self.primary_fluence(np.hypot(axis[:, None], axis[None, :]))
        sigma = self.penumbra_fwhm_mm / (2 * np.sqrt(2 * np.log(2))) / h
        fluence = gaussian_filter(fluence, sigma, mode="constant")
        k_half = int(np.ceil(cutoff_mm / h))
        k_axis = np.arange(-k_half, k_half + 1) * h
        radius = np.hypot(k_axis[:, None], k_axis[None, :])
        kernels = self.kernel_at_ssd(ssd_mm)
        out = np.empty((3, axis.size, axis.size))
        for c in range(3):
            kernel = np.interp(radius, self.kernel_radius_mm, kernels[c], right=0.0)
            kernel[radius > cutoff_mm] = 0.0
            out[c] = fftconvolve(fluence, kernel, mode="same") * h * h
        return out

    def beamlet_tables(self, bixel_mm: float, ssd_mm: float, cutoff_mm: float) -> BeamletTables:
        """Tabulated lateral factors of one square beamlet (cached per rounded SSD)."""
        return _beamlet_tables(self, float(bixel_mm), round(float(ssd_mm) / 50.0) * 50.0, cutoff_mm)

    def far_scatter_lattice(
        self, bixel_mm: float, ssd_mm: float, cutoff_mm: float, reach_mm: float
    ) -> FloatArray:
        """Lateral factors beyond ``cutoff_mm`` of one beamlet on the beamlet lattice.

        Returns ``(3, 2n+1, 2n+1)``: full-kernel factors minus the factors of the kernels cut at
        ``cutoff_mm``, at offsets that are multiples of ``bixel_mm`` out to ``reach_mm``.
        """
        return _far_lattice(
            self, float(bixel_mm), round(float(ssd_mm) / 50.0) * 50.0, cutoff_mm, reach_mm
        )

    def central_axis_dose_per_fluence(
        self, field_mm: float, ssd_mm: float, depths_mm: npt.ArrayLike
    ) -> FloatArray:
        """Model dose (arbitrary units per unit fluence) on the axis of a square field in water."""
        factors = self.field_lateral_factors(
            field_mm, field_mm, ssd_mm, cutoff_mm=FULL_KERNEL_MM, with_primary_fluence=True
        )
        centre = factors.shape[1] // 2
        lateral = factors[:, centre, centre]
        depth = np.asarray(depths_mm, dtype=np.float64)
        inverse_square = (self.sad_mm / (ssd_mm + depth)) ** 2
        result: FloatArray = (lateral @ self.depth_components(depth)) * inverse_square
        return result

    @property
    def calibration_per_fluence(self) -> float:
        """Gy per MU divided by model dose per unit fluence at the reference point."""
        return _calibration(self)


@lru_cache(maxsize=16)
def _beamlet_tables(
    model: PhotonBeamModel, bixel_mm: float, ssd_mm: float, cutoff_mm: float
) -> BeamletTables:
    factors = model.field_lateral_factors(bixel_mm, bixel_mm, ssd_mm, cutoff_mm)
    half = factors.shape[1] // 2
    return BeamletTables(bixel_mm, TABLE_STEP_MM, half, factors.astype(np.float32))


@lru_cache(maxsize=16)
def _far_lattice(
    model: PhotonBeamModel, bixel_mm: float, ssd_mm: float, cutoff_mm: float, reach_mm: float
) -> FloatArray:
    near = model.field_lateral_factors(bixel_mm, bixel_mm, ssd_mm, cutoff_mm)
    full = model.field_lateral_factors(bixel_mm, bixel_mm, ssd_mm, reach_mm)
    pad = (full.shape[1] - near.shape[1]) // 2
    full[:, pad : pad + near.shape[1], pad : pad + near.shape[2]] -= near
    centre = full.shape[1] // 2
    stride = round(bixel_mm / TABLE_STEP_MM)
    n = int(reach_mm // bixel_mm)
    picks = centre + stride * np.arange(-n, n + 1)
    result: FloatArray = full[:, picks][:, :, picks]
    return result


@lru_cache(maxsize=4)
def _calibration(model: PhotonBeamModel) -> float:
    depths = np.arange(0.0, 60.0, 0.5)
    dose = model.central_axis_dose_per_fluence(100.0, 1000.0, depths)
    return model.gy_per_mu_reference / float(dose.max())


def _coverage(axis: npt.NDArray[np.floating], width_mm: float, step_mm: float) -> FloatArray:
    """Fraction of each sample cell ``[x - h/2, x + h/2]`` inside ``[-width/2, width/2]``."""
    lo = np.maximum(axis - step_mm / 2, -width_mm / 2)
    hi = np.minimum(axis + step_mm / 2, width_mm / 2)
    result: FloatArray = np.clip(hi - lo, 0.0, None).astype(np.float64) / step_mm
    return result


def _as_array(values: Any) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@lru_cache(maxsize=1)
def load_generic_6mv() -> PhotonBeamModel:
    """Load the packaged generic 6 MV beam model (see ``data/photon_6mv_generic.json``)."""
    text = resources.files("hccrt.planning").joinpath("data", DATA_FILE).read_text("utf-8")
    raw = json.loads(text)
    ssd = sorted(raw["kernels"], key=float)
    return PhotonBeamModel(
        name=raw["name"],
        energy_mv=float(raw["energy_mv"]),
        sad_mm=float(raw["sad_mm"]),
        betas_per_mm=tuple(float(b) for b in raw["betas_per_mm"]),  # type: ignore[arg-type]
        attenuation_per_mm=float(raw["attenuation_per_mm"]),
        kernel_radius_mm=_as_array(raw["kernel_radius_mm"]),
        kernel_ssd_mm=_as_array([float(s) for s in ssd]),
        kernels=_as_array([raw["kernels"][s] for s in ssd]),
        penumbra_fwhm_mm=float(raw["penumbra_fwhm_mm"]),
        primary_fluence_radius_mm=_as_array(raw["primary_fluence_radius_mm"]),
        primary_fluence_relative=_as_array(raw["primary_fluence_relative"]),
        gy_per_mu_reference=float(raw["calibration"]["gy_per_mu"]),
        source=raw["source"],
    )
