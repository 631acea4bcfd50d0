"""``hccrt assess`` and ``hccrt followup``: clinical decision support from the shell.

The commands only read the JSON input and call :mod:`hccrt.clinical`. JSON keys are a contract:
``assess`` -> ``liver_function.child_pugh.{score,class}``, ``liver_function.albi.{score,grade}``,
``staging.{bclc,cnlc}``, ``options[].{therapy,verdict,reasons,sources}``,
``radiotherapy.{indicated,intent,indications,technique,fractionation,margins.{ctv_mm,ptv_mm},
dose_limits.normal_liver_mean_gy,warnings}``, ``warnings``; ``followup`` ->
``ctcae.{alt,ast,alp,bilirubin}``, ``rild.{status,reasons}``, ``recommend_stop_rt``,
``stop_rt_reasons``, ``reasons``.
"""

from __future__ import annotations

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
from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit

PatientArg = Annotated[
    Path,
    typer.Argument(
        help="Patient record JSON (schema: docs/patient-schema.json). Labs in mg/dL, g/dL "
        "(bilirubin_umol_l, albumin_g_l, creatinine_umol_l accepted), tumour diameters in cm, "
        "enzymes in U/L with their upper limits of normal; or a FHIR R4B Bundle (docs/fhir.md).",
        show_default=False,
    ),
]
FollowupArg = Annotated[
    Path | None,
    typer.Argument(
        help="Follow-up JSON (schema: docs/followup-schema.json; examples: examples/followup/), "
        "or none with --course: "
        "baseline and current labs (U/L, mg/dL, with ULNs and dates), "
        "rt_start_date, rt_end_date, rt_ongoing, high_dose_liver_rt, ascites, hepatomegaly, "
        "tumor_progression_excluded, child_pugh_score at baseline and now (docs/clinical.md).",
        show_default=False,
    ),
]


CourseOption = Annotated[
    Path | None,
    typer.Option(
        "--course",
        help="Patient course JSON (schema: docs/course-schema.json; examples: examples/courses/): "
        "dated TACE/TAE/DEB-TACE, ablation, resection, Y-90, RT courses (Gy, fractions, mean "
        "normal-liver dose in Gy or RTDOSE), systemic lines, labs and mRECIST imaging.",
    ),
]
LiverAlphaBetaOption = Annotated[
    float,
    typer.Option(
        "--liver-alpha-beta-gy",
        help="α/β of the normal liver for the cumulative EQD2 in Gy (default 8, Huang 2016).",
        parser=finite_float,
    ),
]
PlotOption = Annotated[
    Path | None,
    typer.Option(
        "--plot",
        help="With --course: write a PNG trend plot of the labs with RT and TACE marked.",
    ),
]


SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="JSON file overriding the labelled non-seed defaults: large_tumor_cm (5), "
        "tracking_motion_mm (5), cone_max_target_cm (3.5), ctv_margin_mm (5, range 5-10), "
        "tumour_alpha_beta_gy (10), albumin_three_points_below_g_dl (2.8).",
    ),
]


def assess_command(
    patient: PatientArg,
    output_format: FormatOption = OutputFormat.text,
    settings: SettingsOption = None,
    course: CourseOption = None,
    liver_alpha_beta_gy: LiverAlphaBetaOption = 8.0,
    store_patient: StorePatientOption = None,
    store_user: StoreUserOption = None,
    store_data_dir: StoreDataDirOption = None,
) -> None:
    """Assess one HCC patient against the seed rules: Child-Pugh, ALBI, MELD, BCLC/CNLC,
    rated local therapies and the radiotherapy plan outline (intent, technique, fractionation
    with BED in Gy, CTV/PTV margins in mm, mean normal-liver dose limit in Gy), each item with
    its reasons, rule ids and sources. Missing data gives insufficient_data, never a guess.
    With --course: the timeline, cumulative normal-liver EQD2 over the RT courses (Y-90
    beside it), re-irradiation rules and the TACE + RT calendar (JSON key "course").
    With --store-patient: the last signed tumour-board decision (JSON key
    "last_board_decision").
    """
    from hccrt.clinical.assess import assess
    from hccrt.clinical.patient import load_patient
    from hccrt.clinical.render import render_assessment_text
    from hccrt.clinical.settings import load_settings

    overrides = None if settings is None else load_settings(settings)
    record = load_patient(patient)
    result = assess(record, overrides)
    decision = last_decision_payload(store_patient, store_user, store_data_dir)
    if store_patient is not None:
        _emit_with_decision(result, course, record, liver_alpha_beta_gy, decision, output_format)
        return
    if course is None:

        def render(payload: Any) -> str:
            return render_assessment_text(payload)

        emit(result, output_format, render)
        return
    from hccrt.clinical.course import load_course
    from hccrt.clinical.course_assess import assess_course
    from hccrt.clinical.course_render import render_course_text

    course_result = assess_course(
        load_course(course), record, liver_alpha_beta_gy=liver_alpha_beta_gy
    )
    payload = {**result.model_dump(mode="json", by_alias=True), "course": course_result}

    def render_both(_: Any) -> str:
        return render_assessment_text(result) + "\n" + render_course_text(course_result)

    emit(payload, output_format, render_both)


