"""Vignettes for RT indications, intent, margins, limits and sequencing (seeds 000, 001, 003)."""

from __future__ import annotations

from tests.clinical.factory import run, tumor


def _keys(a: object) -> set[str]:
    return {i.key for i in a.radiotherapy.indications}  # type: ignore[attr-defined]


def test_kps_70_child_a_single_lesion_indication() -> None:
    """Seed 000: "①Good general condition, such as KPS≥70, liver function Child-Pugh grade A,
    single lesion;" (KPS exactly 70)."""
    a = run(kps=70)
    assert "good_condition_single_lesion" in _keys(a)
    assert a.radiotherapy.indicated
    assert a.radiotherapy.intent == "curative"


def test_kps_60_does_not_meet_good_condition() -> None:
    """Seed 000: "KPS≥70" — KPS 60 does not qualify."""
    assert "good_condition_single_lesion" not in _keys(run(kps=60))


def test_ecog_1_maps_to_kps_70_80() -> None:
    """Seed 000 "KPS≥70" with only ECOG recorded: ECOG 1 = KPS 70-80 (clinical-facts §1.4)."""
    a = run(kps=None, ecog=1)
    assert "good_condition_single_lesion" in _keys(a)
    assert a.liver_function.performance.basis == "ecog"


def test_two_lesions_not_single() -> None:
    """Seed 000: "single lesion" — two lesions do not meet indication ①."""
    assert "good_condition_single_lesion" not in _keys(run(tumors=[tumor(2.0), tumor(1.5)]))


def test_residual_after_surgery_adjuvant() -> None:
    """Seed 000: "②Patients with residual lesions after surgery;" """
    a = run(prior_treatments=[{"kind": "resection", "date": "2026-02-01", "outcome": "residual"}])
    assert "residual_after_surgery" in _keys(a)
    assert "adjuvant" in a.radiotherapy.intents


def test_hilar_obstruction_needs_local_treatment() -> None:
    """Seed 000: "③Local tumor treatment of liver is needed, otherwise serious complications will
    arise, such as obstruction of liver portal" """
    a = run(tumors=[tumor(4.0, hilar_obstruction=True)])
    assert "complication_prevention" in _keys(a)


def test_ivc_thrombus_indication_and_rild_risk() -> None:
    """Seed 000: "② HCC with cancer embolism: ... (including inferior vena cava cancer
    embolism)" and RILD-prone "patients with concomitant cancerous emboli in vessels, such as
    those in the portal and inferior vena cava." """
    a = run(vascular_invasion={"portal_vein": "none", "ivc": True})
    thrombus = next(i for i in a.radiotherapy.indications if i.key == "tumour_thrombus")
    assert "IVC" in thrombus.text
    assert "vascular_emboli" in {r.key for r in a.radiotherapy.rild_risk_factors}
    assert a.staging.bclc == "C"


def test_icc_positive_margin() -> None:
    """Seed 000: "⑥ICC: radiotherapy can prolong the survival of patients with positive margins
    after resection" """
    a = run(
        histology="ICC",
        prior_treatments=[{"kind": "resection", "date": "2026-01-10", "margin_positive": True}],
    )
    assert "icc_positive_margin" in _keys(a)
    assert a.radiotherapy.intent == "adjuvant"


def test_icc_unresectable() -> None:
    """Seed 000: "⑥ICC: radiotherapy can prolong the survival of ... unresectable ICC" """
    assert "icc_unresectable" in _keys(run(histology="ICC"))


def test_transplant_candidate_bridging() -> None:
    """Seed 003: local treatment "can also be used as a bridge treatment before other radical
    treatments." """
    a = run(transplant_candidate=True)
    assert a.radiotherapy.intent == "bridging"
    assert a.option("transplant").verdict.value == "recommended"


def test_lymph_node_metastasis() -> None:
    """Seed 000: "radiotherapy can significantly improve the survival of HCC patients with
    lymph node metastasis;" """
    a = run(extrahepatic_disease=[{"site": "lymph_node", "count": 2}])
    assert "lymph_node_metastases" in _keys(a)
    assert a.staging.cnlc == "IIIb"


def test_combined_with_arterial_therapy_after_tace() -> None:
    """Seed 000: "① HCC confined to the liver: radiotherapy combined with hepatic artery
    intervention can significantly improve the efficiency and survival rate;" """
    a = run(prior_treatments=[{"kind": "tace", "date": "2026-03-01"}], kps=60)
    assert "combined_with_arterial_therapy" in _keys(a)
    assert a.radiotherapy.intent == "combined"


def test_ptv_6mm_with_abc() -> None:
    """Seed 000: "the planned volume (PTV) is CTV plus 6 mm under the condition of using ABC
    device" and "The clinical tumor volume (CTV) is GTV plus 5 mm-10 mm" """
    m = run(abc_available=True).radiotherapy.margins
    assert m.ptv_mm == 6.0
    assert m.ctv_mm == 5.0
    assert m.ctv_mm_range == (5.0, 10.0)


