"""High-dose alternatives to LQ: LQ-L (Astrahan 2008) and the universal survival curve (Park 2008).

Both follow LQ up to a transition dose per fraction and continue linearly above it, so they agree
with LQ for conventional fractions and predict less effect than LQ for ablative ones.

LQ-L, per fraction (clinical-facts §3.5, [V2] S19; algebra [D])::

    BED = d·(1 + d/(α/β))                                       d <= dT
    BED = dT·(1 + dT/(α/β)) + (d − dT)·(1 + 2·dT/(α/β))          d >  dT   (tangent continuation)

USC (clinical-facts §3.6, [V] S18 abstract, parameters [V2] S20; algebra [D])::

    DT  = 2·Dq/(1 − α·D0),   β = (1 − α·D0)/(2·D0·DT)
    BED = d·(1 + d/(α/β))                                        d <= DT
    BED = (d − Dq)/(α·D0) = DT·(1 + DT/(α/β)) + (d − DT)/(α·D0)   d >  DT

References
----------
Astrahan M. Some implications of linear-quadratic-linear radiation dose-response with regard to
hypofractionation. Med Phys 2008;35:4161-4172.
Park C, Papiez L, Zhang S, Story M, Timmerman RD. Universal survival curve and single fraction
equivalent dose: useful tools in understanding potency of ablative radiotherapy.
IJROBP 2008;70:847-852.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hccrt.errors import InputError
from hccrt.radiobiology._checks import non_negative, positive
from hccrt.radiobiology.lq import dose_per_fraction_for_bed
from hccrt.radiobiology.records import Status

ASTRAHAN_2008 = "Astrahan M. Med Phys 2008;35:4161-4172 (LQ-L)"
PARK_2008 = "Park C, Papiez L, Zhang S, Story M, Timmerman RD. IJROBP 2008;70:847-852 (USC)"


@dataclass(frozen=True)
class LqlParameters:
    """LQ-L parameters: α/β (Gy) and the transition dose per fraction dT (Gy).

    The default dT = 6.0 Gy is a public-code default (clinical-facts §3.5, S19); Astrahan gives
    no universal value, so it is UNCONFIRMED and should be overridden where a value is known.
    """

    alpha_beta_gy: float
    transition_dose_gy: float = 6.0
    source: str = ASTRAHAN_2008 + "; default dT 6.0 Gy from public code (UNCONFIRMED)"
    status: Status = Status.unconfirmed

    def __post_init__(self) -> None:
        positive("alpha_beta_gy", self.alpha_beta_gy)
        positive("transition_dose_gy", self.transition_dose_gy)

    @property
    def slope_above_transition(self) -> float:
        """dBED/dd above dT: 1 + 2·dT/(α/β) (tangent to LQ at dT)."""
        return 1.0 + 2.0 * self.transition_dose_gy / self.alpha_beta_gy

    def bed_per_fraction_gy(self, dose_per_fraction_gy: float) -> float:
        """BED of one fraction of ``dose_per_fraction_gy`` (Gy) under LQ-L."""
        d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
        ab, dt = self.alpha_beta_gy, self.transition_dose_gy
        if d <= dt:
            return d * (1.0 + d / ab)
        return dt * (1.0 + dt / ab) + (d - dt) * (1.0 + 2.0 * dt / ab)


@dataclass(frozen=True)
class UscParameters:
    """Universal-survival-curve parameters: α (1/Gy), D0 (Gy) and Dq (Gy).

    β, α/β and the transition dose DT follow from continuity of value and slope at DT. Use
    :meth:`from_alpha_beta` to build the set from α/β, D0 and Dq instead of α.
    """

    alpha_per_gy: float
    d0_gy: float
    dq_gy: float
    source: str = "user supplied"
    status: Status = Status.user

    def __post_init__(self) -> None:
        alpha = positive("alpha_per_gy", self.alpha_per_gy)
        d0 = positive("d0_gy", self.d0_gy)
        positive("dq_gy", self.dq_gy)
        if alpha * d0 >= 1.0:
            raise InputError(
                "alpha_per_gy*d0_gy",
                "must be < 1 (the terminal slope 1/D0 must exceed the initial slope α)",
                round(alpha * d0, 6),
                "check D0 (Gy) and α (1/Gy)",
            )

    @classmethod
    def from_alpha_beta(
        cls,
        alpha_beta_gy: float,
        d0_gy: float,
        dq_gy: float,
        source: str = "user supplied",
        status: Status = Status.user,
    ) -> UscParameters:
        """Solve for α given α/β, D0 and Dq.

        With x = α·D0, continuity gives α/β = 4·Dq·x/(1 − x)², i.e.
        (α/β)·x² − (2·α/β + 4·Dq)·x + α/β = 0; the root with 0 < x < 1 is taken [D].
        """
        ab = positive("alpha_beta_gy", alpha_beta_gy)
        d0 = positive("d0_gy", d0_gy)
        dq = positive("dq_gy", dq_gy)
        b = 2.0 * ab + 4.0 * dq
        x = (b - math.sqrt(b * b - 4.0 * ab * ab)) / (2.0 * ab)
        return cls(x / d0, d0, dq, source, status)

    @property
    def transition_dose_gy(self) -> float:
        """DT = 2·Dq/(1 − α·D0) (Gy)."""
        return 2.0 * self.dq_gy / (1.0 - self.alpha_per_gy * self.d0_gy)

    @property
    def beta_per_gy2(self) -> float:
        """β = (1 − α·D0)/(2·D0·DT) (1/Gy²)."""
        return (1.0 - self.alpha_per_gy * self.d0_gy) / (2.0 * self.d0_gy * self.transition_dose_gy)

    @property
    def alpha_beta_gy(self) -> float:
        """α/β implied by α, D0 and Dq (Gy)."""
        return self.alpha_per_gy / self.beta_per_gy2

    @property
    def slope_above_transition(self) -> float:
        """dBED/dd above DT: 1/(α·D0)."""
        return 1.0 / (self.alpha_per_gy * self.d0_gy)

    def bed_per_fraction_gy(self, dose_per_fraction_gy: float) -> float:
        """BED of one fraction of ``dose_per_fraction_gy`` (Gy) under the USC."""
        d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
        if d <= self.transition_dose_gy:
            return d * (1.0 + d / self.alpha_beta_gy)
        return (d - self.dq_gy) / (self.alpha_per_gy * self.d0_gy)

    def single_fraction_equivalent_dose_gy(self, bed_gy: float) -> float:
        """SFED: the single-fraction dose (Gy) with the same −ln S as ``bed_gy`` (Park 2008)."""
        bed = non_negative("bed_gy", bed_gy)
        dt = self.transition_dose_gy
        if bed <= dt * (1.0 + dt / self.alpha_beta_gy):
            return dose_per_fraction_for_bed(bed, 1, self.alpha_beta_gy)
        return bed * self.alpha_per_gy * self.d0_gy + self.dq_gy


PARK_2008_H460 = UscParameters(
    alpha_per_gy=0.33,
    d0_gy=1.25,
    dq_gy=1.8,
    source=(
        PARK_2008 + "; NSCLC H460 cell line: alpha 0.33/Gy, D0 1.25 Gy, Dq 1.8 Gy (secondary "
        "source S20); DT 6.13 Gy and beta 0.0384/Gy2 derived"
    ),
    status=Status.verified_secondary,
)
"""Park 2008 NSCLC (H460) USC set. Not HCC: no HCC-specific USC parameters were found."""
