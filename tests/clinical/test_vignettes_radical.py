"""Vignettes for radical options, sorafenib, BSC, update points and missing/conflicting data."""

from __future__ import annotations

from hccrt.clinical.assess import assess
from hccrt.clinical.patient import parse_patient
from tests.clinical.factory import patient, run, tumor, verdict


def test_resectable_patient_resection_first() -> None:
    """Seed 003: "All patients with hepatocellular carcinoma should be evaluated for the
    possibility of radical treatment (hepatic resection, liver transplantation ...)" """
    assert verdict(run(resectable=True), "resection") == "recommended"


def test_resectability_unknown() -> None:
    """Seed 003 radical-treatment evaluation needs the surgeon's call: unknown ->
    insufficient_data."""
    assert verdict(run(resectable=None), "resection") == "insufficient_data"


def test_beyond_milan_candidate_consider() -> None:
    """clinical-facts §8.2 [V2] Milan: "Single ≤ 5 cm, or 2-3 nodules each ≤ 3 cm" — 6 cm is
    beyond, so a candidate is only 'consider' (downstaging / extended criteria)."""
    a = run(transplant_candidate=True, tumors=[tumor(6.0)])
    assert verdict(a, "transplant") == "consider"
    assert a.option("transplant").facts["within_milan"] is False


def test_milan_boundary_5cm_single() -> None:
    """Milan (clinical-facts §8.2): a single tumour of exactly 5.0 cm is within."""
    assert (
        verdict(run(transplant_candidate=True, tumors=[tumor(5.0)]), "transplant") == "recommended"
    )


def test_poor_reserve_unresectable_transplant_evaluation_first() -> None:
    """Seed 003 update point 1: "Unresectable hepatocellular carcinoma with inadequate hepatic
    functional reserve (Child-Pugh score) or difficult tumor location is first evaluated for
    transplantation" """
    a = run(transplant_candidate=None, bilirubin_mg_dl=2.5, albumin_g_dl=3.0, ascites="mild")
    option = a.option("transplant")
    assert option.verdict.value == "consider"
    assert "UPD-1" in option.rule_ids


def test_low_ps_comorbidities_local_treatment_preferred() -> None:
    """Seed 003 update point 2: "HCC with lesions confined to the liver ..., but unresectable due
    to low PS score and comorbidities, local treatment is preferred." """
    a = run(ecog=2, kps=None, comorbidities=["heart failure"])
    assert [n.key for n in a.notes] == ["local_treatment_preferred"]
    assert "not stated in the seeds" in a.notes[0].text


def test_sorafenib_after_tace_with_bilirubin_back_to_baseline() -> None:
    """Seed 003: "⑥Sorafenib may be applied in patients with good liver function who have proven
    residual/recurrence after hepatic artery intervention but are not candidates for other local
    therapies, as long as bilirubin levels are reduced to baseline levels." """
    a = run(
        tumors=[tumor(2.0, ablation_path_accessible=False)],
        bilirubin_baseline_mg_dl=0.9,
        bilirubin_mg_dl=0.9,
        prior_treatments=[{"kind": "tace", "date": "2026-03-01", "outcome": "recurrence"}],
    )
    assert verdict(a, "sorafenib") == "consider"


def test_sorafenib_bilirubin_not_yet_at_baseline() -> None:
    """Seed 003: sorafenib "as long as bilirubin levels are reduced to baseline levels" (1.4 vs
    baseline 0.9 mg/dL)."""
    a = run(
        tumors=[tumor(2.0, ablation_path_accessible=False)],
        bilirubin_baseline_mg_dl=0.9,
        bilirubin_mg_dl=1.4,
        prior_treatments=[{"kind": "tace", "date": "2026-03-01", "outcome": "recurrence"}],
    )
    assert verdict(a, "sorafenib") == "not_indicated"
    assert any("not yet back to baseline" in r for r in a.option("sorafenib").reasons)


def test_sorafenib_baseline_missing() -> None:
    """Seed 003 sorafenib rule needs the baseline bilirubin: missing -> insufficient_data."""
    a = run(
        tumors=[tumor(2.0, ablation_path_accessible=False)],
        prior_treatments=[{"kind": "ablation", "date": "2026-03-01", "outcome": "residual"}],
    )
    assert verdict(a, "sorafenib") == "insufficient_data"


def test_ecog_3_bclc_d_best_supportive_care() -> None:
    """BCLC 2022 (clinical-facts §2.1): ECOG > 2 -> stage D, best supportive care."""
    a = run(kps=None, ecog=3)
    assert a.staging.bclc == "D"
    assert a.staging.cnlc == "IV"
    assert verdict(a, "best_supportive_care") == "recommended"


def test_conflicting_kps_and_ecog_uses_the_worse() -> None:
    """Seed 000 "KPS≥70" with conflicting KPS 90 / ECOG 2: the worse (ECOG 2 = KPS 50-60) is used
    and a warning names the conflict."""
    a = run(kps=90, ecog=2, ps_cancer_related=True)
    assert a.liver_function.performance.basis == "conflict"
    assert a.liver_function.performance.ecog == 2
    assert "good_condition_single_lesion" not in {i.key for i in a.radiotherapy.indications}
    assert any(w.key == "performance_conflict" for w in a.warnings)
    assert a.staging.bclc == "C"


def test_empty_record_gives_insufficient_data_not_guesses() -> None:
    """Rule of the house: missing clinical data -> explicit insufficient_data, never a guess."""
    a = assess(parse_patient({}))
    assert a.liver_function.child_pugh.class_ == "insufficient_data"
    assert a.liver_function.albi.grade is None
    assert a.staging.bclc == "insufficient_data"
    assert a.staging.cnlc == "insufficient_data"
    assert verdict(a, "resection") == "insufficient_data"
    assert not a.radiotherapy.indicated
    assert a.radiotherapy.dose_limits.normal_liver_mean_gy is None
    assert {w.key for w in a.warnings} >= {"child_pugh_incomplete", "staging_incomplete"}


def test_assessment_does_not_modify_patient() -> None:
    """Functions never mutate inputs: the record is equal before and after assessment."""
    record = patient()
    before = record.model_dump()
    assess(record)
    assert record.model_dump() == before


def test_transplant_candidate_with_portal_invasion_not_indicated() -> None:
    """Milan (clinical-facts §8.2): "no macrovascular invasion; no extrahepatic spread" —
    conflicting facts: candidate flag set, but a portal-branch thrombus excludes transplant."""
    a = run(transplant_candidate=True, vascular_invasion={"portal_vein": "branch"})
    assert verdict(a, "transplant") == "not_indicated"


def test_transplant_milan_not_assessable() -> None:
    """Milan needs vascular invasion and extrahepatic status; unknown -> insufficient_data."""
    a = run(transplant_candidate=True, extrahepatic_disease=None)
    assert verdict(a, "transplant") == "insufficient_data"
