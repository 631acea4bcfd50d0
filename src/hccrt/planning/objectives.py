"""Planning goals: target prescription, hard dose constraints and soft objectives on organs.

Every constraint carries its source (seed passage or protocol) so plans and reports can show
where a limit comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

ConstraintKind = Literal["mean", "max", "dvh", "geud", "ntcp"]
KINDS: tuple[str, ...] = ("mean", "max", "dvh", "geud", "ntcp")


@dataclass(frozen=True)
class EqdConversion:
    """LQ conversion of a physical dose in ``fractions`` fractions to the equivalent dose at
    ``reference_dose_per_fraction_gy`` (α/β ``alpha_beta_gy``), as the LKB fits need
    (:func:`hccrt.radiobiology.ntcp_lkb` converts the same way)."""

    fractions: int
    alpha_beta_gy: float
    reference_dose_per_fraction_gy: float

    def __post_init__(self) -> None:
        if self.fractions < 1:
            raise InputError("fractions", "must be >= 1", self.fractions, "")
        if not self.alpha_beta_gy > 0 or not self.reference_dose_per_fraction_gy > 0:
            raise InputError(
                "eqd", "alpha/beta and reference dose per fraction must be > 0 Gy",
                (self.alpha_beta_gy, self.reference_dose_per_fraction_gy), "",
            )  # fmt: skip

    def __call__(self, dose_gy: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """EQD at the reference dose per fraction (Gy)."""
        d = np.maximum(np.asarray(dose_gy, dtype=np.float64), 0.0)
        ab = self.alpha_beta_gy
        return d * (d / self.fractions + ab) / (self.reference_dose_per_fraction_gy + ab)

    def derivative(self, dose_gy: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        """d EQD / d dose."""
        d = np.maximum(np.asarray(dose_gy, dtype=np.float64), 0.0)
        ab = self.alpha_beta_gy
        return (2.0 * d / self.fractions + ab) / (self.reference_dose_per_fraction_gy + ab)


@dataclass(frozen=True)
class DoseConstraint:
    """A limit on one structure: hard (``priority`` None) or a soft objective.

    ``kind``: ``"mean"`` (mean dose <= ``dose_gy``), ``"max"`` (every voxel <= ``dose_gy``),
    ``"dvh"`` (at most ``volume_pct`` % of the volume above ``dose_gy``), ``"geud"`` (gEUD with
    volume exponent ``n``, a = 1/n, of the dose converted by ``eqd`` when given, <= ``dose_gy``;
    Niemierko 1999) or ``"ntcp"`` (LKB NTCP with ``n``, ``m``, ``td50_gy`` on the ``eqd``-converted
    dose <= ``ntcp_pct`` %; as NTCP rises with the gEUD, it is the gEUD limit
    ``dose_gy = TD50 (1 + m Φ⁻¹(ntcp_pct/100))``, set by :meth:`lkb_ntcp`).

    ``priority``: ``None`` for a hard constraint (the optimiser must meet it or reports the plan
    infeasible); a positive weight for a soft objective (a quadratic penalty on the excess,
    relative to the target terms; a plan missing it still passes and the miss is reported).
    """

    structure: str
    kind: ConstraintKind
    dose_gy: float
    volume_pct: float = 0.0
    source: str = ""
    n: float = 1.0
    eqd: EqdConversion | None = None
    m: float = 0.0
    td50_gy: float = 0.0
    ntcp_pct: float = 0.0
    priority: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError("kind", f"must be one of {', '.join(KINDS)}", self.kind, "")
        if not np.isfinite(self.dose_gy) or self.dose_gy < 0:
            raise InputError("dose_gy", "must be a finite dose >= 0 Gy", self.dose_gy, "")
        if self.kind == "dvh" and not 0 < self.volume_pct < 100:
            raise InputError("volume_pct", "must be in (0, 100) %", self.volume_pct, "")
        if self.kind in ("geud", "ntcp") and not (np.isfinite(self.n) and self.n > 0):
            raise InputError("n", "gEUD volume exponent must be > 0", self.n, "e.g. 0.97 (liver)")
        if self.kind == "ntcp":
            if not 0 < self.ntcp_pct < 100:
                raise InputError("ntcp_pct", "must be in (0, 100) %", self.ntcp_pct, "e.g. 5")
            if not (self.m > 0 and self.td50_gy > 0):
                raise InputError(
                    "m, td50_gy", "LKB slope and TD50 must be > 0", (self.m, self.td50_gy), ""
                )
        if self.priority is not None and not (np.isfinite(self.priority) and self.priority > 0):
            raise InputError(
                "priority", "must be > 0 (None: hard constraint)", self.priority, "e.g. 1"
            )

    @classmethod
    def lkb_ntcp(
        cls,
        structure: str,
        ntcp_pct: float,
        *,
        n: float,
        m: float,
        td50_gy: float,
        eqd: EqdConversion | None = None,
        priority: float | None = None,
        source: str = "",
    ) -> DoseConstraint:
        """LKB NTCP <= ``ntcp_pct`` %, as the equivalent gEUD limit (see class docstring)."""
        from scipy.special import ndtri

        if not 0 < ntcp_pct < 100:
            raise InputError("ntcp_pct", "must be in (0, 100) %", ntcp_pct, "e.g. 5")
        limit = td50_gy * (1.0 + m * float(ndtri(ntcp_pct / 100.0)))
        return cls(
            structure, "ntcp", max(limit, 0.0), source=source, n=n, eqd=eqd, m=m,
            td50_gy=td50_gy, ntcp_pct=ntcp_pct, priority=priority,
        )  # fmt: skip

    @property
    def hard(self) -> bool:
        """True for a hard constraint, False for a soft (prioritised) objective."""
        return self.priority is None

    @property
    def unit(self) -> str:
        """Unit of :meth:`value`: ``%`` (dvh, ntcp) or ``Gy``."""
        return "%" if self.kind in ("dvh", "ntcp") else "Gy"

    @property
    def label(self) -> str:
        """Human-readable form, e.g. ``mean(Liver-GTV) <= 23 Gy``; soft ones say so."""
        soft = "" if self.priority is None else f" [soft, priority {self.priority:g}]"
        if self.kind == "mean":
            return f"mean({self.structure}) <= {self.dose_gy:.4g} Gy{soft}"
        if self.kind == "max":
            return f"max({self.structure}) <= {self.dose_gy:.4g} Gy{soft}"
        if self.kind == "geud":
            return f"gEUD(n={self.n:g})({self.structure}) <= {self.dose_gy:.4g} Gy{soft}"
        if self.kind == "ntcp":
            return f"NTCP_LKB({self.structure}) <= {self.ntcp_pct:g} %{soft}"
        return f"V{self.dose_gy:.4g}Gy({self.structure}) <= {self.volume_pct:g} %{soft}"

    def geud(self, dose_gy: npt.NDArray[np.floating]) -> float:
        """gEUD (Gy) of the voxel doses (converted by ``eqd`` when set), equal voxel volumes."""
        x = self.eqd(dose_gy) if self.eqd is not None else np.asarray(dose_gy, dtype=np.float64)
        top = float(np.max(x)) if x.size else 0.0
        if top <= 0:
            return 0.0
        p = 1.0 / self.n
        return float(top * float(np.mean((np.maximum(x, 0.0) / top) ** p)) ** self.n)

    def geud_gradient(
        self, dose_gy: npt.NDArray[np.floating]
    ) -> tuple[float, npt.NDArray[np.float64]]:
        """gEUD (Gy) and its derivative with respect to each voxel's physical dose."""
        d = np.asarray(dose_gy, dtype=np.float64)
        x = self.eqd(d) if self.eqd is not None else np.maximum(d, 0.0)
        top = float(np.max(x)) if x.size else 0.0
        if top <= 0:
            return 0.0, np.zeros_like(d)
        p = 1.0 / self.n
        r = np.maximum(x / top, 1e-6)
        mean_power = float(np.mean(r**p))
        grad = mean_power ** (self.n - 1.0) * r ** (p - 1.0) / d.size
        if self.eqd is not None:
            grad = grad * self.eqd.derivative(d)
        return top * mean_power**self.n, grad

    def value(self, dose_gy: npt.NDArray[np.floating]) -> float:
        """Achieved value: mean, max or gEUD (Gy), % volume above the dose (dvh), NTCP (%)."""
        if dose_gy.size == 0:
            return 0.0
        if self.kind == "mean":
            return float(np.mean(dose_gy))
        if self.kind == "max":
            return float(np.max(dose_gy))
        if self.kind == "geud":
            return self.geud(dose_gy)
        if self.kind == "ntcp":
            from scipy.special import ndtr

            z = (self.geud(dose_gy) - self.td50_gy) / (self.m * self.td50_gy)
            return float(ndtr(z)) * 100.0
        return float(np.mean(dose_gy > self.dose_gy) * 100.0)

    def limit(self) -> float:
        """The limit in the unit of :meth:`value`."""
        if self.kind == "dvh":
            return self.volume_pct
        return self.ntcp_pct if self.kind == "ntcp" else self.dose_gy

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