def _emit_with_decision(
    result: Any,
    course: Path | None,
    record: Any,
    liver_alpha_beta_gy: float,
    decision: dict[str, Any] | None,
    output_format: OutputFormat,
) -> None:
    """``hccrt assess`` output followed by the last signed tumour-board decision."""
    from hccrt.clinical.render import render_assessment_text

    payload = {**result.model_dump(mode="json", by_alias=True)}
    text = render_assessment_text(result)
    if course is not None:
        from hccrt.clinical.course import load_course
        from hccrt.clinical.course_assess import assess_course
        from hccrt.clinical.course_render import render_course_text

        course_result = assess_course(
            load_course(course), record, liver_alpha_beta_gy=liver_alpha_beta_gy
        )
        payload["course"] = course_result
        text += "\n" + render_course_text(course_result)
    payload["last_board_decision"] = decision
    emit(payload, output_format, lambda _: text + decision_text(decision))


def followup_command(
    record: FollowupArg = None,
    output_format: FormatOption = OutputFormat.text,
    course: CourseOption = None,
    plot: PlotOption = None,
) -> None:
    """Grade liver labs during/after RT (CTCAE v5.0, ULN and abnormal-baseline rules), classify
    RILD (classic / non_classic / none / indeterminate, within 4 months of RT end, after
    high-dose liver RT, progression excluded) and recommend stopping RT for liver injury of
    grade >= 2 during RT. With --course: every visit of the course (grades, Child-Pugh and
    ALBI change from baseline, RILD window, first stop-RT visit, mRECIST) and --plot PNG.
    """
    from hccrt.errors import InputError

    if (record is None) == (course is None):
        raise InputError(
            "FOLLOWUP", "give a follow-up file or --course, not both or neither", None,
            "e.g. hccrt followup --course examples/courses/sbrt_followup.json",
        )  # fmt: skip
    if plot is not None and course is None:
        raise InputError("--plot", "needs --course", str(plot), "add --course COURSE.json")
    if course is not None:
        _followup_course(course, output_format, plot)
        return
    from hccrt.clinical.followup import followup, load_followup
    from hccrt.clinical.render import render_followup_text

    assert record is not None
    result = followup(load_followup(record))

    def render(payload: Any) -> str:
        return render_followup_text(payload)

    emit(result, output_format, render)


def _followup_course(course: Path, output_format: OutputFormat, plot: Path | None) -> None:
    from hccrt.clinical.course import load_course
    from hccrt.clinical.course_followup import followup_course
    from hccrt.clinical.course_render import render_course_followup_text

    loaded = load_course(course)
    result = followup_course(loaded)
    if plot is not None:
        from hccrt.clinical.course_plot import plot_course

        plot_course(loaded, result, plot)

    def render(payload: Any) -> str:
        text = render_course_followup_text(payload)
        return text + (f"Trend plot: {plot}\n" if plot is not None else "")

    emit(result, output_format, render)


def register(app: typer.Typer) -> None:
    """Add ``assess`` and ``followup`` to the ``hccrt`` app."""
    app.command("assess")(assess_command)
    app.command("followup")(followup_command)
