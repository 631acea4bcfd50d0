"""Linear-quadratic (LQ) model: BED, EQD2/EQDx, iso-effective conversion and overall time.

Formulas (clinical-facts §3.1-3.2, textbook LQ)::

    BED  = n·d·[1 + d/(α/β)] − Dprolif·max(0, T − Tk)
    EQDx = BED / (1 + x/(α/β))              (x = reference dose per fraction, 2 Gy for EQD2)
    D2   = D1·(α/β + d1)/(α/β + d2)         (iso-effective total dose at a new dose per fraction)

All doses in Gy, times in days. Functions are pure and take plain floats; see
:mod:`hccrt.radiobiology.voxel` for arrays.

References
----------
Fowler JF. The linear-quadratic formula and progress in fractionated radiotherapy.
Br J Radiol 1989;62:679-694.
Tai A, Erickson B, Khater KA, Li XA. Estimate of radiobiologic parameters from clinical data for
biologically based treatment planning for liver irradiation. IJROBP 2008;70:900-907.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hccrt.radiobiology._checks import finite, fraction_count, non_negative, positive
from hccrt.radiobiology.records import Status

TAI_2008_SOURCE = (
    "Tai A, Erickson B, Khater KA, Li XA. IJROBP 2008;70:900-907 (fit to survival after liver RT: "
    "alpha/beta 15.0 +/- 2.0 Gy, alpha 0.010 +/- 0.001 /Gy, Td 128 +/- 12 d); abstract checked at "
    "fcd.mcw.edu publication 66922"
)


def bed_lq(dose_per_fraction_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Biologically effective dose of ``fractions`` equal fractions (LQ, no time factor).

    Parameters
    ----------
    dose_per_fraction_gy
        Physical dose per fraction d (Gy), >= 0.
    fractions
        Number of fractions n (whole number >= 1).
    alpha_beta_gy
        α/β of the tissue (Gy), > 0.

    Returns
    -------
    float
        BED = n·d·(1 + d/(α/β)) in Gy.

    Examples
    --------
    >>> bed_lq(20.0, 3, 10.0)  # 60 Gy in 3 fractions, HCC α/β 10 (clinical-facts §7)
    180.0
    """
    d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy, "α/β must be > 0 Gy, e.g. 10 for HCC")
    return n * d * (1.0 + d / ab)


def eqd_x(
    dose_per_fraction_gy: float,
    fractions: int,
    alpha_beta_gy: float,
    reference_dose_per_fraction_gy: float = 2.0,
) -> float:
    """Total dose in fractions of ``reference_dose_per_fraction_gy`` iso-effective to the scheme.

    EQDx = n·d·(d + α/β)/(x + α/β). With x = 2 Gy this is EQD2.

    Examples
    --------
    >>> round(eqd_x(5.0, 10, 10.0, 2.0), 2)
    62.5
    """
    d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy, "α/β must be > 0 Gy, e.g. 10 for HCC")
    x = positive("reference_dose_per_fraction_gy", reference_dose_per_fraction_gy)
    return n * d * (d + ab) / (x + ab)


