"""The one accessor of clinical dose limits: the packaged protocol data, with their sources.

The protocols (``hccrt/evaluation/protocols/*.json``) are the home of every dose limit. The
clinical rules (:mod:`hccrt.clinical.rules.rt_safety`), the planner's defaults
(:mod:`hccrt.planning.protocol`) and the radiobiology tolerances
(:mod:`hccrt.radiobiology.liver_tolerance`) read their numbers here, so the assessment, the
planner and the evaluator cannot disagree about the same patient (``tests/core/test_limits.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from hccrt.errors import InputError

__all__ = ["CONVENTIONAL", "SourcedLimit", "planning_defaults", "protocol_limit"]

CONVENTIONAL = "hcc_conventional"
"""The protocol of conventionally fractionated courses, home of the fractionation-free limits."""

# Package data, read through importlib.resources (works from a wheel or a zip, not only a checkout).
_PROTOCOLS = files("hccrt").joinpath("evaluation", "protocols")


@dataclass(frozen=True)
class SourcedLimit:
    """One dose limit as the protocol states it.

    Parameters
    ----------
    id, structure, metric, comparator, limit
        The constraint: e.g. ``cord_max``, ``SpinalCord``, ``D0.03cc[Gy]``, ``<``, ``50.0``.
    source, status
        Where the value comes from and its evidence status (``seed``, ``V``, ``V2``,
        ``UNCONFIRMED``).
    protocol
        Protocol id the limit was read from.
    """

    id: str
    structure: str
    metric: str
    comparator: str
    limit: float
    source: str
    status: str
    protocol: str


@cache
def _raw(protocol: str) -> dict[str, Any]:
    path = _PROTOCOLS / f"{protocol}.json"
    if not path.is_file():
        names = (p.name for p in _PROTOCOLS.iterdir())
        known = sorted(n.removesuffix(".json") for n in names if n.endswith(".json"))
        raise InputError("protocol", "not a packaged protocol", protocol, f"use one of {known}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _record(item: dict[str, Any], protocol: str) -> SourcedLimit:
    return SourcedLimit(
        id=item["id"],
        structure=item["structure"],
        metric=item["metric"],
        comparator=item["comparator"],
        limit=float(item["limit"]),
        source=item["source"],
        status=item["status"],
        protocol=protocol,
    )


def protocol_limit(constraint_id: str, protocol: str = CONVENTIONAL) -> SourcedLimit:
    """The limit ``constraint_id`` of a packaged protocol.

    Parameters
    ----------
    constraint_id
        Constraint id in the protocol, e.g. ``liver_mean_cp_a`` or ``cord_max``.
    protocol
        Packaged protocol id (default: the conventional-fractionation protocol).

    Returns
    -------
    SourcedLimit

    Raises
    ------
    InputError
        Unknown protocol or constraint id.
    """
    for item in _raw(protocol)["constraints"]:
        if item["id"] == constraint_id:
            return _record(item, protocol)
    raise InputError(
        "constraint_id", f"not a constraint of protocol {protocol}", constraint_id, "check the id"
    )


def planning_defaults(protocol: str = CONVENTIONAL) -> tuple[SourcedLimit, ...]:
    """The organ limits the planner uses where the protocol's constraints give it none.

    They are stated in the protocol file (``planning_defaults``), never evaluated as the
    protocol's constraints, and labelled with their evidence status.

    Parameters
    ----------
    protocol
        Packaged protocol id.

    Returns
    -------
    tuple of SourcedLimit
    """
    return tuple(_record(item, protocol) for item in _raw(protocol).get("planning_defaults", ()))
