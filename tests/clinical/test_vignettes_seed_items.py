"""Vignettes for the seed items issue 16 found unimplemented, and MELD 3.0 (beyond the seeds)."""

from __future__ import annotations

import pytest

import hccrt.clinical.ctcae  # noqa: F401  (registers the CTCAE rule)
from hccrt.clinical.patient import parse_patient
from hccrt.clinical.scores import meld, meld_3_0_value
from hccrt.clinical.sources import RULES
from hccrt.errors import ClinicalInputError
from tests.clinical.factory import patient, run, tumor, verdict


def _keys(items: tuple) -> list[str]:  # type: ignore[type-arg]
    return [i.key for i in items]


def test_hypersplenism_warns_of_bone_marrow_suppression() -> None:
    """Seed 000: "③ bone marrow suppression, especially in patients whose liver is illuminated
    in large volume, or with hypersplenism." """
    a = run(hypersplenism=True)
    marrow = next(w for w in a.radiotherapy.warnings if w.key == "bone_marrow_suppression")
    assert "hypersplenism" in marrow.text
    assert marrow.rule_ids[0] == "ACUTE-MARROW"
    assert marrow.sources[0].document.startswith("seeds/000")


def test_low_platelets_read_as_possible_hypersplenism_with_labelled_default() -> None:
    """Seed 000 names hypersplenism without a platelet count: 80 × 10^9/L < 100 (UNCONFIRMED
    default, SET-PLT-100) flags it; 150 does not (negative case)."""
    a = run(platelets_10e9_l=80)
    marrow = next(w for w in a.radiotherapy.warnings if w.key == "bone_marrow_suppression")
    assert "SET-PLT-100" in marrow.rule_ids
    assert "UNCONFIRMED" in RULES["SET-PLT-100"].passage
    assert "bone_marrow_suppression" not in _keys(run(platelets_10e9_l=150).radiotherapy.warnings)


def test_large_volume_liver_rt_warns_of_marrow_suppression() -> None:
    """Seed 000: marrow suppression "especially in patients whose liver is illuminated in large
    volume" — a 7 cm tumour (> the TECH-LARGE default of 5 cm)."""
    a = run(tumors=[tumor(7.0)])
    assert "bone_marrow_suppression" in _keys(a.radiotherapy.warnings)
    assert "bone_marrow_suppression" not in _keys(run().radiotherapy.warnings)


RT_ALONE_FACTS = (
    "poor_lipiodol_deposition",
    "arteriovenous_shunt",
    "portal_obstruction_without_collaterals",
)


@pytest.mark.parametrize("fact", RT_ALONE_FACTS)
def test_rt_alone_when_intervention_unsuitable(fact: str) -> None:
    """Seed 001: "radiotherapy alone for confined intrahepatic hepatocellular carcinoma is
    generally selected for patients who cannot undergo surgery or intervention ... (e.g., poor
    iodine oil deposition, presence of arteriovenous leaks, complete portal vein obstruction
    without formation of collateral circulation, etc.)" """
    a = run(tumors=[tumor(4.0)], **{fact: True})
    assert verdict(a, "tace") == "relative_contraindication"
    assert "RT-ALONE" in a.option("tace").rule_ids
    assert "rt_alone" in _keys(a.radiotherapy.sequencing)


def test_rt_alone_criteria_unknown_when_combining_with_tace() -> None:
    """Seed 001 RT-alone facts not recorded while RT is combined with TACE (portal-vein branch
    thrombus): the sequencing names what to record; all recorded False: no RT-alone item."""
    thrombus = {"portal_vein": "branch", "hepatic_vein": False, "ivc": False}
    a = run(tumors=[tumor(4.0)], vascular_invasion=thrombus)
    assert "combined" in a.radiotherapy.intents
    unknown = next(i for i in a.radiotherapy.sequencing if i.key == "rt_alone_criteria_unknown")
    assert "poor_lipiodol_deposition" in unknown.text
    recorded = run(
        tumors=[tumor(4.0)],
        vascular_invasion=thrombus,
        poor_lipiodol_deposition=False,
        arteriovenous_shunt=False,
        portal_obstruction_without_collaterals=False,
    )
    keys = set(_keys(recorded.radiotherapy.sequencing))
    assert not {"rt_alone", "rt_alone_criteria_unknown"} & keys
    assert verdict(recorded, "tace") == "recommended"


