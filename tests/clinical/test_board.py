"""The tumour-board summary (issue 16 item 7): stages, liver function and trend, ranked options
with reasons and sources, open questions (every insufficient_data item), prior timeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hccrt.clinical.board import (
    LabPoint,
    board_summary,
    lab_point,
    liver_trend,
    open_questions,
    rank_options,
)
from hccrt.clinical.patient import load_patient
from hccrt.clinical.rules.options import Verdict
from hccrt.errors import ClinicalInputError
from hccrt.report.board import render_board_html, write_board
from tests.clinical.factory import patient, run, tumor

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BOARD_PATIENT = EXAMPLES / "patients" / "bclc_c_first_line_board.json"


def test_options_are_ranked_best_verdict_first_with_sources() -> None:
    a = run(vascular_invasion={"portal_vein": "branch", "hepatic_vein": False, "ivc": False})
    ranked = rank_options(a)
    assert [o.rank for o in ranked] == list(range(1, len(ranked) + 1))
    order = [v.value for v in Verdict]
    best = ["recommended", "consider", "insufficient_data"]
    indices = [best.index(o.verdict.value) if o.verdict.value in best else 3 for o in ranked]
    assert indices == sorted(indices)
    assert len(ranked) == len(a.options) + 4  # the seed options and four first-line regimens
    assert all(o.sources for o in ranked)
    assert {o.group for o in ranked} == {"seed", "beyond the seeds"}
    assert order  # the verdict vocabulary is the options contract


def test_every_insufficient_data_item_is_an_open_question() -> None:
    """Issue 16: "open questions (every insufficient_data item)"."""
    a = run(resectable=None, sex=None, tumors=[tumor(4.0), tumor(3.5), tumor(2.0), tumor(2.0)])
    questions = open_questions(a)
    topics = {q.topic for q in questions}
    insufficient = {o.therapy.value for o in a.options if o.verdict is Verdict.insufficient_data}
    assert insufficient <= topics
    assert "resection" in topics
    assert "MELD 3.0 (beyond the seeds)" in topics
    assert "BCLC-B subgroup (beyond the seeds)" in topics
    assert "AFP (beyond the seeds)" in topics
    assert all(q.question for q in questions)


def test_complete_record_has_no_open_questions_and_a_timeline() -> None:
    summary = board_summary(load_patient(BOARD_PATIENT))
    assert summary.board_date == date(2026, 5, 18)  # the record's assessment_date
    assert summary.open_questions == ()
    assert [e.date for e in summary.timeline] == [date(2026, 2, 2), date(2026, 3, 9)]
    assert summary.stages == {"BCLC 2022": "C", "CNLC": "IIIa"}
    assert summary.liver_function["MELD 3.0 (beyond the seeds)"] == "8"


def test_board_date_sets_the_varices_window() -> None:
    """IMbrave150: endoscopy within 6 months before bevacizumab — counted from the board date
    when the record has no assessment_date (screened 2026-01-10: within on 2026-05-20, not on
    2026-08-01)."""
    record = patient(
        vascular_invasion={"portal_vein": "branch", "hepatic_vein": False, "ivc": False},
        varices_screened_date="2026-01-10",
        varices_untreated_high_risk=False,
        autoimmune_disease=False,
        recent_bleeding=False,
    )

    def atezo(day: date) -> str:
        summary = board_summary(record, board_date=day)
        return next(o.verdict.value for o in summary.options if o.name.startswith("atezo"))

    assert atezo(date(2026, 5, 20)) == "recommended"
    assert atezo(date(2026, 8, 1)) == "insufficient_data"


def test_timeline_leaves_out_events_after_the_board_date() -> None:
    prior = [
        {"kind": "tace", "date": "2026-02-01"},
        {"kind": "tace", "date": "2026-03-01"},
    ]
    summary = board_summary(patient(prior_treatments=prior), board_date=date(2026, 2, 15))
    assert [e.date for e in summary.timeline] == [date(2026, 2, 1)]


def test_no_board_date_anywhere_is_an_input_error() -> None:
    record = patient(planned_rt_start_date=None)
    with pytest.raises(ClinicalInputError, match="board_date"):
        board_summary(record)


def test_liver_trend_from_lab_points() -> None:
    """ALBI by hand (Johnson 2015): bilirubin 0.8 mg/dL = 13.68 µmol/L, albumin 40 g/L:
    0.66·log10(13.68) − 0.085·40 = 0.7500 − 3.4 = −2.650; bilirubin 1.3 (22.23 µmol/L), albumin
    33 g/L: 0.8891 − 2.805 = −1.916 -> change +0.734, grade 1 -> 2."""
    points = [
        LabPoint(date=date(2024, 4, 20), albi_score=-2.650, albi_grade=1, platelets_10e9_l=160),
        LabPoint(date=date(2026, 1, 14), albi_score=-1.916, albi_grade=2, platelets_10e9_l=110),
    ]
    summary = liver_trend(points).summary
    assert any(line.startswith("ALBI: -2.65") and "+0.734" in line for line in summary)
    assert "ALBI grade worse: 1 → 2" in summary
    assert liver_trend(points[:1]).summary == ("one lab set: no trend",)


def test_course_lab_set_scores() -> None:
    """A course lab set is scored by the record's own rules (one home for ALBI/Child-Pugh)."""
    course = pytest.importorskip("hccrt.clinical.course")
    labs = course.CourseLabs(
        kind="labs", date=date(2026, 1, 14), bilirubin_mg_dl=1.3, albumin_g_dl=3.3, inr=1.2,
        ascites="none", encephalopathy="none",
    )  # fmt: skip
    point = lab_point(labs)
    assert point.albi_score == pytest.approx(-1.916, abs=1e-3)
    assert (point.child_pugh_score, point.child_pugh_class) == (6, "A")


def test_board_with_the_example_course() -> None:
    """The re-irradiation course example: two lab sets before the board date give the trend; the
    planned RT course after it is left out of the timeline."""
    course = pytest.importorskip("hccrt.clinical.course")
    path = EXAMPLES / "courses" / "reirradiation.json"
    if not path.is_file():
        pytest.skip("course examples not in this checkout")
    timeline = course.load_course(path)
    record = patient(patient_id=timeline.patient_id)
    summary = board_summary(record, timeline, date(2026, 1, 20))
    assert len(summary.liver_trend.points) == 3
    assert any(line.startswith("ALBI") for line in summary.liver_trend.summary)
    assert all(e.date <= date(2026, 1, 20) for e in summary.timeline)
    assert any(e.origin == "course" and e.kind == "rt" for e in summary.timeline)
    assert not any(e.kind == "labs" for e in summary.timeline)
    with pytest.raises(ClinicalInputError, match=r"course\.patient_id"):
        board_summary(load_patient(BOARD_PATIENT), timeline, date(2026, 1, 20))


def test_html_and_pdf_pages(tmp_path: Path) -> None:
    summary = board_summary(load_patient(BOARD_PATIENT))
    html = render_board_html(summary)
    assert "Tumour board summary" in html
    assert "beyond the seeds" in html
    assert "Open questions" in html
    pdf = write_board(summary, tmp_path / "board.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert write_board(summary, tmp_path / "board.html").read_text().startswith("<!DOCTYPE html>")
