"""Vignettes from the tumour-board review: each one failed before its fix and cites its passage."""

from __future__ import annotations

from tests.clinical.factory import run, tumor, verdict


def test_ablation_not_curative_with_extrahepatic_spread() -> None:
    """Seed 003: "All patients ... should be evaluated for the possibility of radical treatment
    (hepatic resection, liver transplantation, and for smaller tumors, ablation)" and "(iv) For
    tumors ≤3 cm, cure can be achieved with ablation alone" — with lung metastases ablation of a
    2.5 cm liver tumour is local control, not cure (was 'recommended ... can be curative')."""
    a = run(extrahepatic_disease=[{"site": "lung", "count": 2}])
    option = a.option("ablation")
    assert option.verdict.value == "consider"
    assert not any("can be curative" in r for r in option.reasons)
    assert any("local control only" in r for r in option.reasons)


def test_ablation_not_curative_with_portal_thrombus() -> None:
    """Seed 003 radical-treatment passage: a branch portal-vein tumour thrombus (macrovascular
    invasion) excludes a curative ablation of a 2 cm tumour."""
    a = run(tumors=[tumor(2.0)], vascular_invasion={"portal_vein": "branch"})
    assert verdict(a, "ablation") == "consider"


def test_ablation_curative_claim_needs_staging() -> None:
    """Seed 003 radical-treatment passage; house rule: missing data gives insufficient_data, never
    a guess — spread and vascular invasion not assessed: no curative ablation verdict."""
    a = run(extrahepatic_disease=None)
    option = a.option("ablation")
    assert option.verdict.value == "insufficient_data"
    assert "missing extrahepatic_disease" in option.reasons[0]
    b = run(vascular_invasion=None)
    assert verdict(b, "ablation") == "insufficient_data"


def test_ablation_path_not_recorded_is_said() -> None:
    """Seed 003: "②The location of the tumor should be located in the path of the
    percutaneous/laparoscopic/open ablation operation." — path unknown keeps the verdict but
    asks for it; a recorded path does not."""
    a = run()
    assert any("confirm an ablation path" in r for r in a.option("ablation").reasons)
    b = run(tumors=[tumor(2.5, ablation_path_accessible=True)])
    assert not any("confirm an ablation path" in r for r in b.option("ablation").reasons)
    assert verdict(b, "ablation") == "recommended"


def test_multinodular_beyond_ablation_arterial_recommended() -> None:
    """Seed 003: "①Tumors in any location can receive hepatic artery intervention" — with 4
    tumours ablation is not indicated, so TACE is not merely 'an alternative to ablation'."""
    a = run(tumors=[tumor(2.0)] * 4)
    assert verdict(a, "ablation") == "not_indicated"
    option = a.option("tace")
    assert option.verdict.value == "recommended"
    assert not any("alternative to ablation" in r for r in option.reasons)


def test_bilirubin_above_3_segmental_unknown_is_said_so() -> None:
    """Seed 003: "Bilirubin >3 mg/dL is a relative contraindication to all hepatic arterial
    interventions unless segmental injections can be performed." — not recorded is not 'not
    segmental'; a recorded segmental route lifts it."""
    a = run(tumors=[tumor(4.0)], bilirubin_mg_dl=3.1)
    assert verdict(a, "tace") == "relative_contraindication"
    assert any("segmental not recorded as possible" in r for r in a.option("tace").reasons)
    b = run(tumors=[tumor(4.0)], bilirubin_mg_dl=3.1, segmental_injection_possible=True)
    assert verdict(b, "tace") == "recommended"


def test_sbrt_above_5cm_never_recommended() -> None:
    """Seed 001: "stereotactic radiotherapy can also only target small lesions (≤5 cm in
    diameter)" — a 6 cm tumour with main portal-trunk thrombus (TACE relatively contraindicated)
    was 'recommended' for SBRT; conventional EBRT is the recommended RT."""
    a = run(tumors=[tumor(6.0)], vascular_invasion={"portal_vein": "main_trunk"})
    assert verdict(a, "sbrt") == "consider"
    assert verdict(a, "ebrt_3dcrt") == "recommended"
    b = run(tumors=[tumor(5.0, near_major_vessel=True)])
    assert verdict(b, "sbrt") == "recommended"


def test_resectable_patient_gets_no_liver_rt() -> None:
    """Seed 000: RT "can be considered for patients ... whose tumors are confined and cannot be
    surgically resected ... or whose patients refuse surgery"; seed 003: radical treatment first.
    A resectable 2.5 cm tumour was 'RT indicated, intent curative'."""
    a = run(resectable=True)
    assert verdict(a, "resection") == "recommended"
    for therapy in ("ebrt_3dcrt", "ebrt_imrt", "proton", "sbrt"):
        assert verdict(a, therapy) == "not_indicated"
    assert a.radiotherapy.indicated is False
    assert a.radiotherapy.intent is None
    assert any(w.key == "resection_first" for w in a.radiotherapy.warnings)


def test_curative_rt_indication_needs_spread_assessed() -> None:
    """Seed 000: "①Good general condition, such as KPS≥70, liver function Child-Pugh grade A,
    single lesion" — with extrahepatic disease not assessed the single-lesion (curative)
    indication is not claimed."""
    a = run(extrahepatic_disease=None)
    assert "good_condition_single_lesion" not in {i.key for i in a.radiotherapy.indications}
    assert a.radiotherapy.intent != "curative"


