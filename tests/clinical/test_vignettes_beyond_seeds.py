"""Vignettes for the decision support beyond the seeds (BCLC 2022, first-line systemic therapy,
extended transplant criteria). Each quotes the paper the rule comes from."""

from __future__ import annotations

from typing import Any

import pytest

from hccrt.clinical.assess import Assessment
from hccrt.clinical.rules.modern import (
    BeyondSeeds,
    Regimen,
    afp_model_score,
    up_to_seven_sum,
)
from hccrt.clinical.sources import BEYOND_SEEDS, LITERATURE, RULES
from tests.clinical.factory import run, tumor

PVTT = {"portal_vein": "branch", "hepatic_vein": False, "ivc": False}
TRUNK = {"portal_vein": "main_trunk", "hepatic_vein": False, "ivc": False}
ELIGIBLE = {
    "ecog": 0,
    "kps": None,
    "autoimmune_disease": False,
    "recent_bleeding": False,
    "varices_screened_date": "2026-03-01",
    "varices_untreated_high_risk": False,
    "assessment_date": "2026-05-20",
}


def _beyond(a: Assessment) -> BeyondSeeds:
    assert a.beyond_seeds is not None
    return a.beyond_seeds


def _systemic(a: Assessment) -> dict[Regimen, str]:
    return {o.regimen: o.verdict.value for o in _beyond(a).systemic_first_line}


def _bclc_c(**changes: Any) -> Assessment:
    return run(**{"vascular_invasion": PVTT, **ELIGIBLE, **changes})


def test_every_beyond_seeds_item_is_labelled_and_cites_literature() -> None:
    """Issue 16 item 6: "Modern decision support beyond the seeds, labelled as such"."""
    b = _beyond(_bclc_c())
    assert b.label.startswith(BEYOND_SEEDS)
    traced = [b.bclc_2022, *b.bclc_2022.afp_notes, *b.systemic_first_line, b.transplant_criteria]
    for item in traced:
        assert item.rule_ids
        assert item.reasons
        assert any(s.document.startswith(LITERATURE) for s in item.sources), item
        for source in item.sources:
            if source.document.startswith(LITERATURE):
                assert RULES[source.rule_id].title.startswith(BEYOND_SEEDS)


def test_bclc_c_first_line_immunotherapy_combinations_recommended() -> None:
    """Reig 2022 (BCLC-C): "Systemic: 1st line atezolizumab-bevacizumab or durvalumab-
    tremelimumab; if contraindicated sorafenib / lenvatinib" (clinical-facts §2.1)."""
    verdicts = _systemic(_bclc_c())
    assert verdicts[Regimen.atezolizumab_bevacizumab] == "recommended"
    assert verdicts[Regimen.durvalumab_tremelimumab] == "recommended"
    assert verdicts[Regimen.lenvatinib] == "consider"
    assert verdicts[Regimen.sorafenib] == "consider"


def test_atezo_bev_needs_varices_screened_within_6_months() -> None:
    """ASCO 2020 on IMbrave150: "patients in this trial were required to have undergone
    esophagogastroduodenoscopy (EGD) within 6 months of trial initiation and to have received
    treatment of esophageal varices when necessary." 8 months before -> insufficient data."""
    old = _bclc_c(varices_screened_date="2025-09-20")
    atezo = next(o for o in _beyond(old).systemic_first_line if o.regimen.value.startswith("atezo"))
    assert atezo.verdict.value == "insufficient_data"
    assert any("> 6 months" in r for r in atezo.reasons)
    assert _systemic(old)[Regimen.durvalumab_tremelimumab] == "recommended"  # no anti-VEGF
    never = _bclc_c(varices_screened_date=None)
    assert _systemic(never)[Regimen.atezolizumab_bevacizumab] == "insufficient_data"


def test_untreated_varices_or_recent_bleeding_contraindicate_bevacizumab() -> None:
    """IMbrave150/ASCO: varices treated "when necessary" before bevacizumab (bleeding risk)."""
    varices = _bclc_c(varices_untreated_high_risk=True)
    assert _systemic(varices)[Regimen.atezolizumab_bevacizumab] == "contraindicated"
    bleeding = _bclc_c(recent_bleeding=True)
    assert _systemic(bleeding)[Regimen.atezolizumab_bevacizumab] == "contraindicated"
    assert _systemic(bleeding)[Regimen.durvalumab_tremelimumab] == "recommended"


