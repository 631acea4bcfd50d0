"""Provenance records shared by the radiobiology models: status tags, sources and warnings.

Every parameter value in :mod:`hccrt.radiobiology` carries a :class:`Status` and a source string.
The tags are the project's one vocabulary, :class:`hccrt.core.Status` (``clinical-facts.md``):
``verified`` against a primary source, ``verified_secondary`` against a secondary source,
``derived`` by algebra, and ``unconfirmed`` (recalled from the literature, not checked against the
primary paper). UNCONFIRMED
values are shipped as labelled, overridable defaults only.
"""

from __future__ import annotations

from dataclasses import dataclass

from hccrt.core import Status as Status  # re-exported: the one vocabulary

_STATUS_RANK = {
    Status.seed: 0,
    Status.user: 0,
    Status.verified: 0,
    Status.derived: 1,
    Status.verified_secondary: 2,
    Status.unconfirmed: 3,
}


def weakest(*statuses: Status) -> Status:
    """Return the least certain of several statuses (UNCONFIRMED wins over everything)."""
    return max(statuses, key=lambda status: _STATUS_RANK[status])


@dataclass(frozen=True)
class ModelWarning:
    """A structured warning carried inside a result (never a Python ``warnings`` warning).

    Parameters
    ----------
    code
        Stable machine-readable identifier, e.g. ``"lq_high_dose_per_fraction"``.
    message
        One sentence for people, with the numbers that triggered it.
    source
        Citation supporting the warning, or ``""``.
    """

    code: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class SourcedValue:
    """A number with its unit, source and status (e.g. a tissue α/β or a repair half-time)."""

    name: str
    value: float
    unit: str
    source: str
    status: Status
    note: str = ""
