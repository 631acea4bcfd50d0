"""Vignettes for ablation and arterial therapies, each derived from a seed-003 passage."""

from __future__ import annotations

from tests.clinical.factory import run, tumor, verdict


def test_ablation_exactly_3cm_is_curative_alone() -> None:
    """Seed 003: "(iv) For tumors ≤3 cm, cure can be achieved with ablation alone." (3.0 cm)"""
    a = run(tumors=[tumor(3.0)])
    assert verdict(a, "ablation") == "recommended"
    assert "ABL-3CM" in a.option("ablation").rule_ids


def test_ablation_3_1cm_needs_arterial_combination() -> None:
    """Seed 003: "3-5 cm lesions may have prolonged survival with hepatic artery intervention,
    which may be combined with ablation in appropriately located cases." (3.1 cm)"""
    a = run(tumors=[tumor(3.1)])
    assert verdict(a, "ablation") == "consider"
    assert verdict(a, "tace") == "recommended"
    assert a.option("ablation").rule_ids[0] == "ABL-3-5CM"


def test_ablation_exactly_5cm_is_still_in_the_3_5_band() -> None:
    """Seed 003: "3-5 cm lesions may have prolonged survival with hepatic artery intervention"
    — 5.0 cm belongs to the 3-5 cm band, not to "> 5 cm"."""
    a = run(tumors=[tumor(5.0)])
    assert verdict(a, "ablation") == "consider"
    assert "ABL-5CM" not in a.option("ablation").rule_ids


def test_above_5cm_arterial_or_systemic() -> None:
    """Seed 003: "⑤ For unresectable/inoperable lesions >5 cm, hepatic artery intervention or
    systemic chemotherapy should be considered." (5.1 cm)"""
    a = run(tumors=[tumor(5.1)])
    assert verdict(a, "ablation") == "not_indicated"
    assert verdict(a, "tace") == "recommended"
    assert verdict(a, "systemic_therapy") == "consider"


def test_small_tumour_next_to_vessel_conflict_gives_caution() -> None:
    """Seed 003: "③The operation should be performed with extra caution when the lesion is
    adjacent to large blood vessels" — conflicting facts: size says curative, location caution."""
    a = run(tumors=[tumor(2.0, near_major_vessel=True)])
    option = a.option("ablation")
    assert option.verdict.value == "consider"
    assert "ABL-CAUTION" in option.rule_ids
    assert any("large vessel" in r for r in option.reasons)


def test_caution_names_bile_duct_and_diaphragm() -> None:
    """Seed 003: "adjacent to large blood vessels, bile ducts, diaphragm and other abdominal
    organs" — every named structure is reported."""
    a = run(tumors=[tumor(2.0, near_bile_duct=True, adjacent_to_diaphragm=True)])
    text = " ".join(a.option("ablation").reasons)
    assert "bile duct" in text
    assert "diaphragm" in text


def test_no_ablation_path() -> None:
    """Seed 003: "②The location of the tumor should be located in the path of the
    percutaneous/laparoscopic/open ablation operation." """
    a = run(tumors=[tumor(2.0, ablation_path_accessible=False)])
    assert verdict(a, "ablation") == "not_indicated"
    assert a.option("ablation").rule_ids == ("ABL-PATH",)


def test_four_small_tumours_not_ablated() -> None:
    """clinical-facts §8.1 [V2]: "RFA ... up to 3 tumours each ≤ 3 cm" — 4 tumours exceed it."""
    a = run(tumors=[tumor(2.0)] * 4)
    assert verdict(a, "ablation") == "not_indicated"
    assert "ABL-COUNT" in a.option("ablation").rule_ids


def test_three_small_tumours_ablated() -> None:
    """Seed 003: "For tumors ≤3 cm, cure can be achieved with ablation alone" (3 × 2.5 cm)."""
    a = run(tumors=[tumor(2.5)] * 3)
    assert verdict(a, "ablation") == "recommended"


def test_bilirubin_exactly_3_is_not_a_contraindication() -> None:
    """Seed 003: "③ Bilirubin >3 mg/dL is a relative contraindication to all hepatic arterial
    interventions" — exactly 3.0 mg/dL is not above 3."""
    a = run(bilirubin_mg_dl=3.0, tumors=[tumor(4.0)])
    assert verdict(a, "tace") == "recommended"
    assert "ART-BILI-3" not in a.option("tace").rule_ids


def test_bilirubin_above_3_relative_contraindication_for_all_arterial() -> None:
    """Seed 003: "Bilirubin >3 mg/dL is a relative contraindication to all hepatic arterial
    interventions unless segmental injections can be performed." (3.1 mg/dL)"""
    a = run(bilirubin_mg_dl=3.1, tumors=[tumor(4.0)])
    for therapy in ("tace", "tae", "deb_tace", "y90_radioembolization"):
        assert verdict(a, therapy) == "relative_contraindication", therapy
    assert a.option("tace").facts["bilirubin_mg_dl"] == 3.1


