"""CT number (HU) to relative electron density (water = 1) conversion.

A piecewise-linear (Schneider-style) calibration curve. The default points are the generic
table of matRad/pyRadPlan (``default_hlut``): air -1024 HU -> 0.001, lung/fat region
-90 HU -> 0.95, -45 HU -> 0.99, water 0 HU -> 1.0, 100 HU -> 1.095, 350 HU -> 1.199,
cortical bone 3000 HU -> 2.505. It is a generic curve (status: UNCONFIRMED for any specific
scanner): pass the commissioned curve of the CT scanner used for planning where available.

References
----------
Schneider U, Pedroni E, Lomax A. The calibration of CT Hounsfield units for radiotherapy
treatment planning. Phys Med Biol 1996;41:111-124.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

GENERIC_HU = (-1024.0, -999.0, -90.0, -45.0, 0.0, 100.0, 350.0, 3000.0)
GENERIC_DENSITY = (0.001, 0.001, 0.95, 0.99, 1.0, 1.095, 1.199, 2.505)


@dataclass(frozen=True)
class HuDensityTable:
    """Calibration points (HU, relative electron density), interpolated linearly, clamped."""

    hu: tuple[float, ...] = GENERIC_HU
    density: tuple[float, ...] = GENERIC_DENSITY
    source: str = "generic Schneider-style curve (matRad/pyRadPlan default HLUT); UNCONFIRMED"

    def __post_init__(self) -> None:
        if len(self.hu) != len(self.density) or len(self.hu) < 2:
            raise InputError(
                "hu_density_table",
                "needs >= 2 (HU, density) pairs of equal length",
                (len(self.hu), len(self.density)),
                "give matching lists",
            )
        if np.any(np.diff(self.hu) <= 0):
            raise InputError("hu", "must increase strictly", self.hu, "sort the table by HU")
        if min(self.density) < 0:
            raise InputError("density", "must be >= 0", min(self.density), "check the table")

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[float]], source: str) -> HuDensityTable:
        """Build from ``[(hu, density), ...]``."""
        hu = tuple(float(p[0]) for p in pairs)
        density = tuple(float(p[1]) for p in pairs)
        return cls(hu, density, source)

    def __call__(self, hu: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Relative electron density of each CT number (float32, same shape)."""
        values = np.interp(np.asarray(hu, dtype=np.float32), self.hu, self.density)
        return values.astype(np.float32)
