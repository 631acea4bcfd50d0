"""Planning goals: target prescription and hard dose constraints on organs at risk.

Every constraint carries its source (seed passage or protocol) so plans and reports can show
where a limit comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

ConstraintKind = Literal["mean", "max", "dvh"]


@dataclass(frozen=True)
class DoseConstraint:
    """A hard limit on one structure.

    ``kind``: ``"mean"`` (mean dose <= ``dose_gy``), ``"max"`` (every voxel <= ``dose_gy``) or
    ``"dvh"`` (at most ``volume_pct`` % of the volume above ``dose_gy``).
    """

    structure: str
    kind: ConstraintKind
    dose_gy: float
    volume_pct: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("mean", "max", "dvh"):
            raise InputError("kind", "must be mean, max or dvh", self.kind, "")
        if not np.isfinite(self.dose_gy) or self.dose_gy < 0:
            raise InputError("dose_gy", "must be a finite dose >= 0 Gy", self.dose_gy, "")
        if self.kind == "dvh" and not 0 < self.volume_pct < 100:
            raise InputError("volume_pct", "must be in (0, 100) %", self.volume_pct, "")

    @property
    def label(self) -> str:
        """Human-readable form, e.g. ``mean(Liver-GTV) <= 23 Gy``."""
        if self.kind == "mean":
            return f"mean({self.structure}) <= {self.dose_gy:.4g} Gy"
        if self.kind == "max":
            return f"max({self.structure}) <= {self.dose_gy:.4g} Gy"
        return f"V{self.dose_gy:.4g}Gy({self.structure}) <= {self.volume_pct:g} %"

    def value(self, dose_gy: npt.NDArray[np.floating]) -> float:
        """Achieved value: mean or max (Gy), or % volume above the dose (dvh)."""
        if dose_gy.size == 0:
            return 0.0
        if self.kind == "mean":
            return float(np.mean(dose_gy))
        if self.kind == "max":
            return float(np.max(dose_gy))
        return float(np.mean(dose_gy > self.dose_gy) * 100.0)

    def limit(self) -> float:
        """The limit in the unit of :meth:`value`."""
        return self.volume_pct if self.kind == "dvh" else self.dose_gy

    def met(self, dose_gy: npt.NDArray[np.floating], tolerance: float = 0.01) -> bool:
        """True when the achieved value is within ``tolerance`` (relative) of the limit."""
        return self.value(dose_gy) <= self.limit() * (1 + tolerance) + 1e-9


@dataclass(frozen=True)
class TargetGoal:
    """Prescription to a target: ``coverage_pct`` % of it must receive ``coverage_dose_fraction``
    of ``prescription_gy``; no voxel above ``max_dose_fraction`` of it."""

    structure: str
    prescription_gy: float
    coverage_pct: float = 95.0
    coverage_dose_fraction: float = 1.0
    max_dose_fraction: float = 1.10
    source: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.prescription_gy <= 150:
            raise InputError("prescription_gy", "must be in (0, 150] Gy", self.prescription_gy, "")
        if not 0 < self.coverage_pct <= 100:
            raise InputError("coverage_pct", "must be in (0, 100] %", self.coverage_pct, "")

    def coverage(self, dose_gy: npt.NDArray[np.floating]) -> float:
        """% of the target receiving at least the coverage dose."""
        level = self.coverage_dose_fraction * self.prescription_gy
        return float(np.mean(dose_gy >= level - 1e-6) * 100.0) if dose_gy.size else 0.0

    def met(self, dose_gy: npt.NDArray[np.floating]) -> bool:
        """Coverage reached (0.1 % tolerance)."""
        return self.coverage(dose_gy) >= self.coverage_pct - 0.1


class InfeasiblePlanError(InputError):
    """The hard constraints cannot all be met together with the target coverage."""
