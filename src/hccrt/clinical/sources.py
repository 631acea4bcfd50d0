"""Rule registry: every clinical rule with its id, source document, quoted passage and inputs.

A :class:`Rule` is reviewable data. The functions in :mod:`hccrt.clinical.rules` and
:mod:`hccrt.clinical.followup` cite rules by id; every output item carries those ids and the
sources, and ``docs/clinical-rules.md`` is generated from :data:`RULES`.

Seed passages are quoted verbatim from the seed files (spelling included); a test checks that
each quote occurs in its seed. Values taken from ``clinical-facts.md`` keep its status tag
(``V``, ``V2``, ``D`` or ``UNCONFIRMED``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from hccrt.core import Status as Status  # re-exported: the one vocabulary

SEED_000 = "seeds/000_ac0db68d78fdb62d.txt"
SEED_001 = "seeds/001_a7b322ccb5770179.txt"
SEED_003 = "seeds/003_4ee64882918348db.txt"
FACTS = "reference/clinical-facts.md"
BEYOND_SEEDS = "Beyond the seeds"
"""Label of every rule that no seed states (modern literature): its title and area carry it."""
LITERATURE = "literature:"
"""Document prefix of a rule whose source is a paper or guideline, not the facts sheet."""
SEED_DOCUMENTS = {
    SEED_000: "Radiotherapy for hepatocellular carcinoma (indications, technique, complications)",
    SEED_001: "Stereotactic body radiotherapy for hepatocellular carcinoma",
    SEED_003: "Local therapies for hepatocellular carcinoma (NCCN-style update)",
}


@dataclass(frozen=True)
class Rule:
    """One clinical rule.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``"ART-BILI-3"``.
    title
        What the rule decides, in one line.
    document
        Source document: a seed path (``seeds/...``) or ``reference/clinical-facts.md §N`` or
        a paper citation.
    passage
        Verbatim quote from a seed, or the value and citation for a literature rule.
    status
        :class:`Status` of the source.
    inputs
        Patient-record fields the rule reads.
    area
        Section of ``docs/clinical-rules.md``.
    """

    id: str
    title: str
    document: str
    passage: str
    status: Status
    inputs: tuple[str, ...]
    area: str

    def __post_init__(self) -> None:
        if not self.id or not self.passage:
            raise ValueError(f"rule {self.id!r}: id and passage are required")


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`RULES` (ids must be unique) and return it."""
    if rule.id in RULES:
        raise ValueError(f"duplicate clinical rule id {rule.id!r}")
    RULES[rule.id] = rule
    return rule


def seed_rule(
    rule_id: str, title: str, document: str, passage: str, inputs: tuple[str, ...], area: str
) -> Rule:
    """Register a rule quoted from a seed document."""
    return register(Rule(rule_id, title, document, passage, Status.seed, inputs, area))


def facts_rule(
    rule_id: str,
    title: str,
    section: str,
    passage: str,
    status: Status,
    inputs: tuple[str, ...],
    area: str,
) -> Rule:
    """Register a rule taken from ``clinical-facts.md`` (with its status tag)."""
    document = f"{FACTS} {section}"
    return register(Rule(rule_id, title, document, passage, status, inputs, area))


def literature_rule(
    rule_id: str,
    title: str,
    citation: str,
    passage: str,
    status: Status,
    inputs: tuple[str, ...],
    area: str,
) -> Rule:
    """Register a rule beyond the seeds, taken from the primary literature.

    ``citation`` names the paper or guideline (document ``literature: <citation>``); the title
    and the area are prefixed with :data:`BEYOND_SEEDS` so that every output item citing the rule
    says that no seed states it. ``status`` is ``V``/``V2`` where the value was checked against a
    retrieved source, ``UNCONFIRMED`` where not.
    """
    document = f"{LITERATURE} {citation}"
    labelled = f"{BEYOND_SEEDS}: {title}"
    area = area if area.startswith(BEYOND_SEEDS) else f"{BEYOND_SEEDS}: {area}"
    return register(Rule(rule_id, labelled, document, passage, status, inputs, area))


class SourceRef(BaseModel):
    """The source of one output item, as it appears in the JSON output."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    document: str
    passage: str
    status: Status


def source_ref(rule: Rule) -> SourceRef:
    """The :class:`SourceRef` of ``rule``."""
    return SourceRef(
        rule_id=rule.id, document=rule.document, passage=rule.passage, status=rule.status
    )