def test_ptv_without_abc_from_breathing_motion() -> None:
    """Seed 000: PTV "should be determined according to the patient’s respiration when ABC is
    not used." — no fixed number, the measured motion is reported."""
    a = run(abc_available=False, breathing_motion_mm=12)
    assert a.radiotherapy.margins.ptv_mm is None
    assert a.radiotherapy.margins.breathing_motion_mm == 12
    warning = next(w for w in a.radiotherapy.warnings if w.key == "ptv_margin_individual")
    assert "12 mm" in warning.text


def test_ptv_abc_unknown_insufficient() -> None:
    """Seed 000 PTV rule needs to know whether ABC is used; unknown -> insufficient_data."""
    m = run(abc_available=None).radiotherapy.margins
    assert m.ptv_mm is None
    assert "insufficient_data" in m.reasons[-1]


def test_child_a_23_gy_and_general_22_gy() -> None:
    """Seed 000: "23 Gy for Chlild-Pugh class A patients" and "generally considered to be 22 Gy
    for the national population" """
    limits = run().radiotherapy.dose_limits
    assert limits.normal_liver_mean_gy == 23.0
    assert {d.key: d.value for d in limits.limits}["mean_liver_general"] == 22.0


def test_sbrt_700cc_limit_listed() -> None:
    """Seed 001: "normal liver volume was greater than 700 cm3, and the normal liver tissue
    received no more than 5 Gy each time." """
    limits = run(tumors=[tumor(3.5, near_major_vessel=True)]).radiotherapy.dose_limits.limits
    assert any(d.key == "sbrt_spared_volume_700cc" and d.value == 700.0 for d in limits)


def test_tomotherapy_for_multifocal() -> None:
    """Seed 001: "Spiral tomographic radiotherapy is the best radiotherapy device for patients
    with intermediate to advanced multifocal primary liver cancer." """
    keys = {t.key for t in run(tumors=[tumor(2.0), tumor(3.0)]).radiotherapy.technique}
    assert "tomotherapy" in keys


def test_tracking_without_abc_for_sbrt() -> None:
    """Seed 001: "liver tumor will move with breathing, and stereotactic radiation therapy
    equipment can have breathing tracking function" (no ABC, 8 mm motion)."""
    keys = {t.key for t in run(abc_available=False, breathing_motion_mm=8).radiotherapy.technique}
    assert "tracking" in keys


def test_cones_for_small_sbrt_target() -> None:
    """Seed 001: "limiting cylinders made of high-density materials of different diameters
    (10-35 mm)" — a 2.5 cm target fits a cone."""
    assert "cones" in {t.key for t in run().radiotherapy.technique}
    assert "cones" not in {t.key for t in run(tumors=[tumor(4.5)]).radiotherapy.technique}


def test_tace_20_days_before_rt_is_rild_risk() -> None:
    """Seed 000: "If TACE was used concurrently, the interval between TACE and liver
    radiotherapy was shorter than 1 month." (20 days)"""
    a = run(prior_treatments=[{"kind": "tace", "date": "2026-05-12"}])
    assert any(w.key == "tace_rt_interval" for w in a.radiotherapy.warnings)
    assert "tace_rt_interval" in {r.key for r in a.radiotherapy.rild_risk_factors}


def test_tace_exactly_one_month_before_rt_is_not_shorter() -> None:
    """Seed 000: the risk is an interval "shorter than 1 month" (2026-05-01 -> 2026-06-01)."""
    a = run(prior_treatments=[{"kind": "tace", "date": "2026-05-01"}])
    assert not any(w.key == "tace_rt_interval" for w in a.radiotherapy.warnings)


def test_tace_without_planned_rt_date() -> None:
    """Seed 000 TACE-RT interval cannot be checked without the planned RT start date."""
    a = run(planned_rt_start_date=None, prior_treatments=[{"kind": "tace", "date": "2026-05-01"}])
    assert any(w.key == "tace_interval_unknown" for w in a.radiotherapy.warnings)


def test_two_tace_sessions_advice() -> None:
    """Seed 000: "some authors advocate 2 TACE sessions prior to radiation therapy, with an
    interval of 3-6 weeks before reassessing the need for further radiation therapy." """
    a = run(prior_treatments=[{"kind": "tace", "date": "2026-04-01"}])
    advice = a.radiotherapy.sequencing[0]
    assert advice.key == "two_tace_before_rt"
    assert advice.facts["tace_sessions"] == 1


