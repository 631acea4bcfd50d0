"""Incomplete sublethal-damage repair: Lea-Catcheside G (long fractions) and Thames H (short gaps).

Model: mono-exponential repair with rate μ = ln 2/T½. For n equal fractions of dose d, each
delivered at constant dose rate over ``fraction_duration_h`` (T) and started every ``interval_h``
(Δ, start to start)::

    −ln S = n·α·d + n·β·d²·[G(μT) + K(μT)·H_n(e^(−μΔ))]
    G(x)   = 2·(x − 1 + e^(−x))/x²                       (Lea-Catcheside, within a fraction)
    H_n(φ) = (2/n)·[φ/(1 − φ)]·[n − (1 − φⁿ)/(1 − φ)]    (Thames 1985, between fractions)
    K(x)   = (1 − e^(−x))·(e^(x) − 1)/x² = [2·sinh(x/2)/x]²   (protraction of both fractions)
    BED    = n·d·[1 + (d/(α/β))·(G + K·H_n)]

G and H_n are the textbook expressions (clinical-facts §3.7, [V2] S21; H_n UNCONFIRMED as quoted
there). Here H_n was re-derived from the double sum Σ_{i<j} φ^(j−i) = Σ_{k=1}^{n−1}(n−k)φ^k and
K from integrating the pairwise interaction of two constant-rate fractions, so all three are exact
for mono-exponential repair [D]; the tests compare them with brute-force sums and quadrature.

References
----------
Thames HD. An 'incomplete-repair' model for survival after fractionated and continuous
irradiations. Int J Radiat Biol 1985;47:319-339.
Lea DE, Catcheside DG. The mechanism of the induction by radiation of chromosome aberrations in
Tradescantia. J Genet 1942;44:216-245.
"""

from __future__ import annotations

import math

from hccrt.errors import InputError
from hccrt.radiobiology._checks import fraction_count, non_negative, positive
from hccrt.radiobiology.records import ModelWarning, SourcedValue, Status

LIVER_REPAIR_HALF_TIME_H = SourcedValue(
    name="liver repair half-time",
    value=1.5,
    unit="h",
    source="public NTCP/BED code default for liver (clinical-facts §3.7, S21); not HCC-specific",
    status=Status.unconfirmed,
    note="Repair half-times for liver/HCC are not established; override for clinical use.",
)


def repair_rate_per_h(repair_half_time_h: float) -> float:
    """Repair rate μ = ln 2/T½ (1/h)."""
    return math.log(2.0) / positive("repair_half_time_h", repair_half_time_h)


def lea_catcheside_g(fraction_duration_h: float, repair_half_time_h: float) -> float:
    """Lea-Catcheside dose-protraction factor G for one fraction at constant dose rate.

    G = 2·(x − 1 + e^(−x))/x², x = μ·T; G = 1 for an instantaneous fraction, G -> 0 as T -> ∞.

    Examples
    --------
    >>> lea_catcheside_g(0.0, 1.5)
    1.0
    """
    duration = non_negative("fraction_duration_h", fraction_duration_h)
    x = repair_rate_per_h(repair_half_time_h) * duration
    if x < 1e-4:  # series 1 − x/3 + x²/12 avoids cancellation for short fractions
        return 1.0 - x / 3.0 + x * x / 12.0
    return 2.0 * (x - 1.0 + math.exp(-x)) / (x * x)


def thames_h_factor(fractions: int, interval_h: float, repair_half_time_h: float) -> float:
    """Thames incomplete-repair factor H_n for n acute fractions given every ``interval_h``.

    Examples
    --------
    >>> phi = math.exp(-math.log(2) * 6 / 1.5)
    >>> math.isclose(thames_h_factor(2, 6.0, 1.5), phi)  # H_2 = φ
    True
    """
    n = fraction_count("fractions", fractions)
    interval = positive("interval_h", interval_h, "the time between fraction starts, e.g. 6 h")
    phi = math.exp(-repair_rate_per_h(repair_half_time_h) * interval)
    if n == 1 or phi == 0.0:
        return 0.0
    return (2.0 / n) * (phi / (1.0 - phi)) * (n - (1.0 - phi**n) / (1.0 - phi))


def _protraction_k(x: float) -> float:
    if x < 1e-4:
        return 1.0 + x * x / 12.0
    return (2.0 * math.sinh(x / 2.0) / x) ** 2


def bed_lq_incomplete_repair(
    dose_per_fraction_gy: float,
    fractions: int,
    alpha_beta_gy: float,
    repair_half_time_h: float,
    fraction_duration_h: float = 0.0,
    interval_h: float | None = None,
) -> float:
    """LQ BED with incomplete repair within (G) and between (H_n) fractions (Gy).

    Parameters
    ----------
    dose_per_fraction_gy, fractions, alpha_beta_gy
        As in :func:`~hccrt.radiobiology.lq.bed_lq`.
    repair_half_time_h
        Mono-exponential repair half-time (h); for liver see :data:`LIVER_REPAIR_HALF_TIME_H`
        (UNCONFIRMED).
    fraction_duration_h
        Beam-on time of one fraction at constant dose rate (h); 0 = acute.
    interval_h
        Time from the start of one fraction to the start of the next (h). ``None`` means full
        repair between fractions (e.g. one fraction a day), so only G applies.

    Returns
    -------
    float
        n·d·[1 + (d/(α/β))·(G + K·H_n)] in Gy.
    """
    d = non_negative("dose_per_fraction_gy", dose_per_fraction_gy)
    n = fraction_count("fractions", fractions)
    ab = positive("alpha_beta_gy", alpha_beta_gy)
    duration = non_negative("fraction_duration_h", fraction_duration_h)
    mu = repair_rate_per_h(repair_half_time_h)
    g = lea_catcheside_g(duration, repair_half_time_h)
    h_term = 0.0
    if interval_h is not None and n > 1:
        interval = positive("interval_h", interval_h)
        if interval < duration:
            raise InputError(
                "interval_h",
                f"must be >= fraction_duration_h ({duration} h): fractions cannot overlap",
                interval_h,
                "give the start-to-start time between fractions",
            )
        h_term = _protraction_k(mu * duration) * thames_h_factor(n, interval, repair_half_time_h)
    return n * d * (1.0 + (d / ab) * (g + h_term))


def uniform_interval_warning(fractions: int, interval_h: float | None) -> ModelWarning | None:
    """Warning when equal gaps of ``interval_h`` imply fractions round the clock for over a day.

    H_n assumes every fraction starts ``interval_h`` after the previous one. A twice-daily course
    entered as n fractions 6 h apart would have no overnight gaps, so the lost repair (and the
    BED) would be overestimated; ``None`` when the schedule fits within one day or the gaps are
    24 h or longer.
    """
    if interval_h is None or fractions < 3 or interval_h >= 24.0:
        return None
    span_h = (fractions - 1) * interval_h
    if span_h <= 24.0:
        return None
    return ModelWarning(
        "uniform_interval_assumed",
        f"the Thames factor assumes all {fractions} fractions are {interval_h:g} h apart "
        f"({span_h:g} h without a longer gap); for several fractions a day with overnight gaps "
        "this overestimates the incomplete repair and the BED",
        "Thames HD. Int J Radiat Biol 1985;47:319-339 (equally spaced fractions)",
    )
