"""``hccrt bed`` and ``hccrt fractionation compare``: BED/EQD2 of fractionation schemes.

The commands only parse input and call :mod:`hccrt.radiobiology`; JSON keys are a contract:
``bed`` -> ``{bed_gy, eqd2_gy, model, parameters, warnings, ...}``; ``fractionation compare`` ->
a list of schemes with BED/EQD2 per α/β.
"""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError


class ModelChoice(enum.StrEnum):
    """Dose-response model offered on the command line."""

    lq = "lq"
    lq_l = "lq-l"
    usc = "usc"


ModelOption = Annotated[
    ModelChoice,
    typer.Option(
        "--model",
        help="lq (linear-quadratic), lq-l (Astrahan 2008) or usc (Park 2008 universal survival "
        "curve). Plain LQ above 10 Gy per fraction adds a warning.",
        case_sensitive=False,
    ),
]
TransitionOption = Annotated[
    float | None,
    typer.Option(
        "--transition-dose-gy",
        help="LQ-L transition dose per fraction dT in Gy (default 6.0 Gy, UNCONFIRMED).",
        parser=finite_float,
    ),
]
D0Option = Annotated[
    float | None,
    typer.Option(
        "--d0-gy",
        help="USC D0 in Gy (default Park 2008 NSCLC 1.25 Gy, not HCC).",
        parser=finite_float,
    ),
]
DqOption = Annotated[
    float | None,
    typer.Option(
        "--dq-gy",
        help="USC Dq in Gy (default Park 2008 NSCLC 1.8 Gy, not HCC).",
        parser=finite_float,
    ),
]

fractionation_app = typer.Typer(
    name="fractionation",
    help="Compare fractionation schemes (BED and EQD2 per α/β).",
    no_args_is_help=True,
)


def bed(
    dose_per_fraction_gy: Annotated[
        float,
        typer.Option(
            "--dose-per-fraction-gy", help="Physical dose per fraction in Gy.", parser=finite_float
        ),
    ],
    fractions: Annotated[int, typer.Option("--fractions", help="Number of fractions (>= 1).")],
    alpha_beta_gy: Annotated[
        float,
        typer.Option(
            "--alpha-beta-gy",
            help="α/β in Gy (HCC 10 or 15; normal liver 2-3, or 8 with hepatitis).",
            parser=finite_float,
        ),
    ],
    model: ModelOption = ModelChoice.lq,
    transition_dose_gy: TransitionOption = None,
    d0_gy: D0Option = None,
    dq_gy: DqOption = None,
    treatment_days: Annotated[
        float | None,
        typer.Option(
            "--treatment-days",
            help="Overall treatment time in days; enables the repopulation term "
            "(default Tai 2008 HCC: Dprolif 0.54 Gy/day, Tk 0 d, UNCONFIRMED).",
            parser=finite_float,
        ),
    ] = None,
    tk_days: Annotated[
        float | None,
        typer.Option(
            "--tk-days", help="Repopulation kick-off time Tk in days.", parser=finite_float
        ),
    ] = None,
    dprolif_gy_per_day: Annotated[
        float | None,
        typer.Option(
            "--dprolif-gy-per-day",
            help="BED lost per day after Tk, in Gy/day.",
            parser=finite_float,
        ),
    ] = None,
    repair_half_time_h: Annotated[
        float | None,
        typer.Option(
            "--repair-half-time-h",
            help="Sublethal-damage repair half-time in hours; enables incomplete-repair "
            "corrections (LQ only; liver 1.5 h is UNCONFIRMED).",
            parser=finite_float,
        ),
    ] = None,
    fraction_duration_min: Annotated[
        float,
        typer.Option(
            "--fraction-duration-min",
            help="Beam-on time of one fraction in minutes (Lea-Catcheside factor), e.g. 45.",
            parser=finite_float,
        ),
    ] = 0.0,
    interval_h: Annotated[
        float | None,
        typer.Option(
            "--interval-h",
            help="Start-to-start time between fractions in hours (Thames factor), e.g. 6 for BID.",
            parser=finite_float,
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """BED and EQD2 of one fractionation scheme, with the model and parameters used."""
    from hccrt.radiobiology import RepopulationParameters, describe_bed, scheme_bed
    from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, check_dose_gy

    check_dose_gy("--dose-per-fraction-gy", dose_per_fraction_gy, DOSE_PER_FRACTION)

    if not fraction_duration_min >= 0.0:
        raise InputError(
            "--fraction-duration-min",
            "must be >= 0",
            fraction_duration_min,
            "give the beam-on time of one fraction in minutes, e.g. 45",
        )
    repopulation = None
    if tk_days is not None or dprolif_gy_per_day is not None:
        if tk_days is None or dprolif_gy_per_day is None or treatment_days is None:
            raise InputError(
                "--tk-days/--dprolif-gy-per-day",
                "need each other and --treatment-days",
                f"tk_days={tk_days}, dprolif_gy_per_day={dprolif_gy_per_day}, "
                f"treatment_days={treatment_days}",
                "give all three, or only --treatment-days for the Tai 2008 HCC defaults",
            )
        repopulation = RepopulationParameters(tk_days, dprolif_gy_per_day)
    result = scheme_bed(
        dose_per_fraction_gy,
        fractions,
        alpha_beta_gy,
        model.value,
        transition_dose_gy=transition_dose_gy,
        d0_gy=d0_gy,
        dq_gy=dq_gy,
        treatment_days=treatment_days,
        repopulation=repopulation,
        repair_half_time_h=repair_half_time_h,
        fraction_duration_h=fraction_duration_min / 60.0,
        interval_h=interval_h,
    )
    emit(result, output_format, describe_bed)


@fractionation_app.command("compare")
def compare(
    scheme: Annotated[
        list[str] | None,
        typer.Option(
            "--scheme",
            help="Scheme as dose per fraction with its unit x fractions (15Gyx3) or as "
            "total Gy/fractions (45/3); the unit-less 3x15 is refused as ambiguous. Repeat.",
        ),
    ] = None,
    alpha_beta_gy: Annotated[
        list[float] | None,
        typer.Option(
            "--alpha-beta-gy", help="α/β in Gy; repeat for several tissues.", parser=finite_float
        ),
    ] = None,
    model: ModelOption = ModelChoice.lq,
    transition_dose_gy: TransitionOption = None,
    d0_gy: D0Option = None,
    dq_gy: DqOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """BED and EQD2 of several schemes for one or more α/β values, side by side."""
    from hccrt.radiobiology import compare_schemes, describe_comparison

    if not scheme:
        raise InputError(
            "--scheme", "at least one scheme is required", None, "e.g. --scheme 5Gyx10"
        )
    if not alpha_beta_gy:
        raise InputError(
            "--alpha-beta-gy", "at least one α/β is required", None, "e.g. --alpha-beta-gy 10"
        )
    rows = compare_schemes(
        scheme,
        alpha_beta_gy,
        model.value,
        transition_dose_gy=transition_dose_gy,
        d0_gy=d0_gy,
        dq_gy=dq_gy,
        scheme_field="--scheme",
    )
    emit(rows, output_format, describe_comparison)
