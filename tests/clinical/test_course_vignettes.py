"""Vignettes of the patient course: each rule with the passage it comes from.

Hand values: EQD2 = D·(d + α/β)/(2 + α/β) (clinical-facts §3.1).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hccrt.clinical.course import PatientCourse, parse_course
from hccrt.clinical.course_assess import assess_course
from hccrt.clinical.course_render import render_course_text
from hccrt.clinical.patient import parse_patient
from hccrt.errors import ClinicalInputError
from tests.clinical.factory import BASE as PATIENT

LABS_CP5: dict[str, Any] = {
    "kind": "labs",
    "bilirubin_mg_dl": 0.9,
    "albumin_g_dl": 3.9,
    "inr": 1.1,
    "ascites": "none",
    "encephalopathy": "none",
}


def course(*events: dict[str, Any]) -> PatientCourse:
    return parse_course({"patient_id": "VIGNETTE", "events": list(events)})


def rt(day: str, *, end: str | None = None, **more: Any) -> dict[str, Any]:
    status = "completed" if end else "planned"
    event = {"kind": "rt", "date": day, "status": status, "dose_gy": 40, "fractions": 5}
    if end:
        event["end_date"] = end
    return {**event, **more}


def tace(day: str) -> dict[str, Any]:
    return {"kind": "tace", "date": day, "lipiodol": True}


def keys(items: Any) -> list[str]:
    return [i.key for i in items]


# Seed 000: "some authors advocate 2 TACE sessions prior to radiation therapy, with an interval of
# 3-6 weeks before reassessing the need for further radiation therapy."


def test_two_tace_ten_days_apart_are_off_the_seed_protocol() -> None:
    result = assess_course(course(tace("2026-01-05"), tace("2026-01-15"), rt("2026-03-01")))
    off = [i for i in result.scheduling.items if i.key == "tace_interval_off_protocol"]
    assert off
    assert "10 days apart" in off[0].text
    assert off[0].rule_ids == ("SEQ-TACE2",)


@pytest.mark.parametrize("days", [21, 42])
def test_tace_spacing_of_exactly_3_and_6_weeks_is_within_the_protocol(days: int) -> None:
    second = date.fromordinal(date(2026, 1, 5).toordinal() + days).isoformat()
    result = assess_course(course(tace("2026-01-05"), tace(second), rt("2026-04-01")))
    assert "tace_interval_off_protocol" not in keys(result.scheduling.items)
    assert "reassess_after_tace" in keys(result.scheduling.items)


def test_one_tace_gets_the_second_session_window_and_a_later_rt_start() -> None:
    result = assess_course(course(tace("2026-01-05"), rt("2026-01-20")))
    window = [c for c in result.scheduling.calendar if "SEQ-TACE2" in c.rule_ids]
    assert (window[0].date, window[0].latest) == (date(2026, 1, 26), date(2026, 2, 16))
    # earliest RT: 1 month after the earliest second TACE (2026-01-26 + 1 month)
    assert result.scheduling.earliest_safe_rt_start == date(2026, 2, 26)


# Seed 000: "If TACE was used concurrently, the interval between TACE and liver radiotherapy was
# shorter than 1 month." (a RILD-prone condition)


def test_rt_less_than_one_month_after_tace_is_a_rild_risk_and_the_calendar_moves_it() -> None:
    result = assess_course(course(tace("2026-01-06"), tace("2026-02-10"), rt("2026-03-02")))
    warning = [i for i in result.scheduling.items if i.key == "tace_rt_interval"]
    assert warning
    assert warning[0].rule_ids == ("RILD-TACE-1M",)
    assert "20 days after TACE 2026-02-10 (< 1 month)" in warning[0].text
    assert result.scheduling.earliest_safe_rt_start == date(2026, 3, 10)
    assert result.scheduling.sources[-1].passage.startswith("If TACE was used concurrently")


def test_rt_exactly_one_month_after_tace_is_not_flagged() -> None:
    result = assess_course(course(tace("2026-01-06"), tace("2026-02-10"), rt("2026-03-10")))
    assert "tace_rt_interval" not in keys(result.scheduling.items)
    assert "tace_rt_interval_ok" in keys(result.scheduling.items)


def test_tace_before_an_earlier_rt_course_does_not_count_for_the_new_one() -> None:
    result = assess_course(
        course(tace("2024-01-05"), rt("2024-02-01", end="2024-02-10"), rt("2026-03-02"))
    )
    assert result.scheduling.earliest_safe_rt_start is None


# Cumulative dose: EQD2 per course with its own fractionation (clinical-facts §3.1), α/β 8 Gy
# for the normal liver as in Huang 2016.


def test_cumulative_eqd2_of_two_courses_from_mean_doses_matches_hand_values() -> None:
    # 14 Gy mean in 25 fx: d = 0.56, EQD2 = 14 × 8.56 / 10 = 11.984 Gy
    # 8 Gy mean in 5 fx: d = 1.6, EQD2 = 8 × 9.6 / 10 = 7.68 Gy -> total 19.664 Gy
    prior = rt("2024-05-06", end="2024-06-07", dose_gy=50, fractions=25)
    prior["mean_normal_liver_dose_gy"] = 14
    new = rt("2026-02-02", mean_normal_liver_dose_gy=8)
    cum = assess_course(course(prior, new)).cumulative_liver_dose
    assert (cum.prior_eqd2_gy, cum.new_course_eqd2_gy) == (11.98, 7.68)
    assert cum.total_eqd2_gy == pytest.approx(19.66, abs=0.01)
    assert [c.method for c in cum.courses] == ["mean_dose", "mean_dose"]
    assert "COURSE-CUM-MEAN" in cum.rule_ids
    assert "lower bound" in " ".join(cum.notes)
    assert any("recovery between courses is not modelled" in n for n in cum.notes)


def test_the_alpha_beta_is_an_overridable_default() -> None:
    new = rt("2026-02-02", mean_normal_liver_dose_gy=8)
    # α/β 3 Gy: 8 × (1.6 + 3)/5 = 7.36 Gy
    cum = assess_course(course(new), liver_alpha_beta_gy=3.0).cumulative_liver_dose
    assert cum.total_eqd2_gy == pytest.approx(7.36)
    with pytest.raises(ClinicalInputError, match=r"liver_alpha_beta_gy=0\.0: must be > 0 Gy"):
        assess_course(course(new), liver_alpha_beta_gy=0.0)


def test_the_cumulative_limit_is_the_child_pugh_limit_and_is_labelled_unconfirmed() -> None:
    prior = rt("2024-05-06", end="2024-06-07", dose_gy=60, fractions=30)
    prior["mean_normal_liver_dose_gy"] = 24  # 24 × (0.8 + 8)/10 = 21.12 Gy EQD2
    new = rt("2026-02-02", mean_normal_liver_dose_gy=6)  # 6 × (1.2 + 8)/10 = 5.52 Gy
    c = course({**LABS_CP5, "date": "2024-05-01"}, prior, new)
    cum = assess_course(c).cumulative_liver_dose
    assert (cum.limit_id, cum.limit_gy, cum.limit_status) == ("liver_mean_cp_a", 23.0, "exceeded")
    limit = [s for s in cum.sources if s.rule_id == "COURSE-CUM-LIMIT"]
    assert limit[0].status.value == "UNCONFIRMED"


def test_a_course_without_a_mean_dose_is_insufficient_data_not_a_guess() -> None:
    prior = rt("2024-05-06", end="2024-06-07", rtdose_path="/data/old/RD.dcm")
    cum = assess_course(course(prior, rt("2026-02-02", mean_normal_liver_dose_gy=8)))
    assert cum.cumulative_liver_dose.total_eqd2_gy is None
    assert cum.cumulative_liver_dose.limit_status == "insufficient_data"
    assert "hccrt evaluate --course" in cum.cumulative_liver_dose.courses[0].note


def test_y90_is_shown_beside_the_ebrt_sum_not_inside_it() -> None:
    y90 = {"kind": "y90", "date": "2025-10-08", "mean_liver_dose_gy": 38, "mean_tumor_dose_gy": 190}
    cum = assess_course(course(y90, rt("2026-01-26", mean_normal_liver_dose_gy=8)))
    dose = cum.cumulative_liver_dose
    assert dose.total_eqd2_gy == pytest.approx(7.68)  # the RT course only
    assert dose.y90[0].mean_liver_dose_gy == 38
    assert "COURSE-Y90" in dose.rule_ids
    assert "beside" in dose.notes[0]


# Issue 16: "Liver recovery between courses is not modelled; say so in the output." Rule
# COURSE-NO-RECOVERY: "The EQD2 of earlier courses is added in full, whatever the time since".


def test_y90_then_rt_says_liver_recovery_is_not_modelled_with_its_rule() -> None:
    y90 = {"kind": "y90", "date": "2025-10-08", "mean_liver_dose_gy": 38}
    result = assess_course(course(y90, rt("2026-01-26", mean_normal_liver_dose_gy=8)))
    dose = result.cumulative_liver_dose
    assert "COURSE-NO-RECOVERY" in dose.rule_ids
    assert any("recovery between courses is not modelled" in n for n in dose.notes)
    text = render_course_text(result)
    assert "note: liver recovery between courses is not modelled" in text
    assert "COURSE-NO-RECOVERY (D)" in text  # with its source
    assert "beside it — Y-90 2025-10-08: mean liver 38" in text


def test_two_y90_without_ebrt_also_say_it_and_one_y90_alone_does_not() -> None:
    first = {"kind": "y90", "date": "2025-03-01", "mean_liver_dose_gy": 30}
    second = {"kind": "y90", "date": "2025-10-08", "mean_liver_dose_gy": 38}
    twice = assess_course(course(first, second)).cumulative_liver_dose
    assert "COURSE-NO-RECOVERY" in twice.rule_ids
    assert any("not modelled" in n for n in twice.notes)
    once = assess_course(course(second)).cumulative_liver_dose
    assert "COURSE-NO-RECOVERY" not in once.rule_ids
    assert not any("not modelled" in n for n in once.notes)


# Huang 2016 (Radiat Oncol 11:89): "A pretreatment Child-Turcotte-Pugh (CTP) score ≥6 was the only
# predictor of RILD" after intrahepatic re-irradiation.


def test_child_pugh_6_before_a_second_course_is_flagged() -> None:
    labs = {**LABS_CP5, "date": "2026-01-14", "albumin_g_dl": 3.3}  # albumin 2 points -> CP 6
    prior = rt("2024-05-06", end="2024-06-07", mean_normal_liver_dose_gy=10)
    result = assess_course(course(prior, labs, rt("2026-02-02")))
    assert result.is_reirradiation
    assert keys(result.reirradiation) == ["reirradiation_ctp6"]
    assert result.reirradiation[0].facts["child_pugh_score"] == 6
    assert result.reirradiation[0].sources[0].document.startswith("literature: Huang Y")


def test_child_pugh_5_before_a_second_course_is_below_the_predictor() -> None:
    prior = rt("2024-05-06", end="2024-06-07", mean_normal_liver_dose_gy=10)
    result = assess_course(course(prior, {**LABS_CP5, "date": "2026-01-14"}, rt("2026-02-02")))
    assert keys(result.reirradiation) == ["reirradiation_ctp_low"]


def test_labs_after_the_new_course_start_do_not_count_as_before_it() -> None:
    prior = rt("2024-05-06", end="2024-06-07", mean_normal_liver_dose_gy=10)
    late = {**LABS_CP5, "date": "2026-02-03"}
    result = assess_course(course(prior, rt("2026-02-02"), late))
    assert keys(result.reirradiation) == ["reirradiation_ctp_unknown"]


def test_the_patient_and_the_course_must_be_the_same_patient() -> None:
    patient = parse_patient({**PATIENT, "patient_id": "OTHER"})
    with pytest.raises(ClinicalInputError, match=r"course\.patient_id=VIGNETTE: differs"):
        assess_course(course(tace("2026-01-05")), patient)


# Yoon 2018 (START): "TACE (every 6 weeks) plus RT (within 3 weeks after the first TACE, maximum
# 45 Gy with the fraction size of 2.5 to 3 Gy)" for macroscopic vascular invasion.


def test_start_trial_option_for_macrovascular_invasion_is_a_labelled_literature_option() -> None:
    patient = parse_patient(
        {
            **PATIENT,
            "patient_id": "VIGNETTE",
            "kps": None,
            "ecog": 1,
            "vascular_invasion": {"portal_vein": "branch", "hepatic_vein": False, "ivc": False},
        }
    )
    result = assess_course(course(tace("2026-01-05"), rt("2026-01-20")), patient)
    option = result.literature_options[0]
    assert option.rule_ids == ("COURSE-START", "RILD-TACE-1M")
    assert "eligible as in the trial" in option.text
    assert "2026-01-26" in option.text
    assert option.sources[0].document.startswith("literature: Yoon SM")
    assert "1-month TACE-RT interval" in option.text


def test_start_option_names_what_is_outside_the_trial() -> None:
    patient = parse_patient(
        {
            **PATIENT,
            "patient_id": "VIGNETTE",
            "vascular_invasion": {"portal_vein": "main_trunk", "hepatic_vein": False, "ivc": False},
            "extrahepatic_disease": [{"site": "lung"}],
        }
    )
    y90 = {"kind": "y90", "date": "2025-10-08"}
    text = assess_course(course(y90, rt("2026-01-20")), patient).literature_options[0].text
    assert "main portal trunk" in text
    assert "extrahepatic" in text
    assert "treatment-naive" in text


def test_no_start_option_without_vascular_invasion() -> None:
    patient = parse_patient({**PATIENT, "patient_id": "VIGNETTE"})
    assert assess_course(course(tace("2026-01-05")), patient).literature_options == ()


# Seed 003: "90 Yttrium microsphere RE increases the risk of radiographic liver disease in patients
# with bilirubin >2 mg/dL."


def test_y90_given_with_bilirubin_above_2_is_flagged_on_the_timeline() -> None:
    y90 = {"kind": "y90", "date": "2025-10-08"}
    high = assess_course(course({**LABS_CP5, "date": "2025-10-01", "bilirubin_mg_dl": 2.1}, y90))
    assert keys(high.y90_risks) == ["y90_bilirubin"]
    assert high.y90_risks[0].rule_ids == ("ART-Y90-BILI-2",)
    assert "bilirubin 2.1 mg/dL > 2" in high.y90_risks[0].text
    at_two = assess_course(course({**LABS_CP5, "date": "2025-10-01", "bilirubin_mg_dl": 2.0}, y90))
    assert at_two.y90_risks == ()


def test_a_planned_date_that_differs_from_the_patient_record_is_said() -> None:
    patient = parse_patient({**PATIENT, "patient_id": "VIGNETTE"})  # planned 2026-06-01
    result = assess_course(course(tace("2026-01-05"), rt("2026-03-01")), patient)
    assert result.scheduling.planned_rt_start == date(2026, 3, 1)
    assert any("the course date is used here" in n for n in result.notes)
