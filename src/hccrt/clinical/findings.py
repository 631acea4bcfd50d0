"""Output building blocks: a traced finding and the items built from findings.

A :class:`Finding` is one rule firing on one patient: the rule id, a sentence for the clinician and
the patient facts that triggered it. Output items (:class:`Item`, options, limits) collect their
findings' reasons, rule ids, facts and sources so that every line of an assessment can be traced
to the passage it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.sources import RULES, SourceRef, source_ref

Fact = str | int | float | bool | None

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Finding(BaseModel):
    """One rule that fired, with its sentence and the facts that triggered it."""

    model_config = _FROZEN

    rule_id: str
    text: str
    facts: dict[str, Fact] = {}


def finding(rule_id: str, text: str, **facts: Fact) -> Finding:
    """Build a :class:`Finding`; ``rule_id`` must be registered."""
    if rule_id not in RULES:
        raise KeyError(f"unknown clinical rule id {rule_id!r}")
    return Finding(rule_id=rule_id, text=text, facts=facts)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def trace(findings: Iterable[Finding]) -> dict[str, Any]:
    """Reasons, rule ids, merged facts and sources of ``findings`` (as model fields)."""
    items = list(findings)
    facts: dict[str, Fact] = {}
    for item in items:
        facts.update(item.facts)
    rule_ids = _unique(f.rule_id for f in items)
    return {
        "reasons": _unique(f.text for f in items),
        "rule_ids": rule_ids,
        "facts": facts,
        "sources": tuple(source_ref(RULES[rule_id]) for rule_id in rule_ids),
    }


class Traced(BaseModel):
    """Base of every output item that carries reasons and sources."""

    model_config = _FROZEN

    reasons: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    facts: dict[str, Fact] = {}
    sources: tuple[SourceRef, ...] = ()


class Item(Traced):
    """A named statement (indication, technique, warning, risk factor) with its trace.

    ``key`` is a stable machine name, ``text`` the sentence shown to the clinician.
    """

    key: str
    text: str


def item(key: str, text: str, findings: Iterable[Finding]) -> Item:
    """Build an :class:`Item` from ``findings``."""
    return Item(key=key, text=text, **trace(findings))


def item_from(key: str, one: Finding) -> Item:
    """An :class:`Item` whose text is the finding's sentence."""
    return item(key, one.text, [one])