def test_fractionation_bed_values() -> None:
    """Seed 000: "2Gy/time, once a day, 5 times a week with a total dose of 50-62 Gy" and "5Gy
    per time, 3 times per week, total dose of 50Gy"; BED10 50 Gy/25 = 60 Gy (facts §7)."""
    schemes = {f.key: f for f in run().radiotherapy.fractionation}
    assert schemes["conventional_50gy_25fx"].bed_gy == 60.0
    assert schemes["conventional_62gy_31fx"].bed_gy == 74.4
    assert schemes["hypofractionated_50gy_10fx"].bed_gy == 75.0
    assert schemes["hypofractionated_50gy_10fx"].fractions_per_week == 3
    assert schemes["sbrt_60gy_3fx"].bed_gy == 180.0


def test_evidence_limits_stated() -> None:
    """Seed 001: "the highest evidence-based medical evidence for radiotherapy for hepatocellular
    carcinoma is only grade C"; seed 003: "EBRT is 2B level recommendations." """
    keys = {e.key for e in run().radiotherapy.evidence_limits}
    assert {"evid-grade-c", "lt-evidence", "evid-lq"} <= keys


def test_tumour_next_to_bowel_acute_gi_warning() -> None:
    """Seed 000: "upper gastrointestinal bleeding, especially in patients whose radiation field
    involves larger volume of duodenum, jejunum and stomach" """
    a = run(tumors=[tumor(3.0, adjacent_to_bowel=True)])
    assert any(w.key == "acute_gi_toxicity" for w in a.radiotherapy.warnings)
    assert not any(w.key == "acute_gi_toxicity" for w in run().radiotherapy.warnings)


def test_hepatic_vein_thrombus_is_a_rild_risk() -> None:
    """Seed 000: RILD-prone "patients with concomitant cancerous emboli in vessels, such as those
    in the portal and inferior vena cava" — "such as" is an open list: a hepatic-vein thrombus
    counts, and the seed's mortality figure is shown beside the risk."""
    a = run(vascular_invasion={"portal_vein": "none", "hepatic_vein": True})
    risks = {r.key: r for r in a.radiotherapy.rild_risk_factors}
    assert "vascular_emboli" in risks
    assert "hepatic vein" in risks["vascular_emboli"].text
    assert "70 %" in risks["rild_mortality"].text


def test_exactly_700cc_normal_liver_is_a_rild_risk_and_not_enough_for_sbrt() -> None:
    """Seed 001: safe "if ... normal liver volume was greater than 700 cm3" — 700 cc is not
    greater than 700 cc: it fails the SBRT rule and is listed as a RILD risk (rule RILD-700,
    whose passage states the number)."""
    a = run(tumors=[tumor(6.0)], normal_liver_volume_cc=700.0)
    risks = {r.key: r for r in a.radiotherapy.rild_risk_factors}
    assert "small_normal_liver" in risks
    assert "RILD-700" in risks["small_normal_liver"].rule_ids
    assert "≤ 700 cc" in " ".join(a.option("sbrt").reasons)


def test_no_risk_factor_no_mortality_line() -> None:
    """The RILD mortality figure (seed 000: "more than 70% of patients can die") accompanies risk
    factors; a patient without any gets an empty list."""
    a = run()
    assert not a.radiotherapy.rild_risk_factors


def test_limited_extrahepatic_spread_keeps_rt_indicated() -> None:
    """Seed 001: "in patients with concurrent intra- and extra-hepatic lesions (lung, adrenal, and
    soft tissue metastases and an average of 3.5 lesions per patient) treated with tomotherapy
    ... the local control rate of lesions subjected to radiotherapy was 79%", and seed 003
    update 2: "HCC with lesions confined to the liver or with only limited extrahepatic
    metastases ... local treatment is preferred" — RT is indicated, with palliative intent."""
    spread = [{"site": "lung", "count": 2, "includable_in_rt_plan": True}]
    a = run(tumors=[tumor(4.0)], resectable=False, extrahepatic_disease=spread)
    assert a.radiotherapy.indicated
    keys = {i.key for i in a.radiotherapy.indications}
    assert "limited_extrahepatic_spread" in keys


def test_extrahepatic_spread_of_unknown_extent_gives_no_limited_indication() -> None:
    """Without knowing whether the lesions can be included, "limited" is not assumed."""
    spread = [{"site": "lung", "count": 2}]
    a = run(tumors=[tumor(4.0)], resectable=False, extrahepatic_disease=spread)
    assert "limited_extrahepatic_spread" not in {i.key for i in a.radiotherapy.indications}


