"""``hccrt board``: the one-page tumour-board summary of a patient on a date.

JSON keys (``--format json``): ``patient_id``, ``board_date``, ``stages``, ``liver_function``,
``liver_trend.{points,summary}``, ``options[].{rank,name,verdict,group,reasons,sources}``,
``radiotherapy``, ``transplant``, ``open_questions[].{topic,question,rule_ids}``, ``warnings``,
``timeline[].{date,kind,text,origin}`` and the full ``assessment``; with ``--store-patient``
also ``last_board_decision`` (the last signed decision in the store, or null).
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli._board_store import (
    StoreDataDirOption,
    StorePatientOption,
    StoreUserOption,
    decision_text,
    last_decision_payload,
)
from hccrt.cli.clinical import PatientArg, SettingsOption
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

CourseOption = Annotated[
    Path | None,
    typer.Option(
        "--course",
        help="Patient course JSON (docs/course-schema.json): its lab sets give the liver "
        "trend and its events join the prior-treatment timeline.",
    ),
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Board date YYYY-MM-DD (default: the record's assessment_date, else today). "
        "Course events after it are left out; the 6-month varices window of bevacizumab "
        "counts back from it when the record has no assessment_date.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Write the page to FILE.html or FILE.pdf (else print it)."),
]


def _board_date(text: str | None, recorded: dt.date | None) -> dt.date:
    """``--date``, else the record's ``assessment_date``, else today (UTC)."""
    if text is None:
        return recorded or dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            "--date", "not a date YYYY-MM-DD", text, "e.g. --date 2026-05-20"
        ) from None


def _load_course(path: Path) -> Any:
    try:
        module = importlib.import_module("hccrt.clinical.course")
    except ModuleNotFoundError:
        raise InputError(
            "--course",
            "patient courses are not available in this build",
            str(path),
            "omit --course",
        ) from None
    return module.load_course(path)


def board_command(
    patient: PatientArg,
    course: CourseOption = None,
    date: DateOption = None,
    out: OutOption = None,
    output_format: FormatOption = OutputFormat.text,
    settings: SettingsOption = None,
    store_patient: StorePatientOption = None,
    store_user: StoreUserOption = None,
    store_data_dir: StoreDataDirOption = None,
) -> None:
    """One-page tumour-board summary of a patient on a date: stages, liver function and its
    trend, ranked options with reasons and sources, open questions and the prior treatment
    timeline (HTML or PDF with --out).
    """
    from hccrt.clinical.board import board_summary
    from hccrt.clinical.patient import load_patient
    from hccrt.clinical.settings import load_settings

    record = load_patient(patient)
    timeline = None if course is None else _load_course(course)
    overrides = None if settings is None else load_settings(settings)
    day = _board_date(date, record.assessment_date)
    summary = board_summary(record, timeline, day, overrides)
    decision = last_decision_payload(store_patient, store_user, store_data_dir)
    if out is not None:
        from hccrt.report.board import write_board

        written = write_board(summary, out, decision)
        sys.stderr.write(f"wrote {written}\n")
        if output_format is OutputFormat.text:
            return

    def render(payload: Any) -> str:
        return render_board_text(payload)

    if store_patient is not None:  # the last signed decision after the summary (text, JSON)
        payload = {**summary.model_dump(mode="json"), "last_board_decision": decision}
        emit(payload, output_format, lambda _: render_board_text(summary) + decision_text(decision))
        return
    emit(summary, output_format, render)


def render_board_text(summary: Any) -> str:
    """The board summary as plain text (stdout)."""
    s = summary
    lines = [f"Tumour board — {s.patient_id or 'patient'} — {s.board_date}", s.disclaimer, ""]
    lines += [f"{name}: {stage}" for name, stage in s.stages.items()]
    lines += [f"{name}: {value}" for name, value in s.liver_function.items()]
    if s.liver_trend.points:
        lines += [f"Trend: {line}" for line in s.liver_trend.summary]
    lines += ["", "Options (ranked):"]
    for o in s.options:
        group = "" if o.group == "seed" else f" [{o.group}]"
        lines.append(f"  {o.rank}. {o.name}: {o.verdict.value}{group}")
        lines += [f"       · {r}" for r in o.reasons]
        lines.append(f"       [{', '.join(o.rule_ids)}]")
    lines += ["", *s.radiotherapy, *s.transplant, "", "Open questions:"]
    lines += [f"  - {q.topic}: {q.question} [{', '.join(q.rule_ids)}]" for q in s.open_questions]
    lines += ["", "Timeline:"]
    lines += [f"  {e.date} {e.text} ({e.origin})" for e in s.timeline] or ["  (none)"]
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    """Add ``board`` to the ``hccrt`` app."""
    app.command("board")(board_command)
