"""The course record: a dated, validated timeline (docs/course-schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hccrt.clinical.course import PatientCourse, RtCourse, load_course, parse_course
from hccrt.errors import ClinicalInputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "courses"

RT_DONE: dict[str, Any] = {
    "kind": "rt",
    "date": "2024-05-06",
    "end_date": "2024-06-07",
    "dose_gy": 50,
    "fractions": 25,
    "mean_normal_liver_dose_gy": 14,
}


def course(*events: dict[str, Any]) -> PatientCourse:
    return parse_course({"patient_id": "C", "events": list(events)})


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_example_course_loads(path: Path) -> None:
    loaded = load_course(path)
    assert loaded.events
    assert [e.date for e in loaded.events] == sorted(e.date for e in loaded.events)


def test_the_views_pick_the_events_by_kind() -> None:
    c = course(
        {"kind": "tace", "date": "2024-01-01", "lipiodol": True},
        RT_DONE,
        {"kind": "y90", "date": "2025-01-01", "activity_gbq": 2.0},
    )
    assert [type(e).__name__ for e in c.events] == ["ArterialSession", "RtCourse", "Y90"]
    assert c.arterial_sessions[0].lipiodol is True
    assert c.rt_courses[0].dose_per_fraction_gy == pytest.approx(2.0)
    assert c.y90[0].activity_gbq == 2.0


def test_events_out_of_date_order_are_refused_with_the_schema_named() -> None:
    with pytest.raises(ClinicalInputError, match=r"events\.1\.date=2026-01-05: before events\.0"):
        course({"kind": "tace", "date": "2026-02-05"}, {"kind": "tace", "date": "2026-01-05"})
    with pytest.raises(ClinicalInputError, match=r"docs/course-schema\.json"):
        course({"kind": "tace", "date": "2026-02-05"}, {"kind": "tace", "date": "2026-01-05"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dose_gy": True}, r"events\.0\.dose_gy=True: must be a number, not a boolean"),
        ({"fractions": "5"}, r"events\.0\.fractions='5': must be a number, not a string"),
        ({"end_date": None}, r"events\.0\.end_date: missing for a completed RT course"),
        ({"end_date": "2024-05-01"}, r"events\.0\.end_date=2024-05-01: before the RT start"),
        ({"mean_normal_liver_dose_gy": 60}, r"above the prescribed dose 50 Gy"),
        ({"registration_path": "reg.dcm"}, r"registration_path=reg\.dcm: given without rtdose"),
        ({"dose_gy": float("nan")}, r"must be finite"),
        ({"dose_gy_total": 5}, r"events\.0\.dose_gy_total=5: unknown field; did you mean"),
    ],
)
def test_bad_rt_course_values_give_one_line(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ClinicalInputError, match=message):
        course({**RT_DONE, **change})


def test_overlapping_rt_courses_are_refused() -> None:
    second = {**RT_DONE, "date": "2024-06-01", "end_date": "2024-06-20"}
    with pytest.raises(ClinicalInputError, match=r"events\.1\.date=2024-06-01: on or before"):
        course(RT_DONE, second)


def test_a_planned_course_must_be_the_last_rt_course() -> None:
    planned = {**RT_DONE, "status": "planned", "end_date": None}
    with pytest.raises(ClinicalInputError, match="only the last RT course may be ongoing"):
        course(planned, {**RT_DONE, "date": "2025-01-01", "end_date": "2025-02-01"})


def test_labs_in_si_units_are_converted_and_unit_confusion_is_caught() -> None:
    c = course({"kind": "labs", "date": "2026-01-01", "bilirubin_umol_l": 34.2, "albumin_g_l": 38})
    assert (c.labs[0].bilirubin_mg_dl, c.labs[0].albumin_g_dl) == (2.0, 3.8)
    with pytest.raises(ClinicalInputError, match=r"events\.0\.bilirubin_mg_dl=34.0: above 30"):
        course({"kind": "labs", "date": "2026-01-01", "bilirubin_mg_dl": 34})


def test_an_unknown_event_kind_names_the_kinds() -> None:
    with pytest.raises(ClinicalInputError, match=r"events\.0\.kind=xray: .*'tace'"):
        course({"kind": "xray", "date": "2026-01-01"})


def test_imaging_visits_must_measure_the_same_target_lesions() -> None:
    first = {
        "kind": "imaging",
        "date": "2026-01-01",
        "target_lesions": [{"lesion_id": "S7", "viable_diameter_mm": 30}],
    }
    with pytest.raises(ClinicalInputError, match=r"events\.1\.target_lesions.*differ"):
        course(first, {"kind": "imaging", "date": "2026-02-01", "target_lesions": []})


def test_relative_dose_paths_are_read_relative_to_the_course_file(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    event = {**RT_DONE, "rtdose_path": "old/RD.dcm", "registration_path": "old/REG.dcm"}
    path.write_text(json.dumps({"events": [event]}), encoding="utf-8")
    rt = load_course(path).rt_courses[0]
    assert isinstance(rt, RtCourse)
    assert rt.rtdose_path == str(tmp_path / "old" / "RD.dcm")
    assert rt.registration_path == str(tmp_path / "old" / "REG.dcm")


def test_a_missing_course_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ClinicalInputError, match="file not found"):
        load_course(tmp_path / "none.json")
