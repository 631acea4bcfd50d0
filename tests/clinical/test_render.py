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
from hccrt.clinical.settings import ClinicalSettings

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


def test_text_states_the_alpha_beta_actually_used() -> None:
    """Seed 001 quotes BED = nd[1 + d/(α/β)]: the text header must name the α/β of the settings
    (was a fixed "α/β = 10 Gy" even with tumour_alpha_beta_gy overridden to 15 Gy)."""
    patient = load_patient(EXAMPLES / "single_hcc_child_a.json")
    text = render_assessment_text(assess(patient, ClinicalSettings(tumour_alpha_beta_gy=15.0)))
    assert "α/β = 15 Gy" in text
    assert "α/β = 10 Gy" not in text


def test_text_says_intent_is_insufficient_data() -> None:
    """Indicated RT without a Child-Pugh class gets no guessed intent; the text says so."""
    data = {
        "bilirubin_mg_dl": 1.0,
        "albumin_g_dl": 4.0,
        "inr": 1.0,
        "kps": 90,
        "encephalopathy": "none",
        "tumors": [{"diameter_cm": 2.0}],
        "vascular_invasion": {},
        "extrahepatic_disease": [],
        "resectable": False,
    }
    text = render_assessment_text(assess(parse_patient(data)))
    assert "Radiotherapy: indicated, intent insufficient_data" in text