def test_thermal_ablation_margin_versus_pei() -> None:
    """Seed 003: "thermal ablation can also ablate normal tissues at the tumor margins, but
    percutaneous ethanol injection will not affect normal tissues at the tumor margins." """
    a = run(tumors=[tumor(2.0, ablation_path_accessible=True)])
    assert verdict(a, "ablation") == "recommended"
    assert "ABL-PEI-MARGIN" in a.option("ablation").rule_ids
    assert any("PEI" in r for r in a.option("ablation").reasons)


def test_non_seed_rules_cite_primary_literature() -> None:
    """Issue 16: cite Reig 2022 for BCLC, the 2022 CNLC guideline and NCI CTCAE v5."""
    assert "Reig M" in RULES["STAGE-BCLC"].document
    assert "2022 edition" in RULES["STAGE-CNLC"].document
    assert "CTCAE) v5.0" in RULES["CTCAE-V5-LIVER"].document


# MELD 3.0, Kim WR et al., Gastroenterology 2021;161:1887: worked by hand from the published
# formula 1.33·female + 4.56 ln B + 0.82 (137 − Na) − 0.24 (137 − Na) ln B + 9.09 ln INR
# + 11.14 ln Cr + 1.85 (3.5 − Alb) − 1.83 (3.5 − Alb) ln Cr + 6.
# B 2.0, INR 1.5, Cr 1.3, Na 135, Alb 3.0, male:
#   3.1607 + 1.64 − 0.3327 + 3.6857 + 2.9227 + 0.925 − 0.2401 + 6 = 17.761 -> 18; female 19.
def test_meld_3_0_worked_example() -> None:
    value = meld_3_0_value(
        female=False,
        bilirubin_mg_dl=2.0,
        sodium_mmol_l=135,
        inr=1.5,
        creatinine_mg_dl=1.3,
        albumin_g_dl=3.0,
    )
    assert value == pytest.approx(17.761, abs=1e-3)
    labs = {"bilirubin_mg_dl": 2.0, "sodium_mmol_l": 135, "inr": 1.5, "creatinine_mg_dl": 1.3}
    assert meld(patient(sex="male", albumin_g_dl=3.0, **labs)).meld_3_0 == 18
    assert meld(patient(sex="female", albumin_g_dl=3.0, **labs)).meld_3_0 == 19


def test_meld_3_0_bounds() -> None:
    """All labs at the lower bounds (Bili, INR, Cr 1; Na 137; Alb 3.5), male -> 6 (constant);
    creatinine 5 is capped at 3.0 (MELD and MELD-Na keep 4.0)."""
    low = {"bilirubin_mg_dl": 0.5, "inr": 0.9, "creatinine_mg_dl": 0.6, "sodium_mmol_l": 140}
    assert meld(patient(sex="male", albumin_g_dl=4.2, **low)).meld_3_0 == 6
    capped = meld_3_0_value(
        female=False, bilirubin_mg_dl=1, sodium_mmol_l=137, inr=1, creatinine_mg_dl=5,
        albumin_g_dl=3.5,
    )  # fmt: skip
    assert capped == pytest.approx(11.14 * 1.0986123 + 6, abs=1e-4)


def test_meld_3_0_needs_sex() -> None:
    """MELD 3.0 has a term for female sex: without ``sex`` it is insufficient data."""
    result = meld(patient())
    assert result.meld_3_0 is None
    assert result.meld_3_0_missing == ("sex",)
    assert result.meld is not None


def test_sex_must_be_female_or_male() -> None:
    with pytest.raises(ClinicalInputError, match="sex"):
        parse_patient({"sex": "f"})
