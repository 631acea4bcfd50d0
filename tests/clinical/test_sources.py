"""Traceability: every seed rule quotes its seed verbatim; every output cites registered rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hccrt.clinical.assess
import hccrt.clinical.followup
from hccrt.clinical.patient import load_patient
from hccrt.clinical.sources import BEYOND_SEEDS, LITERATURE, RULES, SEED_DOCUMENTS, Status
from tests.conftest import SHARED_DATA

SEEDS_DIR = SHARED_DATA.parent
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_text(document: str) -> str:
    path = SEEDS_DIR / document
    if not path.is_file():
        pytest.skip(f"seed {path} not available")
    return _normalise(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("rule_id", sorted(r.id for r in RULES.values() if r.status is Status.seed))
def test_seed_passage_is_verbatim(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.document in SEED_DOCUMENTS
    assert _normalise(rule.passage) in _seed_text(rule.document), rule_id


def test_rule_set_is_large_and_documented() -> None:
    assert len(RULES) >= 70
    for rule in RULES.values():
        assert rule.title
        assert rule.area
        if rule.status is not Status.seed:
            assert rule.document.startswith(("reference/clinical-facts.md", LITERATURE))
        if rule.document.startswith(LITERATURE):  # beyond the seeds, and labelled so
            assert rule.title.startswith(BEYOND_SEEDS), rule.id
            assert rule.area.startswith(BEYOND_SEEDS), rule.id
            assert rule.status is not Status.seed


@pytest.mark.parametrize(
    "path",
    sorted(p for p in EXAMPLES.glob("*.json") if not p.name.startswith("followup")),
    ids=lambda p: p.name,
)
def test_every_output_item_cites_registered_rules(path: Path) -> None:
    assessment = hccrt.clinical.assess.assess(load_patient(path))
    rt = assessment.radiotherapy
    traced = [
        *assessment.options,
        *rt.indications,
        *rt.technique,
        *rt.fractionation,
        rt.margins,
        rt.dose_limits,
        *rt.warnings,
        *assessment.warnings,
    ]
    for item in traced:
        assert item.rule_ids, item
        assert [s.rule_id for s in item.sources] == list(item.rule_ids)
        assert all(rule_id in RULES for rule_id in item.rule_ids)
        assert item.reasons
