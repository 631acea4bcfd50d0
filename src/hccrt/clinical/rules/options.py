"""Treatment options: the contract enumerations and the traced :class:`Option` item."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from hccrt.clinical.findings import Finding, Traced, trace


class Therapy(StrEnum):
    """Therapies an assessment rates (JSON contract of ``options[].therapy``)."""

    resection = "resection"
    transplant = "transplant"
    ablation = "ablation"
    tace = "tace"
    tae = "tae"
    deb_tace = "deb_tace"
    y90_radioembolization = "y90_radioembolization"
    ebrt_3dcrt = "ebrt_3dcrt"
    ebrt_imrt = "ebrt_imrt"
    sbrt = "sbrt"
    proton = "proton"
    palliative_ebrt = "palliative_ebrt"
    sorafenib = "sorafenib"
    systemic_therapy = "systemic_therapy"
    best_supportive_care = "best_supportive_care"


class Verdict(StrEnum):
    """How an option fits this patient (JSON contract of ``options[].verdict``)."""

    recommended = "recommended"
    consider = "consider"
    relative_contraindication = "relative_contraindication"
    contraindicated = "contraindicated"
    not_indicated = "not_indicated"
    insufficient_data = "insufficient_data"


class Option(Traced):
    """One therapy with its verdict, reasons, triggering facts, rule ids and sources.

    ``evidence_level`` is the recommendation level the seed states (``2A``/``2B``) or ``None``.
    """

    therapy: Therapy
    verdict: Verdict
    evidence_level: str | None = None


def option(
    therapy: Therapy,
    verdict: Verdict,
    findings: Iterable[Finding],
    evidence_level: str | None = None,
) -> Option:
    """Build an :class:`Option` from the findings that decided it."""
    return Option(
        therapy=therapy, verdict=verdict, evidence_level=evidence_level, **trace(findings)
    )