def test_bilirubin_above_3_with_segmental_injection() -> None:
    """Seed 003: "... unless segmental injections can be performed." (3.5 mg/dL, segmental)"""
    a = run(bilirubin_mg_dl=3.5, tumors=[tumor(4.0)], segmental_injection_possible=True)
    assert verdict(a, "tace") == "recommended"
    assert any("segmental" in r for r in a.option("tace").reasons)


def test_y90_bilirubin_exactly_2_no_rild_flag() -> None:
    """Seed 003: "90 Yttrium microsphere RE increases the risk of radiographic liver disease in
    patients with bilirubin >2 mg/dL." — exactly 2.0 mg/dL is not above 2."""
    a = run(bilirubin_mg_dl=2.0, tumors=[tumor(4.0)])
    assert verdict(a, "y90_radioembolization") == "recommended"


def test_y90_bilirubin_above_2_only_y90_flagged() -> None:
    """Seed 003: Y-90 "increases the risk of radiographic liver disease in patients with
    bilirubin >2 mg/dL" (2.1 mg/dL): Y-90 flagged, TACE not."""
    a = run(bilirubin_mg_dl=2.1, tumors=[tumor(4.0)])
    assert verdict(a, "y90_radioembolization") == "relative_contraindication"
    assert "ART-Y90-BILI-2" in a.option("y90_radioembolization").rule_ids
    assert verdict(a, "tace") == "recommended"


def test_portal_trunk_thrombus_relative_contraindication() -> None:
    """Seed 003: "④ Portal trunk embolism and liver function Child-Pugh class C are relative
    contraindications to hepatic artery intervention." (main trunk)"""
    a = run(tumors=[tumor(4.0)], vascular_invasion={"portal_vein": "main_trunk"})
    assert verdict(a, "tace") == "relative_contraindication"


def test_portal_branch_thrombus_is_not_trunk() -> None:
    """Seed 003: "Portal trunk embolism ... relative contraindications" — a branch is not the
    trunk, so TACE stays available."""
    a = run(tumors=[tumor(4.0)], vascular_invasion={"portal_vein": "branch"})
    assert verdict(a, "tace") == "recommended"


def test_child_pugh_c_relative_contraindication_to_tace() -> None:
    """Seed 003: "liver function Child-Pugh class C are relative contraindications to hepatic
    artery intervention." (bilirubin 2.5, albumin 2.5, INR 2.0, moderate ascites -> C 12)"""
    a = run(
        bilirubin_mg_dl=2.5,
        albumin_g_dl=2.5,
        inr=2.0,
        ascites="moderate_severe",
        tumors=[tumor(4.0)],
    )
    assert a.liver_function.child_pugh.class_ == "C"
    assert verdict(a, "tace") == "relative_contraindication"


def test_arterial_without_bilirubin_is_insufficient_data() -> None:
    """Seed 003: "Bilirubin >3 mg/dL is a relative contraindication" — cannot be checked without
    bilirubin, so the verdict is insufficient_data, never a guess."""
    a = run(bilirubin_mg_dl=None, tumors=[tumor(4.0)])
    assert verdict(a, "tace") == "insufficient_data"


def test_arterial_any_location_alternative_for_small() -> None:
    """Seed 003: "①Tumors in any location can receive hepatic artery intervention" (2 cm)."""
    a = run(tumors=[tumor(2.0, adjacent_to_bowel=True)])
    assert verdict(a, "tace") == "consider"
    assert a.option("tace").evidence_level == "2A"


def test_3cm_tumour_on_the_liver_surface_is_not_for_ablation() -> None:
    """Seed 001: "tumors have a maximum diameter of ≥3 cm and are located around large blood
    vessels, on the surface of the liver, immediately adjacent to the gallbladder and other areas
    that are not suitable for radiofrequency ablation" — 3.0 cm subcapsular is not "recommended",
    and the ablation verdict agrees with the SBRT reason in the same output."""
    a = run(tumors=[tumor(3.0, subcapsular=True)])
    option = a.option("ablation")
    assert option.verdict.value == "relative_contraindication"
    assert option.rule_ids[0] == "ABL-LOCATION"
    assert any("liver surface" in r for r in option.reasons)
    assert any("ablation is unsuitable" in r for r in a.option("sbrt").reasons)


def test_below_3cm_on_the_surface_keeps_ablation_with_caution() -> None:
    """Seed 001's location rule starts at "≥3 cm": a 2.5 cm subcapsular tumour stays an ablation
    candidate, with the surface named among the cautions."""
    a = run(tumors=[tumor(2.5, subcapsular=True)])
    option = a.option("ablation")
    assert option.verdict.value == "consider"
    assert "ABL-LOCATION" not in option.rule_ids
    assert any("liver surface" in r for r in option.reasons)
