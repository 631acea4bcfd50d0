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
    Path,
    typer.Argument(
        help="Follow-up JSON (schema: docs/followup-schema.json; examples: examples/followup/): "
        "baseline and current labs (U/L, mg/dL, with ULNs and dates), "
        "rt_start_date, rt_end_date, rt_ongoing, high_dose_liver_rt, ascites, hepatomegaly, "
        "tumor_progression_excluded, child_pugh_score at baseline and now (docs/clinical.md).",
        show_default=False,
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
) -> None:
    """Assess one HCC patient against the seed rules: Child-Pugh, ALBI, MELD, BCLC/CNLC,
    rated local therapies and the radiotherapy plan outline (intent, technique, fractionation
    with BED in Gy, CTV/PTV margins in mm, mean normal-liver dose limit in Gy), each item with
    its reasons, rule ids and sources. Missing data gives insufficient_data, never a guess.
    """
    from hccrt.clinical.assess import assess
    from hccrt.clinical.patient import load_patient
    from hccrt.clinical.render import render_assessment_text
    from hccrt.clinical.settings import load_settings

    overrides = None if settings is None else load_settings(settings)
    result = assess(load_patient(patient), overrides)

    def render(payload: Any) -> str:
        return render_assessment_text(payload)

    emit(result, output_format, render)


def followup_command(record: FollowupArg, output_format: FormatOption = OutputFormat.text) -> None:
    """Grade liver labs during/after RT (CTCAE v5.0, ULN and abnormal-baseline rules), classify
    RILD (classic / non_classic / none / indeterminate, within 4 months of RT end, after
    high-dose liver RT, progression excluded) and recommend stopping RT for liver injury of
    grade >= 2 during RT.
    """
    from hccrt.clinical.followup import followup, load_followup
    from hccrt.clinical.render import render_followup_text

    result = followup(load_followup(record))

    def render(payload: Any) -> str:
        return render_followup_text(payload)

    emit(result, output_format, render)


def register(app: typer.Typer) -> None:
    """Add ``assess`` and ``followup`` to the ``hccrt`` app."""
    app.command("assess")(assess_command)
    app.command("followup")(followup_command)