def test_child_pugh_c_headline_agrees_with_the_options() -> None:
    """Seed 003 (EBRT for Child-Pugh A or B; "Child-Pugh Class C" only in a few studies): when
    every radiotherapy option is ruled out, the headline must not say "RT indicated", and the
    output says why, with the options' own sources."""
    a = run(
        tumors=[tumor(4.0)],
        resectable=False,
        bilirubin_mg_dl=4.0,
        albumin_g_dl=2.5,
        inr=2.5,
        ascites="moderate_severe",
    )
    assert a.liver_function.child_pugh.class_ == "C"
    assert not a.radiotherapy.indicated
    warning = next(w for w in a.radiotherapy.warnings if w.key == "radiotherapy_ruled_out")
    assert "sbrt relative_contraindication" in warning.text
    assert warning.sources


def test_icc_gets_no_hcc_only_verdicts() -> None:
    """Seed 000 "⑥ICC: radiotherapy can prolong the survival of patients with positive margins
    after resection and unresectable ICC" is the seeds' only ICC passage: the HCC-written options
    (ablation, arterial therapies, sorafenib, transplant) and RT indications are withheld."""
    a = run(histology="ICC", resectable=False)
    for therapy in ("ablation", "tace", "y90_radioembolization", "sorafenib", "transplant"):
        assert a.option(therapy).verdict.value == "insufficient_data", therapy
        assert "written for HCC" in a.option(therapy).reasons[0]
    assert [i.key for i in a.radiotherapy.indications] == ["icc_unresectable"]
    assert a.radiotherapy.indicated


def test_two_tace_sessions_10_days_apart_draw_a_comment() -> None:
    """Seed 000: "2 TACE sessions prior to radiation therapy, with an interval of 3-6 weeks" —
    10 days apart is outside it; 4 weeks apart is not commented."""
    close = [{"kind": "tace", "date": "2026-03-01"}, {"kind": "tace", "date": "2026-03-11"}]
    a = run(prior_treatments=close)
    warning = next(w for w in a.radiotherapy.warnings if w.key == "tace_interval_off_protocol")
    assert "10 days apart" in warning.text
    spaced = [{"kind": "tace", "date": "2026-03-01"}, {"kind": "tace", "date": "2026-03-29"}]
    assert not [w for w in run(prior_treatments=spaced).radiotherapy.warnings
                if w.key == "tace_interval_off_protocol"]  # fmt: skip


def test_child_pugh_b_sbrt_doses_are_adjusted() -> None:
    """Seed 003: "With dose adjustments and strict dose restrictions, radiotherapy can be safely
    administered to HCC patients ... in Child-Pugh class B." — CP-B SBRT schemes differ from CP-A:
    only the lowest level of each seed-001 series, each labelled with the adjustment."""
    cp_a = run(tumors=[tumor(3.0)], resectable=False)
    cp_b = run(tumors=[tumor(3.0)], resectable=False, bilirubin_mg_dl=2.5, albumin_g_dl=3.2)
    assert cp_b.liver_function.child_pugh.class_ == "B"
    a_keys = {f.key for f in cp_a.radiotherapy.fractionation if f.key.startswith("sbrt")}
    b_schemes = [f for f in cp_b.radiotherapy.fractionation if f.key.startswith("sbrt")]
    assert {f.key for f in b_schemes} == {"sbrt_30gy_3fx", "sbrt_39gy_8fx"}
    assert {f.key for f in b_schemes} != a_keys
    assert max(f.bed_gy for f in b_schemes) < max(
        f.bed_gy for f in cp_a.radiotherapy.fractionation if f.key.startswith("sbrt")
    )
    assert all("EBRT-CPB" in f.rule_ids for f in b_schemes)


def test_child_pugh_b7_and_b8_sbrt_differ() -> None:
    """Clinical-facts §1.1 (S31): "Child-Pugh class A vs B7 is used as an eligibility split in
    several SBRT series (e.g., Jang 2013 included 'CTP B7')" — B7 gets the individualised
    (isotoxic) dose, B8 the caution that it lies outside the series' eligibility; both labelled
    as beyond the seeds."""
    b7 = run(tumors=[tumor(3.0)], resectable=False, bilirubin_mg_dl=2.5, albumin_g_dl=3.2)
    b8 = run(tumors=[tumor(3.0)], resectable=False, bilirubin_mg_dl=2.5, albumin_g_dl=3.2,
             inr=1.8)  # fmt: skip
    assert (b7.liver_function.child_pugh.score, b8.liver_function.child_pugh.score) == (7, 8)
    for assessment, text in ((b7, "B7: dose individualised"), (b8, "B8: outside the SBRT")):
        sbrt = [f for f in assessment.radiotherapy.fractionation if f.key.startswith("sbrt")]
        assert sbrt
        assert all("SBRT-CPB-SCORE" in f.rule_ids for f in sbrt)
        assert any(text in r for f in sbrt for r in f.reasons)
    cp_a = run(tumors=[tumor(3.0)], resectable=False)
    assert not any("SBRT-CPB-SCORE" in f.rule_ids for f in cp_a.radiotherapy.fractionation)
