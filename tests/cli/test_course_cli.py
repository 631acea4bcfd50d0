"""``hccrt assess --course`` and ``hccrt followup --course``: end to end on the examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke

COURSES = Path(__file__).resolve().parents[2] / "examples" / "courses"
NAMES = ("tace2_then_sbrt", "reirradiation", "y90_then_rt", "sbrt_followup")


def _files(name: str) -> list[str]:
    return [
        str(COURSES / "patients" / f"{name}.patient.json"),
        "--course",
        str(COURSES / f"{name}.json"),
    ]


@pytest.mark.parametrize("name", NAMES)
def test_assess_with_course_on_every_example(name: str) -> None:
    result = invoke(["assess", *_files(name), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["liver_function"]["child_pugh"]["class"] in ("A", "B")  # the assessment stays
    course = data["course"]
    assert set(course) >= {"timeline", "cumulative_liver_dose", "scheduling", "reirradiation"}
    assert any("not modelled" in note for note in course["notes"])


def test_assess_course_text_shows_the_calendar_and_sources() -> None:
    result = invoke(["assess", *_files("tace2_then_sbrt")])
    assert result.exit_code == 0, result.stderr
    assert "earliest RT start by the seed rules: 2026-03-10" in result.stdout
    assert "RILD-TACE-1M (seed): seeds/000" in result.stdout
    assert "Proposed calendar:" in result.stdout


def test_assess_course_reirradiation_text() -> None:
    result = invoke(["assess", *_files("reirradiation")])
    assert "Re-irradiation:" in result.stdout
    assert "Child-Pugh score 6 (labs 2026-01-14) ≥ 6" in result.stdout
    assert "total 19.66 Gy; limit 23 Gy (liver_mean_cp_a): within" in result.stdout


def test_assess_course_y90_is_beside_the_sum() -> None:
    result = invoke(["assess", *_files("y90_then_rt")])
    assert "beside it — Y-90 2025-10-08: mean liver 38 Gy, mean tumour 190 Gy" in result.stdout
    assert "total 11.53 Gy" in result.stdout  # 13 Gy in 15 fx, α/β 8: 13 × 8.867/10


def test_a_bad_course_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "course.json"
    bad.write_text(json.dumps({"events": [{"kind": "rt", "date": "2026-01-01", "dose_gy": True,
                                           "fractions": 5, "status": "planned"}]}))  # fmt: skip
    result = invoke(["assess", _files("reirradiation")[0], "--course", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: events.0.dose_gy=True: must be a number")
    assert "docs/course-schema.json" in result.stderr


def test_the_liver_alpha_beta_option_refuses_nan() -> None:
    result = invoke(["assess", *_files("reirradiation"), "--liver-alpha-beta-gy", "nan"])
    assert result.exit_code == 2
    assert "must be finite" in result.stderr


def test_followup_over_a_course_with_plot(tmp_path: Path) -> None:
    plot = tmp_path / "trend.png"
    course = str(COURSES / "sbrt_followup.json")
    result = invoke(["followup", "--course", course, "--plot", str(plot), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["first_stop_rt_visit"] == "2026-02-06"
    assert data["worst_rild"] == "classic"
    assert [r["response"] for r in data["responses"]] == ["baseline", "PR", "PR"]
    assert plot.read_bytes()[:4] == b"\x89PNG"
    text = invoke(["followup", "--course", course]).stdout
    assert "First visit qualifying for stopping RT: 2026-02-06" in text


def test_followup_needs_exactly_one_input() -> None:
    result = invoke(["followup"])
    assert result.exit_code == 2
    assert "give a follow-up file or --course" in result.stderr
    result = invoke(
        ["followup", "--plot", "x.png", str(COURSES.parent / "followup" / "classic_rild.json")]
    )
    assert result.exit_code == 2
    assert "--plot" in result.stderr


def test_evaluate_with_a_course_reports_the_cumulative_liver_dose(
    shared_data: Path, tmp_path: Path
) -> None:
    from tests.cli.test_evaluation_cli import breast

    files = breast(shared_data)
    prior = {"kind": "rt", "date": "2024-05-06", "end_date": "2024-05-10", "dose_gy": 14,
             "fractions": 5, "rtdose_path": files["dose"]}  # fmt: skip
    course = tmp_path / "course.json"
    course.write_text(json.dumps({"events": [prior]}), encoding="utf-8")
    result = invoke(["evaluate", "--rtstruct", files["rtss"], "--rtdose", files["dose"],
                     "--rtplan", files["plan"], "--course", str(course), "--out",
                     str(tmp_path / "eval"), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    cumulative = json.loads(result.stdout)["cumulative_liver"]
    assert cumulative["prior_courses"][0]["method"] == "voxel"
    assert "same Frame of Reference" in cumulative["prior_courses"][0]["how"]
    assert cumulative["status"] == "not_evaluated"  # a breast plan has no liver
    saved = json.loads((tmp_path / "eval" / "evaluation.json").read_text(encoding="utf-8"))
    assert saved["cumulative_liver"]["alpha_beta_gy"] == 8.0
