"""The evidence status of a clinical value or rule: :class:`Status` (one vocabulary).

The tags are those of the project's clinical reference sheet (``clinical-facts.md``) and of the
protocol files: ``seed`` (stated by a seed document), ``V`` (verified against the primary
source), ``V2`` (verified against a secondary source), ``D`` (derived by algebra),
``UNCONFIRMED`` (recalled from the literature, shipped only as a labelled, overridable default)
and ``USER_SUPPLIED`` (given by the user).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status"]


class Status(StrEnum):
    """How well the source of a value or rule is established."""

    seed = "seed"
    verified = "V"
    verified_secondary = "V2"
    secondary = "V2"
    derived = "D"
    unconfirmed = "UNCONFIRMED"
    user = "USER_SUPPLIED"
