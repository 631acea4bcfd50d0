"""Vignettes for EBRT, SBRT, protons and palliative EBRT (seeds 000, 001, 003)."""

from __future__ import annotations

from tests.clinical.factory import run, tumor, verdict

CHILD_B = {"bilirubin_mg_dl": 2.5, "albumin_g_dl": 3.0, "ascites": "mild"}  # 2+2+1+2+1 = 8
CHILD_C = {"bilirubin_mg_dl": 3.5, "albumin_g_dl": 2.5, "inr": 2.0, "ascites": "moderate_severe"}


def test_child_pugh_a_ebrt_from_the_data_group() -> None:
    """Seed 003: "Data from studies of radiotherapy for HCC are primarily from the group of
    patients with Child-Pugh class A liver function" """
    a = run()
    assert verdict(a, "ebrt_3dcrt") == "consider"
    assert "EBRT-CPA" in a.option("ebrt_3dcrt").rule_ids
    assert a.option("ebrt_3dcrt").evidence_level == "2B"


def test_child_pugh_b_dose_adjustment_and_6_gy() -> None:
    """Seed 003: "With dose adjustments and strict dose restrictions, radiotherapy can be safely
    administered to HCC patients ... in Child-Pugh class B." Seed 000: "probably 6 Gy for
    Chlild-Pugh class B patients." """
    a = run(**CHILD_B)
    assert a.liver_function.child_pugh.class_ == "B"
    assert verdict(a, "ebrt_3dcrt") == "consider"
    assert a.radiotherapy.dose_limits.normal_liver_mean_gy == 6.0
    assert any(w.key == "child_pugh_b" for w in a.radiotherapy.warnings)


def test_child_pugh_c_rt_safety_not_established() -> None:
    """Seed 003: "The safety of liver radiotherapy has not been demonstrated in HCC patients with
    liver function Child-Pugh Class C" """
    a = run(**CHILD_C)
    assert verdict(a, "ebrt_3dcrt") == "relative_contraindication"
    assert verdict(a, "sbrt") == "relative_contraindication"
    assert a.radiotherapy.dose_limits.normal_liver_mean_gy is None
    assert any(w.key == "child_pugh_c" for w in a.radiotherapy.warnings)


def test_rt_best_alternative_when_ablation_and_tace_unsuitable() -> None:
    """Seed 001: "for patients for whom interventional or radiofrequency treatment is not
    appropriate ..., radiotherapy or stereotactic radiotherapy is the best alternative" """
    a = run(
        tumors=[tumor(6.0)], bilirubin_mg_dl=2.0, vascular_invasion={"portal_vein": "main_trunk"}
    )
    assert verdict(a, "ablation") == "not_indicated"
    assert verdict(a, "tace") == "relative_contraindication"
    assert verdict(a, "ebrt_3dcrt") == "recommended"
    assert "RT-ALTERNATIVE" in a.option("ebrt_3dcrt").rule_ids


def test_rt_alternative_after_failed_tace() -> None:
    """Seed 001: "for whom these treatments have poor outcomes, radiotherapy ... is the best
    alternative treatment" (residual after TACE)."""
    a = run(prior_treatments=[{"kind": "tace", "date": "2026-03-01", "outcome": "residual"}])
    assert verdict(a, "ebrt_3dcrt") == "recommended"


def test_imrt_for_large_tumour() -> None:
    """Seed 000: IMRT "is more suitable for patients with large hepatocellular carcinoma that
    exposes the normal liver to larger doses" (6 cm, labelled > 5 cm default)."""
    a = run(tumors=[tumor(6.0)])
    assert "TECH-LARGE" in a.option("ebrt_imrt").rule_ids
    assert a.radiotherapy.technique[1].rule_ids == ("TECH-LARGE",)


def test_3dcrt_first_imrt_only_if_limits_not_met() -> None:
    """Seed 000: "the 3DCRT technique is generally used first; if the dosimetric requirements are
    not met, then IMRT is used" (small tumour, Child-Pugh A)."""
    a = run()
    keys = [t.key for t in a.radiotherapy.technique]
    assert keys[:2] == ["3dcrt", "imrt"]
    assert "cannot meet" in a.radiotherapy.technique[1].text


