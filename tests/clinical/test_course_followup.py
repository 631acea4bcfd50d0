"""Follow-up over a course (seed 000 complications, CTCAE v5) and mRECIST (Lencioni 2010)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hccrt.clinical.course import ImagingVisit, PatientCourse, TargetLesion, parse_course
from hccrt.clinical.course_followup import followup_course
from hccrt.clinical.course_plot import plot_course
from hccrt.clinical.mrecist import mrecist
from hccrt.errors import InputError

ULNS = {"alt_uln_u_l": 40, "ast_uln_u_l": 40, "alp_uln_u_l": 120, "bilirubin_uln_mg_dl": 1.2}
RT = {
    "kind": "rt",
    "date": "2026-01-12",
    "end_date": "2026-02-13",
    "dose_gy": 50,
    "fractions": 25,
    "high_dose_liver_rt": True,
}


def labs(day: str, **values: Any) -> dict[str, Any]:
    normal = {
        "bilirubin_mg_dl": 0.9,
        "albumin_g_dl": 3.9,
        "inr": 1.1,
        "alt_u_l": 35,
        "ast_u_l": 38,
        "alp_u_l": 100,
        "ascites": "none",
        "encephalopathy": "none",
    }
    return {"kind": "labs", "date": day, **normal, **values}


def imaging(day: str, mm: float, **more: Any) -> dict[str, Any]:
    lesions = [{"lesion_id": "S8", "viable_diameter_mm": mm}]
    return {"kind": "imaging", "date": day, "target_lesions": lesions, "new_lesions": False, **more}


def course(*events: dict[str, Any]) -> PatientCourse:
    return parse_course({"patient_id": "FU", "lab_ulns": ULNS, "events": list(events)})


# Seed 000: "patients who develop acute hepatic impairment during radiotherapy, such as ≥RTOG grade
# II liver injury, have up to 60% chance of developing RILD later if radiotherapy is continued.
# Therefore, radiotherapy should be discontinued in such patients"


def test_stop_rt_is_named_at_the_first_grade_2_visit_during_rt() -> None:
    result = followup_course(
        course(
            labs("2026-01-06"),
            RT,
            labs("2026-01-23", alt_u_l=70),  # 1.75 × ULN: grade 1
            labs("2026-02-06", alt_u_l=135),  # 3.375 × ULN: grade 2
            labs("2026-02-11", alt_u_l=150),  # still grade 2, not the first
        )
    )
    assert [v.stop_rt for v in result.visits] == [False, True, True]
    assert result.first_stop_rt_visit == date(2026, 2, 6)
    assert "RTOG grade II" in result.stop_rt_reasons[0]
    assert "UNCONFIRMED" in result.stop_rt_reasons[0]
    assert result.stop_rt_sources[0].rule_id == "ACUTE-STOP"


def test_grade_1_during_rt_does_not_stop_rt() -> None:
    result = followup_course(course(labs("2026-01-06"), RT, labs("2026-01-23", alt_u_l=70)))
    assert result.first_stop_rt_visit is None
    assert result.visits[0].phase == "during_rt"


# Seed 000: "liver injury in the late phase of radiotherapy (within 4 months)" and the typical RILD:
# "massive ascites and liver enlargement ... accompanied by an increase in AKP to >2 times the
# normal value or an increase in ALT to >5 times the normal value"; "④clinical symptoms and
# impairment of liver function caused by the development of liver tumor can be excluded."


def test_classic_rild_in_the_window_with_progression_excluded_by_mrecist() -> None:
    result = followup_course(
        course(
            imaging("2026-01-05", 45),
            labs("2026-01-06"),
            RT,
            imaging("2026-03-18", 30),  # PR: progression excluded
            labs("2026-03-20", alt_u_l=230, alp_u_l=290, ascites="mild", hepatomegaly=True),
        )
    )
    visit = result.visits[-1]
    assert visit.phase == "rild_window"
    assert visit.days_after_rt_end == 35
    assert visit.tumor_progression_excluded is True
    assert visit.rild is not None
    assert visit.rild.status == "classic"
    assert result.worst_rild == "classic"
    assert result.rild_window_end == date(2026, 6, 13)


def test_progression_on_imaging_blocks_the_rild_diagnosis() -> None:
    result = followup_course(
        course(
            imaging("2026-01-05", 45),
            labs("2026-01-06"),
            RT,
            imaging("2026-03-18", 45, new_lesions=True),  # PD
            labs("2026-03-20", alt_u_l=230, alp_u_l=290, ascites="mild", hepatomegaly=True),
        )
    )
    visit = result.visits[-1]
    assert visit.tumor_progression_excluded is False
    assert visit.rild is not None
    assert visit.rild.status == "indeterminate"
    assert "tumour progression excluded: no" in visit.rild.reasons


def test_atypical_rild_enzymes_only() -> None:
    result = followup_course(
        course(
            imaging("2026-01-05", 45),
            labs("2026-01-06"),
            RT,
            imaging("2026-03-18", 40),
            labs("2026-03-20", alt_u_l=230, hepatomegaly=False),
        )
    )
    rild = result.visits[-1].rild
    assert rild is not None
    assert rild.status == "non_classic"


def test_a_visit_after_the_4_month_window_is_not_in_the_window() -> None:
    result = followup_course(course(labs("2026-01-06"), RT, labs("2026-06-14", alt_u_l=230)))
    assert result.visits[0].phase == "after_window"
    assert result.worst_rild == "not_assessed"


def test_child_pugh_and_albi_change_from_baseline() -> None:
    # baseline CP 5; albumin 3.2 (2 points) + bilirubin 1.8 (1) + mild ascites (2) -> CP 7 (+2)
    result = followup_course(
        course(
            labs("2026-01-06"),
            RT,
            labs("2026-03-20", bilirubin_mg_dl=1.8, albumin_g_dl=3.2, ascites="mild"),
        )
    )
    visit = result.visits[0]
    assert (visit.child_pugh_score, visit.child_pugh_change) == (7, 2)
    # ALBI = 0.66·log10(µmol/L) − 0.085·g/L: baseline 0.66·log10(15.39) − 3.315 = −2.531;
    # now 0.66·log10(30.78) − 2.72 = −1.738; change +0.794 (scores rounded to 0.001 first)
    assert result.baseline is not None
    assert result.baseline.albi_score == pytest.approx(-2.531, abs=0.001)
    assert visit.albi_change == pytest.approx(0.794, abs=0.002)


def test_without_labs_before_rt_the_first_labs_are_the_baseline_and_it_is_said() -> None:
    result = followup_course(course(RT, labs("2026-01-20"), labs("2026-02-01", alt_u_l=70)))
    assert "the first lab set (2026-01-20) is the baseline" in result.notes[0]
    assert len(result.visits) == 1


# mRECIST (Lencioni & Llovet 2010): PR "at least a 30% decrease in the sum of the diameters of
# viable (enhancement in the arterial phase) target lesions, taking as reference the baseline sum";
# PD "an increase of at least 20% ... taking as reference the smallest sum ... recorded since
# treatment started"; CR "disappearance of any intratumoral arterial enhancement in all target
# lesions".


def visit(day: str, *mm: float, new: bool | None = False) -> ImagingVisit:
    lesions = tuple(
        TargetLesion(lesion_id=f"L{i}", viable_diameter_mm=value) for i, value in enumerate(mm)
    )
    return ImagingVisit(
        kind="imaging", date=date.fromisoformat(day), target_lesions=lesions, new_lesions=new
    )


def test_mrecist_boundaries_exactly_30_percent_down_and_20_percent_up() -> None:
    responses = mrecist(
        [
            visit("2026-01-01", 40, 20),  # baseline 60
            visit("2026-02-01", 30, 12.1),  # 42.1: 29.8 % down -> SD
            visit("2026-03-01", 30, 12),  # 42: exactly 30 % down -> PR
            visit("2026-04-01", 35, 15.4),  # 50.4 = 1.2 × nadir 42 -> PD
        ]
    )
    assert [r.response for r in responses] == ["baseline", "SD", "PR", "PD"]
    assert responses[3].nadir_sum_mm == 42
    assert responses[3].change_from_nadir_percent == 20.0


def test_mrecist_complete_response_and_new_lesion() -> None:
    responses = mrecist(
        [visit("2026-01-01", 30), visit("2026-02-01", 0), visit("2026-03-01", 0, new=True)]
    )
    assert [r.response for r in responses] == ["baseline", "CR", "PD"]
    assert "new lesion" in responses[2].reasons[0]


def test_mrecist_reappearance_after_cr_is_progression() -> None:
    responses = mrecist([visit("2026-01-01", 30), visit("2026-02-01", 0), visit("2026-03-01", 5)])
    assert responses[2].response == "PD"


def test_mrecist_says_when_new_lesions_were_not_recorded() -> None:
    responses = mrecist([visit("2026-01-01", 30), visit("2026-02-01", 20, new=None)])
    assert responses[1].response == "PR"
    assert "new lesions not recorded" in responses[1].reasons[0]


def test_mrecist_without_viable_tumour_at_baseline_is_not_evaluable() -> None:
    responses = mrecist([visit("2026-01-01", 0), visit("2026-02-01", 10)])
    assert [r.response for r in responses] == ["not_evaluable", "not_evaluable"]


def test_the_trend_plot_is_a_png(tmp_path: Path) -> None:
    c = course(labs("2026-01-06"), RT, labs("2026-02-06", alt_u_l=135))
    path = plot_course(c, followup_course(c), tmp_path / "trend.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match=r"--plot=.*trend\.pdf: must be a \.png file"):
        plot_course(c, followup_course(c), tmp_path / "trend.pdf")
