"""A synthetic liver plan in memory: boxes for Liver, GTV, PTV and stomach, and a step dose."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hccrt.dvh.sampling import DvhSettings
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from tests.dvh.helpers import box_structure

UID = "1.2.3.4"
FAST = DvhSettings(target_pixels=20_000)
PLANES = np.arange(-40.0, 40.01, 2.5)


def structures() -> list[StructureContours]:
    """Liver 80 x 100 x 82.5 mm (with end caps) holding a 20 mm GTV cube and its PTV."""
    return [
        box_structure("LIVER", (-80.0, 0.0), (-50.0, 50.0), PLANES, UID, 1),
        box_structure("GTV", (-40.0, -20.0), (-10.0, 10.0), np.arange(-8.75, 8.76, 2.5), UID, 2),
        box_structure("PTV", (-45.0, -15.0), (-15.0, 15.0), np.arange(-13.75, 13.76, 2.5), UID, 3),
        box_structure(
            "Stomach", (10.0, 40.0), (-20.0, 20.0), np.arange(-18.75, 18.76, 2.5), UID, 4
        ),
    ]


def step_dose(high_gy: float = 50.0, low_gy: float = 5.0) -> tuple[npt.NDArray[np.float64], Grid]:
    """``high_gy`` in a box 2 mm around the PTV, ``low_gy`` elsewhere (2.5 mm grid)."""
    grid = Grid.from_spacing((45, 85, 85), (2.5, 2.5, 2.5), (-105.0, -105.0, -55.0), UID)
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    inside = (np.abs(xx + 30.0) <= 18.0) & (np.abs(yy) <= 18.0) & (np.abs(zz) <= 18.0)
    return np.where(inside, high_gy, low_gy), grid