def test_autoimmune_disease_rules_out_both_combinations_and_promotes_a_tki() -> None:
    """ASCO 2020: IMbrave150 excluded patients who "had a history of autoimmune disease";
    BCLC 2022: "if contraindicated sorafenib / lenvatinib"."""
    verdicts = _systemic(_bclc_c(autoimmune_disease=True))
    assert verdicts[Regimen.atezolizumab_bevacizumab] == "relative_contraindication"
    assert verdicts[Regimen.durvalumab_tremelimumab] == "relative_contraindication"
    assert verdicts[Regimen.lenvatinib] == "recommended"
    assert verdicts[Regimen.sorafenib] == "recommended"


def test_child_pugh_b_and_ecog_2_are_outside_the_trials() -> None:
    """IMbrave150/HIMALAYA/REFLECT: "Child-Pugh class A liver function, and an ECOG performance
    status of 0 or 1"; SHARP enrolled ECOG 0-2 (UNCONFIRMED)."""
    cp_b = _systemic(_bclc_c(bilirubin_mg_dl=2.5, albumin_g_dl=3.0, ascites="mild"))
    assert set(cp_b.values()) == {"relative_contraindication"}
    ecog2 = _systemic(_bclc_c(ecog=2))
    assert ecog2[Regimen.atezolizumab_bevacizumab] == "relative_contraindication"
    assert ecog2[Regimen.sorafenib] == "recommended"
    assert RULES["SYS-SORAFENIB-1L"].status.value == "UNCONFIRMED"


def test_main_portal_trunk_excluded_from_himalaya_and_reflect() -> None:
    """HIMALAYA excluded Vp4 (main portal-vein) thrombosis; REFLECT excluded main portal-vein
    invasion."""
    verdicts = _systemic(_bclc_c(vascular_invasion=TRUNK))
    assert verdicts[Regimen.durvalumab_tremelimumab] == "relative_contraindication"
    assert verdicts[Regimen.lenvatinib] == "relative_contraindication"
    assert verdicts[Regimen.atezolizumab_bevacizumab] == "recommended"


def test_prior_systemic_therapy_is_not_first_line() -> None:
    prior = [{"kind": "systemic_therapy", "date": "2026-01-10"}]
    verdicts = _systemic(_bclc_c(prior_treatments=prior))
    assert set(verdicts.values()) == {"not_indicated"}


def test_bclc_b_subgroups() -> None:
    """Reig 2022 BCLC-B: "(2) well-defined nodules, preserved portal flow, selective arterial
    access → TACE; (3) diffuse, infiltrative, extensive bilobar involvement → systemic
    therapy" (clinical-facts §2.1 [V])."""
    four = [tumor(4.0), tumor(3.5), tumor(2.0), tumor(2.0)]
    tace = _beyond(run(tumors=four, tumour_pattern="well_defined", afp_ng_ml=20)).bclc_2022
    assert (tace.stage, tace.subgroup, tace.first_option) == ("B", "B2_tace", "tace")
    diffuse = run(tumors=four, tumour_pattern="diffuse_infiltrative", afp_ng_ml=20, **ELIGIBLE)
    assert _beyond(diffuse).bclc_2022.subgroup == "B3_systemic"
    assert _systemic(diffuse)[Regimen.atezolizumab_bevacizumab] == "recommended"
    unknown = _beyond(run(tumors=four, afp_ng_ml=20)).bclc_2022
    assert unknown.subgroup is None
    assert "tumour_pattern" in unknown.reasons[0]


def test_bclc_b_within_extended_criteria_transplant_candidate() -> None:
    """Reig 2022 BCLC-B subgroup 1: "well-defined nodules within extended LT criteria → LT"
    (4 nodules, largest 3 cm: up-to-seven 3 + 4 = 7)."""
    four = [tumor(3.0), tumor(2.5), tumor(2.0), tumor(1.5)]
    a = run(tumors=four, transplant_candidate=True, afp_ng_ml=20)
    bclc = _beyond(a).bclc_2022
    assert (bclc.subgroup, bclc.first_option) == ("B1_transplant", "transplant")


