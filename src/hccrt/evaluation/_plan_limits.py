"""The protocol's limits converted to a plan's fractionation, before any dose exists.

The planner turns these into hard constraints; the evaluation of the finished plan applies the
same conversion (:func:`hccrt.evaluation.limits.convert_constraint`) and the same structure
lookup (:func:`hccrt.evaluation.structures.locate`), so planner and evaluator agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hccrt.evaluation.checks import child_pugh_applies
from hccrt.evaluation.limits import convert_constraint
from hccrt.evaluation.protocol import Protocol, load_protocol, select_protocol
from hccrt.evaluation.structures import locate
from hccrt.evaluation.technique import PlanFacts
from hccrt.geometry.contours import StructureContours

__all__ = ["ConvertedLimit", "converted_limits"]


@dataclass(frozen=True)
class ConvertedLimit:
    """One protocol limit at the plan's fractionation, with the plan structures it applies to.

    Parameters
    ----------
    id, structure, comparator, priority
        As in the protocol.
    metric, limit
        Metric and limit after the LQ conversion (limit rounded to 4 decimals, as reported).
    source_status
        The protocol's evidence status of the limit.
    structure_in_plan, derivation
        Plan structures making up ``structure`` and how (empty when the plan lacks it).
    """

    id: str
    structure: str
    metric: str
    comparator: str
    limit: float
    priority: str
    source_status: str
    structure_in_plan: tuple[str, ...] = ()
    derivation: str = ""


def converted_limits(
    structures: Sequence[StructureContours],
    plan: PlanFacts,
    child_pugh_class: str | None,
    protocol: str | Protocol | None = None,
) -> tuple[Protocol, tuple[ConvertedLimit, ...]]:
    """The protocol and its limits that apply to ``plan`` (no dose needed).

    Parameters
    ----------
    structures
        The plan's structures (to find the protocol's structures in them).
    plan
        Fractions and prescription (the conversion depends on the dose per fraction).
    child_pugh_class
        ``"A"``, ``"B"``, ``"C"`` or ``None``; limits for other classes are left out.
    protocol
        Protocol name, file or object; chosen from the number of fractions when ``None``.

    Returns
    -------
    protocol, limits
        The protocol used and one :class:`ConvertedLimit` per applicable constraint.
    """
    if protocol is None:
        chosen = select_protocol(plan.fractions)[0]
    elif isinstance(protocol, Protocol):
        chosen = protocol
    else:
        chosen = load_protocol(protocol)
    cp = child_pugh_class.strip().upper()[:1] if child_pugh_class else None
    names = [s.name for s in structures if not s.is_empty]
    limits = []
    for constraint in chosen.constraints:
        if not child_pugh_applies(constraint, cp):
            continue
        metric, limit, _ = convert_constraint(constraint, plan.fractions, plan.dose_per_fraction_gy)
        located = locate(constraint.structure, names)
        plan_names, how = located if located is not None else ((), "")
        limit_record = ConvertedLimit(
            id=constraint.id,
            structure=constraint.structure,
            metric=metric,
            comparator=constraint.comparator,
            limit=round(limit, 4),
            priority=constraint.priority,
            source_status=constraint.status,
            structure_in_plan=plan_names,
            derivation=how,
        )
        limits.append(limit_record)
    return chosen, tuple(limits)
