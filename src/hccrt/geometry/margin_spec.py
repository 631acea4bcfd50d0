"""Per-direction margins (R, L, A, P, S, I) in mm and their mapping onto a grid's axes.

Directions follow DICOM LPS: +x = patient Left, +y = Posterior, +z = Superior. Per-direction
margins need a grid whose axes run along the patient axes (any order and sign); isotropic
margins work on any grid. Used by :mod:`hccrt.geometry.margins`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

DIRECTIONS = ("R", "L", "A", "P", "S", "I")
MAX_MARGIN_MM = 100.0
MARGIN_RESOLUTION_MM = 1e-3
"""Margins below 1 micrometre count as 0 mm."""


@dataclass(frozen=True)
class Margins:
    """Margins in mm towards the patient's Right, Left, Anterior, Posterior, Superior, Inferior."""

    right_mm: float
    left_mm: float
    anterior_mm: float
    posterior_mm: float
    superior_mm: float
    inferior_mm: float

    def __post_init__(self) -> None:
        fields = (
            "right_mm",
            "left_mm",
            "anterior_mm",
            "posterior_mm",
            "superior_mm",
            "inferior_mm",
        )
        for name, field, value in zip(DIRECTIONS, fields, self.as_tuple(), strict=True):
            if not np.isfinite(value) or not 0.0 <= value <= MAX_MARGIN_MM:
                raise InputError(
                    f"margin {name}",
                    f"must be 0-{MAX_MARGIN_MM:g} mm (use contraction for shrinking)",
                    value,
                    "give margins in mm, e.g. 5 or 5,5,5,5,10,10",
                )
            # margins are resolved to MARGIN_RESOLUTION_MM: anything smaller is no margin
            object.__setattr__(self, field, float(value) if value >= MARGIN_RESOLUTION_MM else 0.0)

    @classmethod
    def isotropic(cls, margin_mm: float) -> Margins:
        """The same margin in all six directions."""
        return cls(*([float(margin_mm)] * 6))

    @classmethod
    def parse(cls, text: str) -> Margins:
        """Parse ``"M"`` or ``"R,L,A,P,S,I"`` (mm)."""
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError as error:
            raise InputError(
                "margins_mm", "must be numbers in mm", text, "write e.g. 5 or 5,5,7,7,10,10"
            ) from error
        if len(values) == 1:
            return cls.isotropic(values[0])
        if len(values) != 6:
            raise InputError(
                "margins_mm",
                "needs 1 value or 6 values in the order R,L,A,P,S,I",
                text,
                "write e.g. 5,5,7,7,10,10",
            )
        return cls(*values)

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        """``(R, L, A, P, S, I)`` in mm."""
        return (
            self.right_mm,
            self.left_mm,
            self.anterior_mm,
            self.posterior_mm,
            self.superior_mm,
            self.inferior_mm,
        )

    @property
    def is_isotropic(self) -> bool:
        """True when all six margins are equal."""
        return len(set(self.as_tuple())) == 1

    @property
    def is_zero(self) -> bool:
        """True when every margin is 0 mm."""
        return max(self.as_tuple()) == 0.0

    def reflected(self) -> Margins:
        """The point-reflected element (R<->L, A<->P, S<->I), used for contraction."""
        return Margins(
            self.left_mm,
            self.right_mm,
            self.posterior_mm,
            self.anterior_mm,
            self.inferior_mm,
            self.superior_mm,
        )

    def towards(self, patient_axis: int, positive: bool) -> float:
        """Margin along LPS axis 0/1/2 (x/y/z) towards + (L/P/S) or - (R/A/I)."""
        plus = (self.left_mm, self.posterior_mm, self.superior_mm)
        minus = (self.right_mm, self.anterior_mm, self.inferior_mm)
        return (plus if positive else minus)[patient_axis]


def axis_margins(grid: Grid, margins: Margins) -> list[tuple[float, float]]:
    """For each grid axis, the margins (mm) towards increasing and decreasing index."""
    directions = grid.directions
    result = []
    for axis in range(3):
        direction = directions[axis]
        patient_axis = int(np.argmax(np.abs(direction)))
        aligned = abs(abs(direction[patient_axis]) - 1.0) < 1e-6
        if not aligned:
            if margins.is_isotropic:
                value = margins.right_mm
                result.append((value, value))
                continue
            raise InputError(
                "margins",
                "per-direction margins need a grid aligned with the patient axes",
                np.round(directions, 3).tolist(),
                "use an isotropic margin or resample onto an axial grid",
            )
        increasing_is_plus = direction[patient_axis] > 0
        result.append(
            (
                margins.towards(patient_axis, increasing_is_plus),
                margins.towards(patient_axis, not increasing_is_plus),
            )
        )
    return result