def test_proton_only_in_certain_circumstances() -> None:
    """Seed 003: "⑤ Proton beam therapy (PBT) may also be an appropriate treatment option in
    certain circumstances." — never more than 'consider'."""
    a = run(
        tumors=[tumor(6.0)], bilirubin_mg_dl=2.0, vascular_invasion={"portal_vein": "main_trunk"}
    )
    assert verdict(a, "proton") == "consider"


def test_sbrt_not_for_resectable_patient() -> None:
    """Seed 001: "stereotactic radiotherapy can only be used as a supplement to these treatments,
    especially for patients with liver cancer that cannot be surgically resected" """
    a = run(resectable=True)
    assert verdict(a, "sbrt") == "not_indicated"
    assert verdict(a, "resection") == "recommended"


def test_resectable_but_refuses_surgery_conflict() -> None:
    """Seed 000: RT "can be considered for patients ... whose patients refuse surgery" —
    conflicting facts resectable + refusal: resection not indicated, RT indicated."""
    a = run(resectable=True, refuses_surgery=True)
    assert verdict(a, "resection") == "not_indicated"
    assert verdict(a, "sbrt") in {"consider", "recommended"}
    assert any(i.key == "confined_unresectable" for i in a.radiotherapy.indications)


def test_sbrt_3cm_next_to_vessel_recommended() -> None:
    """Seed 001: "for patients whose tumors have a maximum diameter of ≥3 cm and are located
    around large blood vessels ... stereotactic radiation therapy shows its advantages" (3.0)"""
    a = run(tumors=[tumor(3.0, near_major_vessel=True)])
    assert verdict(a, "sbrt") == "recommended"
    assert "SBRT-LOCATION" in a.option("sbrt").rule_ids


def test_sbrt_2_9cm_next_to_vessel_only_consider() -> None:
    """Seed 001: the SBRT location advantage needs "a maximum diameter of ≥3 cm" (2.9 cm)."""
    a = run(tumors=[tumor(2.9, near_major_vessel=True)])
    assert verdict(a, "sbrt") == "consider"


def test_sbrt_subcapsular_and_gallbladder() -> None:
    """Seed 001: "on the surface of the liver, immediately adjacent to the gallbladder" (4 cm)."""
    assert verdict(run(tumors=[tumor(4.0, subcapsular=True)]), "sbrt") == "recommended"
    assert verdict(run(tumors=[tumor(4.0, adjacent_to_gallbladder=True)]), "sbrt") == "recommended"


def test_sbrt_four_tumours_needs_liver_volume() -> None:
    """Seed 003: "SBRT is commonly used in patients with 1-3 tumors. SBRT can be used for larger
    or more extensive lesions as long as there is an adequate healthy liver" """
    four = [tumor(2.0)] * 4
    assert verdict(run(tumors=four, normal_liver_volume_cc=None), "sbrt") == "insufficient_data"
    assert verdict(run(tumors=four, normal_liver_volume_cc=800), "sbrt") == "consider"
    assert (
        verdict(run(tumors=four, normal_liver_volume_cc=600), "sbrt") == "relative_contraindication"
    )


def test_sbrt_5cm_boundary_fractionation() -> None:
    """Seed 001: "For small (<5 cm in diameter) intrahepatic tumors, hypofractionated (1 to 3
    times) radiotherapy can be performed" — 4.9 cm gets 3-fraction schemes, 5.0 cm does not."""
    keys_49 = {f.key for f in run(tumors=[tumor(4.9)]).radiotherapy.fractionation}
    keys_50 = {f.key for f in run(tumors=[tumor(5.0)]).radiotherapy.fractionation}
    assert "sbrt_30gy_3fx" in keys_49
    assert "sbrt_30gy_3fx" not in keys_50
    assert "sbrt_52gy_8fx" in keys_50