def test_child_pugh_b_without_symptoms_prefers_conventional() -> None:
    """Seed 000: 5 Gy × 10 "has great radiation damage to the normal liver"; conventional 2 Gy
    "is well tolerated by the normal liver"; hypofractionation only "for patients who need to
    relieve clinical symptoms in the short term". Child-Pugh B (palliative intent, no symptoms)
    had 5 Gy × 10 preferred."""
    a = run(bilirubin_mg_dl=3.1, tumors=[tumor(4.0)])
    assert a.liver_function.child_pugh.class_ == "B"
    preferred = [f.key for f in a.radiotherapy.fractionation if f.preferred]
    assert preferred == ["conventional_50gy_25fx"]
    b = run(bilirubin_mg_dl=3.1, tumors=[tumor(4.0)], needs_rapid_symptom_relief=True)
    assert [f.key for f in b.radiotherapy.fractionation if f.preferred] == [
        "hypofractionated_50gy_10fx"
    ]


def test_icc_is_not_staged_with_hcc_systems() -> None:
    """Seed 000: "⑥ICC: radiotherapy can prolong the survival of patients with positive margins
    after resection and unresectable ICC" is the only ICC rule; BCLC/CNLC stage HCC."""
    a = run(histology="ICC")
    assert (a.staging.bclc, a.staging.cnlc) == ("not_applicable", "not_applicable")
    assert verdict(a, "systemic_therapy") == "insufficient_data"
    assert any(w.key == "icc_rules_for_hcc" for w in a.warnings)
    assert "icc_unresectable" in {i.key for i in a.radiotherapy.indications}


def test_tace_sequencing_text_without_tace() -> None:
    """Seed 000: "some authors advocate 2 TACE sessions prior to radiation therapy, with an
    interval of 3-6 weeks" — advice without recorded TACE must not read '0 TACE session(s)'."""
    a = run(tumors=[tumor(4.0)])
    texts = [i.text for i in a.radiotherapy.sequencing]
    assert texts
    assert "no TACE recorded" in texts[0]
    assert not any("0 TACE" in t for t in texts)


def test_local_preferred_note_names_the_reason() -> None:
    """Seed 003 update point 2: "unresectable due to low PS score and comorbidities, local
    treatment is preferred" — the note says which applies (was 'low PS or comorbidities')."""
    a = run(comorbidities=["heart failure"])
    text = a.notes[0].text
    assert "comorbidities (heart failure)" in text
    assert "ECOG" not in text


def test_intent_not_guessed_without_child_pugh() -> None:
    """Seed 000: RT for confined unresectable HCC; the curative reading needs "liver function
    Child-Pugh grade A". With ascites unrecorded the class is unknown: no intent is guessed (was
    'palliative'), and the liver-RT options are insufficient_data."""
    a = run(ascites=None)
    assert a.liver_function.child_pugh.class_ == "insufficient_data"
    assert a.radiotherapy.intent is None
    assert verdict(a, "ebrt_3dcrt") == "insufficient_data"


def test_700cc_limit_states_where_it_was_shown() -> None:
    """Seed 001: "20 Gy×3 times of radiation treatment for patients with metastatic liver cancer
    was safe ... normal liver volume was greater than 700 cm3, and the normal liver tissue
    received no more than 5 Gy each time" — the limit says it is a 20 Gy × 3 metastasis result."""
    limits = {lim.key: lim for lim in run().radiotherapy.dose_limits.limits}
    reason = limits["sbrt_spared_volume_700cc"].reasons[0]
    assert "20 Gy × 3" in reason
    assert "extrapolation" in reason


def test_bclc_c_by_performance_alone_is_qualified() -> None:
    """BCLC 2022 (clinical-facts §2.1): stage C is "portal invasion and/or extrahepatic spread" or
    ECOG 1-2; seed 000 accepts KPS ≥ 70 for RT. KPS 70 converts to ECOG 1: the stage reason must
    say that PS alone made it C and that the ECOG was converted (was an unqualified 'ECOG 1-2').
    BCLC 2022 counts the PS only when the cancer causes it: here it is recorded as such."""
    a = run(kps=70, ps_cancer_related=True)
    assert a.staging.bclc == "C"
    reason = a.staging.bclc_detail.reasons[-1]
    assert "cancer-related" in reason
    assert "converted from KPS 70" in reason
    assert "good_condition_single_lesion" in {i.key for i in a.radiotherapy.indications}


def test_kps_70_single_tumour_asks_whether_the_low_ps_is_cancer_related() -> None:
    """BCLC 2022 (Reig, J Hepatol 2022): ECOG 1-2 makes stage C only when cancer-related. A single
    4.5 cm Child-Pugh A tumour with KPS 70 and no statement on the cause is not staged C (and
    systemic therapy is not "recommended"): the stage is insufficient data, naming the missing
    fact and the tumour-burden stage."""
    a = run(tumors=[{"diameter_cm": 4.5}], kps=70)
    assert a.staging.bclc == "insufficient_data"
    assert a.staging.bclc_detail.missing == ("ps_cancer_related",)
    assert "by tumour burden alone: BCLC-A" in a.staging.bclc_detail.reasons[-1]
    assert a.option("systemic_therapy").verdict.value != "recommended"
    not_related = run(tumors=[{"diameter_cm": 4.5}], kps=70, ps_cancer_related=False)
    assert not_related.staging.bclc == "A"
