"""Tissue α/β values used for HCC work, as data with sources and status tags.

Values and statuses follow clinical-facts §3.3; where two values are in use (HCC 10 vs 15 Gy,
liver 2-3 vs 8 Gy) both are listed so a comparison can show the spread instead of hiding it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hccrt.errors import InputError
from hccrt.radiobiology._checks import positive
from hccrt.radiobiology.records import Status


@dataclass(frozen=True)
class TissueAlphaBeta:
    """An α/β value (Gy) for one tissue, with its source and status."""

    name: str
    tissue: str
    alpha_beta_gy: float
    source: str
    status: Status
    note: str = ""

    def __post_init__(self) -> None:
        positive("alpha_beta_gy", self.alpha_beta_gy)


TISSUE_ALPHA_BETA: tuple[TissueAlphaBeta, ...] = (
    TissueAlphaBeta(
        "hcc_conventional",
        "HCC tumour",
        10.0,
        "convention, e.g. Gkika E et al. Radiat Oncol 2017;12:116; Bae SH et al. "
        "J Korean Med Sci 2013;28:213 ('BED10 >= 80 Gy')",
        Status.verified,
    ),
    TissueAlphaBeta(
        "hcc_tai2008",
        "HCC tumour",
        15.0,
        "Tai A et al. IJROBP 2008;70:900-907 (clinical fit, 15.0 +/- 2.0 Gy; abstract checked)",
        Status.verified,
    ),
    TissueAlphaBeta(
        "liver_late_2",
        "normal liver",
        2.0,
        "alpha/beta 2 Gy fixed in the Tai 2009 Lyman fit (IJROBP 2009;74:283-289) and used for "
        "BED2 focal-injury thresholds (PMC4915544)",
        Status.verified,
    ),
    TissueAlphaBeta(
        "liver_late_2_5",
        "normal liver",
        2.5,
        "common in normalised-dose conversions of the Dawson 2002 data",
        Status.unconfirmed,
    ),
    TissueAlphaBeta(
        "liver_late_3",
        "normal liver",
        3.0,
        "public NTCP code (NTCPcalc ESAPI, clinical-facts S22)",
        Status.verified_secondary,
    ),
    TissueAlphaBeta(
        "liver_hepatitis",
        "normal liver with hepatitis (HCC patients)",
        8.0,
        "Son SH et al. Radiat Oncol 2013;8:61 (Child-Pugh score +2 endpoint; abstract checked)",
        Status.verified,
    ),
)


def get_tissue_alpha_beta(name: str) -> TissueAlphaBeta:
    """Look up a tissue α/β entry by ``name`` (see :data:`TISSUE_ALPHA_BETA`)."""
    for entry in TISSUE_ALPHA_BETA:
        if entry.name == name:
            return entry
    known = ", ".join(entry.name for entry in TISSUE_ALPHA_BETA)
    raise InputError("tissue", f"unknown tissue α/β set (known: {known})", name, "pick one")
