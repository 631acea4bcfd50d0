"""Text renderings used by the CLI and the reports."""

from __future__ import annotations

from pathlib import Path

from hccrt.clinical.assess import assess
from hccrt.clinical.followup import followup, load_followup
from hccrt.clinical.patient import load_patient, parse_patient
from hccrt.clinical.render import (
    render_assessment_summary,
    render_assessment_text,
    render_followup_text,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


def test_text_lists_every_option_with_rule_ids() -> None:
    a = assess(load_patient(EXAMPLES / "pvtt_child_b_si_units.json"))
    text = render_assessment_text(a)
    for option in a.options:
        assert f"{option.therapy.value}: {option.verdict.value}" in text
    assert "[ART-Y90-BILI-2, ABL-5CM]" in text
    assert "mean normal liver ≤ 6 Gy" in text


def test_summary_is_short_and_names_missing_data() -> None:
    summary = render_assessment_summary(assess(parse_patient({"bilirubin_mg_dl": 1.0})))
    assert "Child-Pugh n/a (insufficient_data)" in summary
    assert "Insufficient data for: resection" in summary
    assert len(summary.splitlines()) < 12


def test_followup_text() -> None:
    text = render_followup_text(
        followup(load_followup(EXAMPLES.parent / "followup" / "classic_rild.json"))
    )
    assert "RILD: classic" in text
    assert "Supportive measures: adrenal glucocorticoids" in text