def test_treatment_stage_migration() -> None:
    """Reig 2022: "treatment stage migration (offer the option of the next stage if the
    recommended one is not feasible)". BCLC-B, well-defined nodules, no selective access ->
    systemic therapy."""
    four = [tumor(4.0), tumor(3.5), tumor(2.0), tumor(2.0)]
    a = run(
        tumors=four, tumour_pattern="well_defined", segmental_injection_possible=False,
        afp_ng_ml=20, **ELIGIBLE,
    )  # fmt: skip
    bclc = _beyond(a).bclc_2022
    assert bclc.migrated_to == "systemic_therapy"
    assert "BCLC22-MIGRATION" in bclc.rule_ids
    assert _systemic(a)[Regimen.atezolizumab_bevacizumab] == "recommended"


def test_bclc_a_without_a_feasible_curative_option_migrates_to_tace() -> None:
    """Reig 2022 stage migration 0/A -> TACE: single 2.5 cm tumour, unresectable, no transplant,
    no ablation path."""
    a = run(tumors=[tumor(2.5, ablation_path_accessible=False)], afp_ng_ml=5)
    bclc = _beyond(a).bclc_2022
    assert (bclc.stage, bclc.migrated_to) == ("A", "tace")
    assert _beyond(run(afp_ng_ml=5)).bclc_2022.migrated_to is None  # ablation open


def test_afp_at_least_400_notes_ramucirumab() -> None:
    """BCLC 2022: "2nd line regorafenib, cabozantinib, ramucirumab (AFP ≥ 400 ng/mL)"."""
    notes = _beyond(_bclc_c(afp_ng_ml=400)).bclc_2022.afp_notes
    assert [n.key for n in notes] == ["afp_high"]
    assert _beyond(_bclc_c(afp_ng_ml=399)).bclc_2022.afp_notes == ()
    assert [n.key for n in _beyond(_bclc_c()).bclc_2022.afp_notes] == ["afp_missing"]


# AFP model (Duvoux 2012; points as tabulated by Fatourou et al., Hepatoma Res 2018;4:63,
# Table 2): diameter ≤ 3 cm 0, 3-6 cm 1, > 6 cm 4; 1-3 nodules 0, ≥ 4 nodules 2; AFP ≤ 100 0,
# 100-1000 2, > 1000 3.
@pytest.mark.parametrize(
    ("largest_cm", "count", "afp", "score"),
    [
        (3.0, 1, 100.0, 0),
        (3.1, 1, 100.0, 1),
        (6.0, 3, 101.0, 3),
        (6.1, 4, 1000.0, 8),
        (2.0, 4, 1001.0, 5),
    ],
)
def test_afp_model_points(largest_cm: float, count: int, afp: float, score: int) -> None:
    assert afp_model_score(largest_cm, count, afp) == score


def test_transplant_criteria_beside_milan() -> None:
    """Mazzaferro 2009 up-to-seven: "Seven as the sum of the size of the largest tumor (in cm)
    and the number of tumors"; a single 6 cm tumour is beyond Milan, within up-to-seven
    (6 + 1 = 7) and AFP model 1 + 0 + 0 = 1 ≤ 2."""
    tx = _beyond(run(tumors=[tumor(6.0)], afp_ng_ml=12)).transplant_criteria
    assert (tx.milan, tx.up_to_seven, tx.afp_score, tx.afp_model_low_risk) == (False, True, 1, True)
    assert up_to_seven_sum(6.0, 1) == 7.0
    beyond = _beyond(run(tumors=[tumor(6.1)], afp_ng_ml=12)).transplant_criteria
    assert beyond.up_to_seven is False
    thrombus = _beyond(run(vascular_invasion=PVTT, afp_ng_ml=12)).transplant_criteria
    assert (thrombus.up_to_seven, thrombus.afp_model_low_risk) == (False, False)
    no_afp = _beyond(run()).transplant_criteria
    assert no_afp.missing == ("afp_ng_ml",)
    assert no_afp.afp_model_low_risk is None
