"""Lipiodol deposits of the post-TACE phantom CT (``hccrt phantom --lipiodol``).

After transarterial chemoembolisation the iodised oil stays in the tumour and shows on CT as a
very dense region. The phantom puts one spherical deposit in each tumour: radius 60 % of the
tumour's, centre moved by 25 % of the tumour radius in a seed-dependent direction (so the deposit
is always fully inside the tumour, as with a compact deposit that does not fill the whole
lesion), painted at :data:`LIPIODOL_HU`. The deposits are exact spheres, so a detector can be
scored against their analytic volume and position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hccrt.phantom.anatomy import HU
from hccrt.phantom.shapes import Sphere
from hccrt.phantom.tumors import PlacedTumor

LIPIODOL_HU = HU["lipiodol"]
"""HU of the phantom's deposits (a compact deposit; a property of the phantom, not a threshold)."""

DEPOSIT_RADIUS_FRACTION = 0.6
DEPOSIT_OFFSET_FRACTION = 0.25


@dataclass(frozen=True)
class LipiodolDeposit:
    """One deposit: the tumour it lies in, its centre (LPS mm) and radius (mm)."""

    tumor: str
    center_mm: tuple[float, float, float]
    radius_mm: float

    @property
    def shape(self) -> Sphere:
        """The deposit solid."""
        return Sphere(self.center_mm, self.radius_mm)

    @property
    def volume_cc(self) -> float:
        """Analytic volume in cc."""
        return float(4.0 / 3.0 * np.pi * self.radius_mm**3 / 1000.0)


def place_deposits(tumors: Sequence[PlacedTumor], seed: int) -> tuple[LipiodolDeposit, ...]:
    """One deposit per tumour, reproducible for a seed (own random stream)."""
    rng = np.random.default_rng([seed, 17])
    deposits = []
    for tumor in tumors:
        direction = rng.standard_normal(3)
        direction /= np.linalg.norm(direction)
        radius = tumor.diameter_mm / 2.0
        centre = np.asarray(tumor.center_mm) + DEPOSIT_OFFSET_FRACTION * radius * direction
        deposits.append(
            LipiodolDeposit(
                tumor.name,
                (float(centre[0]), float(centre[1]), float(centre[2])),
                DEPOSIT_RADIUS_FRACTION * radius,
            )
        )
    return tuple(deposits)
