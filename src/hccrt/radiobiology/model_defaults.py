"""Parameters of the LQ-L, USC and repopulation terms, with a warning whenever a default is used.

Each function returns the parameters the caller asked for, or the published default, and appends a
:class:`~hccrt.radiobiology.records.ModelWarning` to ``notes`` for every UNCONFIRMED or
not-HCC-specific default, so :func:`~hccrt.radiobiology.schemes.scheme_bed` never uses one
silently.
"""

from __future__ import annotations

from hccrt.errors import InputError
from hccrt.radiobiology.highdose import (
    ASTRAHAN_2008,
    PARK_2008,
    PARK_2008_H460,
    LqlParameters,
    UscParameters,
)
from hccrt.radiobiology.lq import TAI_2008_HCC_REPOPULATION, RepopulationParameters
from hccrt.radiobiology.records import ModelWarning, Status

HCC_ALPHA_BETA_MIN_GY = 10.0
"""Lowest HCC tumour α/β in use (clinical-facts §3.3: 10 Gy convention, 15 Gy Tai 2008)."""

LQ_VALIDITY_LIMIT_GY = 10.0
"""Dose per fraction above which plain LQ triggers a warning (Brenner 2008, PMC2750078)."""

BRENNER_2008 = (
    "Brenner DJ. Semin Radiat Oncol 2008;18:234-239 (LQ reasonably validated up to about "
    "10 Gy/fraction, reasonable up to about 18 Gy; PMC2750078)"
)


def lql_parameters(
    alpha_beta_gy: float, transition_dose_gy: float | None, notes: list[ModelWarning]
) -> LqlParameters:
    """LQ-L parameters with the given dT (user supplied), else dT = 6.0 Gy flagged UNCONFIRMED."""
    if transition_dose_gy is not None:
        return LqlParameters(
            alpha_beta_gy,
            transition_dose_gy,
            source=f"{ASTRAHAN_2008}; dT user supplied",
            status=Status.user,
        )
    lql = LqlParameters(alpha_beta_gy)
    notes.append(
        ModelWarning(
            "unconfirmed_default",
            f"LQ-L transition dose dT = {lql.transition_dose_gy:.1f} Gy is an UNCONFIRMED default "
            "(no universal value); give --transition-dose-gy to override",
            lql.source,
        )
    )
    return lql


def usc_parameters(
    alpha_beta_gy: float, d0_gy: float | None, dq_gy: float | None, notes: list[ModelWarning]
) -> UscParameters:
    """USC parameters from α/β and the given D0/Dq, else Park 2008 H460 D0/Dq flagged not HCC.

    α is solved from α/β, D0 and Dq (:meth:`UscParameters.from_alpha_beta`); D0 and Dq come
    together or not at all.
    """
    if (d0_gy is None) != (dq_gy is None):
        raise InputError(
            "d0_gy/dq_gy",
            "give both D0 and Dq, or neither (Park 2008 NSCLC defaults)",
            f"d0_gy={d0_gy}, dq_gy={dq_gy}",
            "add the missing --d0-gy or --dq-gy",
        )
    if d0_gy is None or dq_gy is None:
        park = PARK_2008_H460
        notes.append(
            ModelWarning(
                "not_hcc_specific",
                f"USC D0 = {park.d0_gy:g} Gy and Dq = {park.dq_gy:g} Gy are Park 2008 NSCLC (H460) "
                "values; no HCC-specific USC parameters are known (UNCONFIRMED for HCC); give "
                "--d0-gy and --dq-gy to override",
                park.source,
            )
        )
        return UscParameters.from_alpha_beta(
            alpha_beta_gy,
            park.d0_gy,
            park.dq_gy,
            source=park.source + "; alpha solved from the given alpha/beta",
            status=Status.unconfirmed,
        )
    return UscParameters.from_alpha_beta(
        alpha_beta_gy,
        d0_gy,
        dq_gy,
        source=f"{PARK_2008}; D0 and Dq user supplied, alpha solved from the given alpha/beta",
        status=Status.user,
    )


def repopulation_parameters(
    alpha_beta_gy: float, given: RepopulationParameters | None, notes: list[ModelWarning]
) -> RepopulationParameters:
    """The given repopulation parameters, else Tai 2008 HCC values flagged UNCONFIRMED.

    The default is a tumour fit; below the HCC α/β range (< 10 Gy) a second warning says it
    probably does not apply to the normal tissue being evaluated.
    """
    if given is not None:
        return given
    default = TAI_2008_HCC_REPOPULATION
    notes.append(
        ModelWarning(
            "unconfirmed_default",
            "overall-time correction uses Tai 2008 HCC values (Dprolif "
            f"{default.dprolif_gy_per_day:.3f} Gy/day) with Tk = {default.tk_days:g} d, an "
            "UNCONFIRMED default; give --tk-days and --dprolif-gy-per-day to override",
            default.source,
        )
    )
    if alpha_beta_gy < HCC_ALPHA_BETA_MIN_GY:
        notes.append(
            ModelWarning(
                "tumour_repopulation_on_normal_tissue",
                "the Tai 2008 repopulation term was fitted for HCC tumour; α/β "
                f"{alpha_beta_gy:g} Gy is a normal-tissue value (HCC uses 10-15 Gy), for which "
                "that term is probably not applicable; drop --treatment-days or give the "
                "tissue's own --tk-days and --dprolif-gy-per-day",
                default.source,
            )
        )
    return default
