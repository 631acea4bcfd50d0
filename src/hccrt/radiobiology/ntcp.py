"""NTCP from a DVH: Lyman-Kutcher-Burman (probit) and the logit form, both on the gEUD.

Steps (clinical-facts §4.1)
1. Convert every bin's physical dose D_i (delivered in N fractions) to the fractionation the
   parameter set was fitted at: EQD_ref,i = D_i·(D_i/N + α/β)/(d_ref + α/β) (LQ).
2. gEUD = (Σ v_i·EQD_ref,i^(1/n))^n with fractional volumes v_i (n = 1: mean dose).
3. Probit: NTCP = Φ((gEUD − TD50)/(m·TD50)).
   Logit:  NTCP = 1/(1 + (TD50/gEUD)^(4·γ50)), γ50 = 1/(m·√(2π)) (same slope at TD50).

The Kutcher-Burman effective volume at the maximum dose is reported as well:
Veff = Σ v_i·(D_i/D_max)^(1/n), so that gEUD = D_max·Veff^n.

References
----------
Lyman JT. Radiat Res Suppl 1985;8:S13-S19. Kutcher GJ, Burman C. IJROBP 1989;16:1623-1630.
Niemierko A. Med Phys 1999;26:1100 (gEUD). Dawson LA et al. IJROBP 2002;53:810-821.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.radiobiology._checks import fraction_count, positive
from hccrt.radiobiology.dvh_input import (
    DifferentialDvh,
    cumulative_to_differential,
    differential_dvh,
    require_total_volume,
)
from hccrt.radiobiology.model_defaults import BRENNER_2008, LQ_VALIDITY_LIMIT_GY
from hccrt.radiobiology.ntcp_parameters import NtcpParameterSet, get_ntcp_parameter_set
from hccrt.radiobiology.records import ModelWarning, Status
from hccrt.radiobiology.voxel import dose_array_to_eqd_x


@dataclass(frozen=True)
class NtcpResult:
    """NTCP with the doses it was computed from and the parameter set behind it.

    Attributes
    ----------
    ntcp
        Probability (0-1).
    geud_gy
        gEUD of the DVH converted to the set's reference fractionation (Gy).
    mean_dose_gy
        Physical mean dose (Gy).
    eqd2_mean_dose_gy
        Mean of the bin-wise EQD2 with the set's α/β (Gy).
    parameter_set
        The :class:`NtcpParameterSet` used.
    model
        ``"LKB probit"`` or ``"logit"``.
    """

    ntcp: float
    geud_gy: float
    mean_dose_gy: float
    eqd2_mean_dose_gy: float
    parameter_set: NtcpParameterSet
    model: str
    fractions: int
    reference_mean_dose_gy: float
    max_dose_gy: float
    effective_volume: float
    total_volume_cc: float
    warnings: tuple[ModelWarning, ...] = field(default_factory=tuple)

    def as_record(self) -> dict[str, Any]:
        """Every field as a plain dict; ``parameter_set`` as :meth:`NtcpParameterSet.as_record`."""
        record = dataclasses.asdict(self)
        record["parameter_set"] = self.parameter_set.as_record()
        return record


def ntcp_lkb(
    dose_gy: npt.ArrayLike,
    volume_cc: npt.ArrayLike,
    parameter_set: NtcpParameterSet | str,
    fractions: int,
    *,
    cumulative: bool = False,
    total_volume_cc: float | None = None,
) -> NtcpResult:
    """Lyman-Kutcher-Burman (probit) NTCP of a DVH delivered in ``fractions`` fractions.

    Parameters
    ----------
    dose_gy
        Bin-centre doses (differential) or dose points (cumulative), total physical dose (Gy).
    volume_cc
        Volume in each bin (differential) or volume receiving >= each dose (cumulative), cc.
    parameter_set
        An :class:`NtcpParameterSet` or its name (see ``list_ntcp_parameter_sets()``).
    fractions
        Number of fractions the DVH's dose was delivered in.
    cumulative
        ``True`` when ``volume_cc`` is cumulative.
    total_volume_cc
        Structure volume (cc); if given, the DVH's total volume (sum of a differential DVH, first
        point of a cumulative one) must match it within 1 %.

    Examples
    --------
    >>> from hccrt.radiobiology.ntcp_parameters import get_ntcp_parameter_set
    >>> p = get_ntcp_parameter_set("tai2009_child_pugh_a")
    >>> round(ntcp_lkb([40.0], [1200.0], p, fractions=20).ntcp, 3)  # uniform 40 Gy in 2 Gy fx
    0.492
    """
    return _ntcp(dose_gy, volume_cc, parameter_set, fractions, cumulative, total_volume_cc, False)


def ntcp_logit(
    dose_gy: npt.ArrayLike,
    volume_cc: npt.ArrayLike,
    parameter_set: NtcpParameterSet | str,
    fractions: int,
    *,
    cumulative: bool = False,
    total_volume_cc: float | None = None,
) -> NtcpResult:
    """Logit NTCP on the gEUD: 1/(1 + (TD50/gEUD)^(4γ50)), γ50 = 1/(m√(2π)).

    Same arguments as :func:`ntcp_lkb`.
    """
    return _ntcp(dose_gy, volume_cc, parameter_set, fractions, cumulative, total_volume_cc, True)


def geud_gy(dose_gy: npt.ArrayLike, volume_cc: npt.ArrayLike, n: float) -> float:
    """Generalised EUD (Gy) of a differential DVH with volume exponent ``n`` (a = 1/n).

    Examples
    --------
    >>> geud_gy([10.0, 30.0], [1.0, 1.0], 1.0)  # n = 1: mean dose
    20.0
    """
    dvh = differential_dvh(dose_gy, volume_cc)
    return _geud(dvh.dose_gy, dvh.fractional_volume, positive("n", n))


def _geud(dose: np.ndarray[Any, Any], fraction: np.ndarray[Any, Any], n: float) -> float:
    top = float(dose.max())
    if top == 0.0:
        return 0.0
    # scaled by the maximum so large exponents 1/n cannot overflow
    mean_power = float(np.dot(fraction, (dose / top) ** (1.0 / n)))
    return float(top * mean_power**n)


def _ntcp(
    dose_gy: npt.ArrayLike,
    volume_cc: npt.ArrayLike,
    parameter_set: NtcpParameterSet | str,
    fractions: int,
    cumulative: bool,
    total_volume_cc: float | None,
    logit: bool,
) -> NtcpResult:
    params = (
        get_ntcp_parameter_set(parameter_set) if isinstance(parameter_set, str) else parameter_set
    )
    n_fx = fraction_count("fractions", fractions)
    dvh: DifferentialDvh
    if cumulative:
        dvh = cumulative_to_differential(dose_gy, volume_cc)
        if total_volume_cc is not None:
            require_total_volume(
                dvh,
                total_volume_cc,
                "the first cumulative volume must be the whole structure (volumes in cc, not %)",
            )
    else:
        dvh = differential_dvh(dose_gy, volume_cc, total_volume_cc)
    ab, d_ref = params.alpha_beta_gy, params.reference_dose_per_fraction_gy
    physical = dvh.dose_gy
    weights = dvh.fractional_volume
    converted = dose_array_to_eqd_x(physical, n_fx, ab, d_ref)
    eqd2 = dose_array_to_eqd_x(physical, n_fx, ab, 2.0)
    geud = _geud(converted, weights, params.n)
    top = float(converted.max())
    veff = float(np.dot(weights, (converted / top) ** (1.0 / params.n))) if top > 0 else 0.0
    slope = params.m * params.td50_gy
    if logit:
        gamma50 = 1.0 / (params.m * math.sqrt(2.0 * math.pi))
        probability = 0.0 if geud == 0.0 else 1.0 / (1.0 + (params.td50_gy / geud) ** (4 * gamma50))
    else:
        # standard normal CDF (scipy.special.ndtr) from math.erfc: no scipy import for this
        probability = 0.5 * math.erfc(-(geud - params.td50_gy) / (slope * math.sqrt(2.0)))
    notes = list(dvh.warnings)
    max_per_fraction = float(physical.max()) / n_fx
    if max_per_fraction > LQ_VALIDITY_LIMIT_GY:
        notes.append(
            ModelWarning(
                "lq_high_dose_per_fraction",
                f"DVH bins reach {max_per_fraction:.3g} Gy per fraction; the LQ conversion to "
                f"{d_ref:g} Gy fractions is debated above {LQ_VALIDITY_LIMIT_GY:g} Gy per fraction",
                BRENNER_2008,
            )
        )
    if params.status is Status.unconfirmed:
        notes.append(
            ModelWarning(
                "unconfirmed_parameters",
                f"parameter set {params.name} contains UNCONFIRMED values (parameters: "
                f"{params.parameters_status.value}, fractionation: "
                f"{params.fractionation_status.value}); verify before clinical use",
                params.source,
            )
        )
    return NtcpResult(
        ntcp=probability,
        geud_gy=geud,
        mean_dose_gy=dvh.mean_dose_gy,
        eqd2_mean_dose_gy=float(np.dot(weights, eqd2)),
        parameter_set=params,
        model="logit" if logit else "LKB probit",
        fractions=n_fx,
        reference_mean_dose_gy=float(np.dot(weights, converted)),
        max_dose_gy=float(physical.max()),
        effective_volume=veff,
        total_volume_cc=dvh.total_volume_cc,
        warnings=tuple(notes),
    )
