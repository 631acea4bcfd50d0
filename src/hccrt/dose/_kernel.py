"""Polyenergetic point kernel collapsed onto a set of cone directions.

The Monte Carlo energy-deposition kernel (EGSnrc EDKnrc, 6 MV, water; provenance in
``data/edk_6mv_water.csv``) gives the fraction of the released energy deposited in each of 48
cones (3.75 degrees) and 24 spherical shells. The cones are grouped into polar bins; the
cumulative fraction of each bin is fitted with the analytical form of Ahnesjö (1989),

``C(r) = Fa (1 - exp(-a r)) + Fb (1 - exp(-b r))``

(a short-range "primary" and a long-range "scatter" exponential; ``Fa = A/a``, ``Fb = B/b``), and
each polar bin is split into equal azimuthal sectors. A collapsed cone then carries
``Fa / n_az`` and ``Fb / n_az`` of the released energy along its axis, deposited with
attenuation ``a`` and ``b`` per mm of *radiological* (density-scaled) path.

References
----------
Ahnesjö A. Collapsed cone convolution of radiant energy for photon dose calculation in
heterogeneous media. Med Phys 1989;16(4):577-592.
Mainegra-Hing E, Rogers DWO, Kawrakow I. Calculation of photon energy deposition kernels and
electron dose point kernels in water. Med Phys 2005;32(3):685-699 (EDKnrc).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares

FloatArray = npt.NDArray[np.float64]

KERNEL_FILE = "edk_6mv_water.csv"
KERNEL_SOURCE = (
    "EGSnrc EDKnrc polyenergetic 6 MV water kernel (samuelpeet/conehead kerneldata/varian_6.csv, "
    "MIT; spectrum UNCONFIRMED), fitted per polar bin with Ahnesjö's two-exponential form"
)

POLAR_EDGES_DEG = (0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0, 105.0, 120.0, 135.0, 150.0, 180.0)
"""Polar bins (degrees from the beam direction); multiples of the 3.75-degree EDK cones."""

AZIMUTHS = (4, 8, 8, 8, 8, 8, 8, 8, 8, 6, 4)
"""Azimuthal sectors per polar bin (78 cone directions in all)."""


@dataclass(frozen=True)
class ConeKernel:
    """Collapsed-cone kernel: one row per cone direction.

    Parameters
    ----------
    directions
        ``(n, 3)`` unit vectors in beam coordinates ``(u, v, w)``, ``w`` along the beam.
    fraction_a, attenuation_a_per_mm, fraction_b, attenuation_b_per_mm
        Energy fractions carried by the short- and long-range exponentials of each cone and
        their attenuation per mm of water-equivalent path.
    source
        Provenance of the kernel.
    """

    directions: FloatArray = field(repr=False)
    fraction_a: FloatArray = field(repr=False)
    attenuation_a_per_mm: FloatArray = field(repr=False)
    fraction_b: FloatArray = field(repr=False)
    attenuation_b_per_mm: FloatArray = field(repr=False)
    source: str = KERNEL_SOURCE

    @property
    def size(self) -> int:
        """Number of cone directions."""
        return int(self.directions.shape[0])

    def with_scatter_scale(self, scale: float) -> ConeKernel:
        """The kernel with its long-range (scatter) energy scaled by ``scale``.

        The energy taken from (or given to) the scatter components goes to the primary ones in
        proportion, so the total released energy is kept: a harder spectrum has less scatter.
        """
        if scale == 1.0:
            return self
        scatter = self.fraction_b.sum()
        primary = self.fraction_a.sum()
        return ConeKernel(
            directions=self.directions,
            fraction_a=self.fraction_a * (1.0 + (1.0 - scale) * scatter / primary),
            attenuation_a_per_mm=self.attenuation_a_per_mm,
            fraction_b=self.fraction_b * scale,
            attenuation_b_per_mm=self.attenuation_b_per_mm,
            source=f"{self.source}; scatter scaled by {scale:.4f}",
        )


def read_edk() -> tuple[FloatArray, FloatArray, FloatArray]:
    """The tabulated kernel: cone outer angles (deg), shell outer radii (mm), ``[cone, shell]``.

    The fractions are normalised to a total of 1.
    """
    text = resources.files("hccrt.dose").joinpath("data", KERNEL_FILE).read_text()
    rows = np.loadtxt(
        [line for line in text.splitlines() if line and not line.startswith("#")][1:],
        delimiter=",",
    )
    angles = np.unique(rows[:, 0])
    radii_mm = np.unique(rows[:, 1]) * 10.0
    values = rows[:, 2].reshape(angles.size, radii_mm.size)
    return angles, radii_mm, values / values.sum()


def _fit_bin(radii_mm: FloatArray, cumulative: FloatArray) -> tuple[float, float, float, float]:
    total = float(cumulative[-1])

    def model(p: FloatArray) -> FloatArray:
        fa, a, fb, b = np.exp(p)
        result: FloatArray = fa * -np.expm1(-a * radii_mm) + fb * -np.expm1(-b * radii_mm)
        return result

    def residual(p: FloatArray) -> FloatArray:
        result: FloatArray = (model(p) - cumulative) / (0.02 * total + 0.2 * cumulative)
        return result

    start = np.log([0.5 * total, 0.5, 0.5 * total, 0.01])
    fit = least_squares(residual, start, method="lm", max_nfev=4000)
    fa, a, fb, b = np.exp(fit.x)
    if a < b:
        fa, a, fb, b = fb, b, fa, a
    return float(fa), float(a), float(fb), float(b)


@lru_cache(maxsize=1)
def cone_kernel() -> ConeKernel:
    """The default 6 MV collapsed-cone kernel (78 directions)."""
    angles, radii_mm, values = read_edk()
    lower = angles - 3.75
    directions, fa_all, a_all, fb_all, b_all = [], [], [], [], []
    for (low, high), n_az in zip(itertools.pairwise(POLAR_EDGES_DEG), AZIMUTHS, strict=True):
        members = (lower >= low - 1e-6) & (angles <= high + 1e-6)
        cumulative = np.cumsum(values[members].sum(axis=0))
        fa, a, fb, b = _fit_bin(radii_mm, cumulative)
        # Polar angle that halves the bin's solid angle.
        theta = np.arccos(0.5 * (np.cos(np.deg2rad(low)) + np.cos(np.deg2rad(high))))
        for j in range(n_az):
            phi = 2.0 * np.pi * (j + 0.5) / n_az
            directions.append(
                (np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta))
            )
            fa_all.append(fa / n_az)
            a_all.append(a)
            fb_all.append(fb / n_az)
            b_all.append(b)
    return ConeKernel(
        directions=np.asarray(directions),
        fraction_a=np.asarray(fa_all),
        attenuation_a_per_mm=np.asarray(a_all),
        fraction_b=np.asarray(fb_all),
        attenuation_b_per_mm=np.asarray(b_all),
    )