def test_sbrt_extrahepatic_not_includable() -> None:
    """Seed 003: "it is required that there are no extrahepatic lesions, or that the
    extrahepatic lesions are small enough to be included in a treatment plan." """
    lung = {"site": "lung", "count": 1}
    a = run(extrahepatic_disease=[{**lung, "includable_in_rt_plan": False}])
    assert verdict(a, "sbrt") == "relative_contraindication"
    assert "SBRT-EHM" not in a.option("sbrt").rule_ids
    b = run(extrahepatic_disease=[{**lung, "includable_in_rt_plan": True}])
    assert verdict(b, "sbrt") == "consider"
    assert "SBRT-EHM" in b.option("sbrt").rule_ids


def test_sbrt_extrahepatic_includability_unknown_is_insufficient() -> None:
    """Seed 003: SBRT needs extrahepatic lesions "small enough to be included in a treatment
    plan" — not recorded is insufficient_data, not a contraindication, and the reasons do not
    claim SBRT "may also treat" lesions nobody has checked (review fix)."""
    a = run(extrahepatic_disease=[{"site": "lung", "count": 3}])
    option = a.option("sbrt")
    assert option.verdict.value == "insufficient_data"
    assert "SBRT-EHM" not in option.rule_ids
    assert any("record whether" in r for r in option.reasons)


def test_colorado_60gy_needs_700cc_and_child_a() -> None:
    """Seed 001: 20 Gy × 3 was safe "if the patient had normal liver function before
    radiotherapy, normal liver volume was greater than 700 cm3" (exactly 700 cc is not > 700)."""
    assert "sbrt_60gy_3fx" in {f.key for f in run().radiotherapy.fractionation}
    at_700 = run(normal_liver_volume_cc=700).radiotherapy.fractionation
    assert "sbrt_60gy_3fx" not in {f.key for f in at_700}


def test_symptomatic_bone_metastasis_palliative() -> None:
    """Seed 003: "⑥ Palliative EBRT may control and/or prevent symptoms associated with
    complications of metastatic HCC (e.g., bone or brain)." Seed 000: hypofractionation "is
    more suitable" for short-term symptom relief."""
    a = run(extrahepatic_disease=[{"site": "bone", "symptomatic": True}])
    assert verdict(a, "palliative_ebrt") == "recommended"
    assert a.radiotherapy.intent == "palliative"
    preferred = [f.key for f in a.radiotherapy.fractionation if f.preferred]
    assert preferred == ["hypofractionated_50gy_10fx"]
    assert any(w.key == "metastasis_dose_not_specified" for w in a.radiotherapy.warnings)


def test_brain_metastasis_symptomatic() -> None:
    """Seed 003: palliative EBRT for complications of metastatic HCC "(e.g., bone or brain)"."""
    a = run(extrahepatic_disease=[{"site": "brain", "symptomatic": True}])
    assert verdict(a, "palliative_ebrt") == "recommended"


def test_asymptomatic_adrenal_metastasis() -> None:
    """Seed 000: "④HCC with adrenal metastasis: radiotherapy can relieve the symptoms of adrenal
    metastasis, but there is no evidence that radiotherapy can prolong survival" """
    a = run(extrahepatic_disease=[{"site": "adrenal"}])
    assert verdict(a, "palliative_ebrt") == "consider"
    assert "RT-IND-2-4" in {r for i in a.radiotherapy.indications for r in i.rule_ids}


def test_no_extrahepatic_disease_no_palliative_ebrt() -> None:
    """Seed 003: palliative EBRT is for "complications of metastatic HCC"; none here."""
    assert verdict(run(), "palliative_ebrt") == "not_indicated"


def test_extrahepatic_not_assessed_insufficient() -> None:
    """Seed 003: SBRT "it is required that there are no extrahepatic lesions" — not assessed
    means insufficient_data for SBRT and palliative EBRT, and no stage."""
    a = run(extrahepatic_disease=None)
    assert verdict(a, "palliative_ebrt") == "insufficient_data"
    assert verdict(a, "sbrt") == "insufficient_data"
    assert a.staging.bclc == "insufficient_data"