def eqd2_lq(dose_per_fraction_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Equivalent dose in 2 Gy fractions, EQD2 = n·d·(d + α/β)/(2 + α/β) (Gy).

    Examples
    --------
    >>> eqd2_lq(2.0, 25, 3.0)  # 2 Gy fractions: EQD2 equals the physical dose
    50.0
    """
    return eqd_x(dose_per_fraction_gy, fractions, alpha_beta_gy, 2.0)


def bed_to_eqd_x(
    bed_gy: float, alpha_beta_gy: float, reference_dose_per_fraction_gy: float = 2.0
) -> float:
    """Convert a BED (Gy) to EQDx: EQDx = BED/(1 + x/(α/β))."""
    bed = finite("bed_gy", bed_gy)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    x = positive("reference_dose_per_fraction_gy", reference_dose_per_fraction_gy)
    return bed / (1.0 + x / ab)


def isoeffective_total_dose_gy(
    total_dose_gy: float,
    dose_per_fraction_gy: float,
    new_dose_per_fraction_gy: float,
    alpha_beta_gy: float,
) -> float:
    """Total dose at a new dose per fraction that gives the same LQ effect.

    D2 = D1·(α/β + d1)/(α/β + d2) (clinical-facts §3.1).

    Examples
    --------
    >>> isoeffective_total_dose_gy(50.0, 5.0, 2.0, 10.0)  # 5 Gy x 10 -> 2 Gy fractions
    62.5
    """
    total = non_negative("total_dose_gy", total_dose_gy)
    d1 = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
    d2 = positive("new_dose_per_fraction_gy", new_dose_per_fraction_gy)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    return total * (ab + d1) / (ab + d2)


def dose_per_fraction_for_bed(bed_gy: float, fractions: int, alpha_beta_gy: float) -> float:
    """Dose per fraction (Gy) that reaches ``bed_gy`` in ``fractions`` fractions (LQ inverse).

    Solves n·d·(1 + d/(α/β)) = BED for d >= 0:
    d = [−α/β + sqrt((α/β)² + 4·(α/β)·BED/n)]/2.

    Examples
    --------
    >>> round(dose_per_fraction_for_bed(100.0, 5, 10.0), 6)  # BED10 100 Gy in 5 fractions
    10.0
    """
    bed = non_negative("bed_gy", bed_gy)
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    return 0.5 * (-ab + math.sqrt(ab * ab + 4.0 * ab * bed / n))


@dataclass(frozen=True)
class RepopulationParameters:
    """Overall-time correction: BED loses ``dprolif_gy_per_day`` per day after ``tk_days``.

    Parameters
    ----------
    tk_days
        Kick-off time of accelerated repopulation (days from the first fraction), >= 0.
    dprolif_gy_per_day
        BED compensating one day of repopulation, Dprolif = ln 2/(α·Tpot) (Gy/day), >= 0.
    source
        Citation of the values.
    status
        Status of the values (see :class:`~hccrt.radiobiology.records.Status`).
    """

    tk_days: float
    dprolif_gy_per_day: float
    source: str = "user supplied"
    status: Status = Status.user

    def __post_init__(self) -> None:
        non_negative("tk_days", self.tk_days)
        non_negative("dprolif_gy_per_day", self.dprolif_gy_per_day)

    @classmethod
    def from_tpot(
        cls,
        alpha_per_gy: float,
        tpot_days: float,
        tk_days: float,
        source: str = "user supplied",
        status: Status = Status.user,
    ) -> RepopulationParameters:
        """Build from α (1/Gy) and the potential doubling time Tpot (days)."""
        alpha = positive("alpha_per_gy", alpha_per_gy)
        tpot = positive("tpot_days", tpot_days)
        return cls(tk_days, math.log(2.0) / (alpha * tpot), source, status)

    def bed_loss_gy(self, treatment_days: float) -> float:
        """BED lost to repopulation over an overall time of ``treatment_days`` (Gy)."""
        days = non_negative("treatment_days", treatment_days)
        return self.dprolif_gy_per_day * max(0.0, days - self.tk_days)


TAI_2008_HCC_REPOPULATION = RepopulationParameters.from_tpot(
    alpha_per_gy=0.010,
    tpot_days=128.0,
    tk_days=0.0,
    source=(
        TAI_2008_SOURCE + "; Dprolif = ln2/(alpha*Td) = 0.54 Gy/day derived; Tk = 0 d is an "
        "assumption (no HCC kick-off time was found)"
    ),
    status=Status.unconfirmed,
)
"""HCC overall-time default from Tai 2008 (α 0.010/Gy, Td 128 d -> Dprolif ≈ 0.54 Gy/day).

Tk for HCC is not established (clinical-facts §3.2), so Tk = 0 days is an UNCONFIRMED default;
override it with your own :class:`RepopulationParameters`."""


def bed_lq_time_corrected(
    dose_per_fraction_gy: float,
    fractions: int,
    alpha_beta_gy: float,
    treatment_days: float,
    repopulation: RepopulationParameters,
) -> float:
    """LQ BED with the overall-time term: n·d·(1 + d/(α/β)) − Dprolif·max(0, T − Tk) (Gy).

    The result is not clipped at zero; a negative value means repopulation outweighs the dose.
    """
    bed = bed_lq(dose_per_fraction_gy, fractions, alpha_beta_gy)
    return bed - repopulation.bed_loss_gy(treatment_days)
