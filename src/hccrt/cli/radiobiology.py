"""``hccrt bed``, ``hccrt fractionation compare`` and ``hccrt ntcp``: radiobiology from the shell.

The commands only parse input and call :mod:`hccrt.radiobiology`; JSON keys are a contract:
``bed`` -> ``{bed_gy, eqd2_gy, model, parameters, warnings, ...}``; ``fractionation compare`` ->
a list of schemes with BED/EQD2 per α/β; ``ntcp`` -> ``{ntcp, geud_gy, mean_dose_gy,
eqd2_mean_dose_gy, parameter_set, ...}``.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

if TYPE_CHECKING:
    from hccrt.radiobiology import BedResult, NtcpParameterSet, NtcpResult


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
    ),
]
D0Option = Annotated[
    float | None,
    typer.Option("--d0-gy", help="USC D0 in Gy (default Park 2008 NSCLC 1.25 Gy, not HCC)."),
]
DqOption = Annotated[
    float | None,
    typer.Option("--dq-gy", help="USC Dq in Gy (default Park 2008 NSCLC 1.8 Gy, not HCC)."),
]

fractionation_app = typer.Typer(
    name="fractionation",
    help="Compare fractionation schemes (BED and EQD2 per α/β).",
    no_args_is_help=True,
)


def bed(
    dose_per_fraction_gy: Annotated[
        float, typer.Option("--dose-per-fraction-gy", help="Physical dose per fraction in Gy.")
    ],
    fractions: Annotated[int, typer.Option("--fractions", help="Number of fractions (>= 1).")],
    alpha_beta_gy: Annotated[
        float,
        typer.Option(
            "--alpha-beta-gy",
            help="α/β in Gy (HCC 10 or 15; normal liver 2-3, or 8 with hepatitis).",
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
        ),
    ] = None,
    tk_days: Annotated[
        float | None,
        typer.Option("--tk-days", help="Repopulation kick-off time Tk in days."),
    ] = None,
    dprolif_gy_per_day: Annotated[
        float | None,
        typer.Option("--dprolif-gy-per-day", help="BED lost per day after Tk, in Gy/day."),
    ] = None,
    repair_half_time_h: Annotated[
        float | None,
        typer.Option(
            "--repair-half-time-h",
            help="Sublethal-damage repair half-time in hours; enables incomplete-repair "
            "corrections (LQ only; liver 1.5 h is UNCONFIRMED).",
        ),
    ] = None,
    fraction_duration_min: Annotated[
        float,
        typer.Option(
            "--fraction-duration-min",
            help="Beam-on time of one fraction in minutes (Lea-Catcheside factor), e.g. 45.",
        ),
    ] = 0.0,
    interval_h: Annotated[
        float | None,
        typer.Option(
            "--interval-h",
            help="Start-to-start time between fractions in hours (Thames factor), e.g. 6 for BID.",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """BED and EQD2 of one fractionation scheme, with the model and parameters used."""
    from hccrt.radiobiology import RepopulationParameters, scheme_bed

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
    emit(result, output_format, _render_bed)


def _render_bed(result: BedResult) -> str:
    lines = [
        f"{result.fractions} x {result.dose_per_fraction_gy:g} Gy = {result.total_dose_gy:g} Gy, "
        f"α/β {result.alpha_beta_gy:g} Gy, model {result.model.value}",
        f"BED  {result.bed_gy:.2f} Gy",
        f"EQD2 {result.eqd2_gy:.2f} Gy",
        "parameters: "
        + ", ".join(
            f"{key}={value}" for key, value in result.parameters.items() if key != "source"
        ),
        f"source: {result.parameters.get('source', '')}",
    ]
    lines += [f"warning: {warning.message}" for warning in result.warnings]
    return "\n".join(lines)


@fractionation_app.command("compare")
def compare(
    scheme: Annotated[
        list[str] | None,
        typer.Option(
            "--scheme",
            help="Scheme as DOSExFRACTIONS, dose per fraction in Gy (e.g. 5x10); repeat.",
        ),
    ] = None,
    alpha_beta_gy: Annotated[
        list[float] | None,
        typer.Option("--alpha-beta-gy", help="α/β in Gy; repeat for several tissues."),
    ] = None,
    model: ModelOption = ModelChoice.lq,
    transition_dose_gy: TransitionOption = None,
    d0_gy: D0Option = None,
    dq_gy: DqOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """BED and EQD2 of several schemes for one or more α/β values, side by side."""
    from hccrt.radiobiology import parse_scheme, scheme_bed

    if not scheme:
        raise InputError("--scheme", "at least one scheme is required", None, "e.g. --scheme 5x10")
    if not alpha_beta_gy:
        raise InputError(
            "--alpha-beta-gy", "at least one α/β is required", None, "e.g. --alpha-beta-gy 10"
        )
    rows: list[dict[str, Any]] = []
    for text in scheme:
        try:
            dose, count = parse_scheme(text)
        except InputError as error:
            raise InputError("--scheme", error.rule, text, error.fix) from None
        results = [
            scheme_bed(
                dose,
                count,
                ab,
                model.value,
                transition_dose_gy=transition_dose_gy,
                d0_gy=d0_gy,
                dq_gy=dq_gy,
            )
            for ab in alpha_beta_gy
        ]
        rows.append(
            {
                "scheme": text.strip(),
                "dose_per_fraction_gy": dose,
                "fractions": count,
                "total_dose_gy": dose * count,
                "model": model.value,
                "by_alpha_beta": [
                    {
                        "alpha_beta_gy": r.alpha_beta_gy,
                        "bed_gy": r.bed_gy,
                        "eqd2_gy": r.eqd2_gy,
                        "parameters": r.parameters,
                        "warnings": r.warnings,
                    }
                    for r in results
                ],
            }
        )
    emit(rows, output_format, _render_compare)


def _render_compare(rows: list[dict[str, Any]]) -> str:
    ratios = [entry["alpha_beta_gy"] for entry in rows[0]["by_alpha_beta"]]
    header = ["scheme", "total Gy"]
    for ab in ratios:
        header += [f"BED{ab:g}", f"EQD2({ab:g})"]
    table = [header]
    notes: dict[str, list[str]] = {}
    for row in rows:
        cells = [row["scheme"], f"{row['total_dose_gy']:g}"]
        for entry in row["by_alpha_beta"]:
            cells += [f"{entry['bed_gy']:.1f}", f"{entry['eqd2_gy']:.1f}"]
            for warning in entry["warnings"]:
                schemes = notes.setdefault(warning.message, [])
                if row["scheme"] not in schemes:
                    schemes.append(row["scheme"])
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"model: {rows[0]['model']} (doses in Gy; EQD2 in 2 Gy fractions)")
    lines += [f"warning ({', '.join(where)}): {message}" for message, where in notes.items()]
    return "\n".join(lines)


def ntcp(
    dvh: Annotated[
        Path | None,
        typer.Option(
            "--dvh",
            help="CSV with columns dose_gy,volume_cc (total physical dose in Gy, volume in cc); "
            "differential (bin centres) unless --cumulative.",
        ),
    ] = None,
    cumulative: Annotated[
        bool, typer.Option("--cumulative", help="volume_cc is the volume receiving >= dose_gy.")
    ] = False,
    parameter_set: Annotated[
        str | None,
        typer.Option("--parameter-set", help="Parameter set name (see --list-parameter-sets)."),
    ] = None,
    child_pugh: Annotated[
        str | None,
        typer.Option(
            "--child-pugh",
            help="Choose the default set by Child-Pugh class (A or B; C has no validated set).",
        ),
    ] = None,
    fractions: Annotated[
        int | None, typer.Option("--fractions", help="Fractions the DVH dose was delivered in.")
    ] = None,
    total_volume_cc: Annotated[
        float | None,
        typer.Option(
            "--total-volume-cc", help="Structure volume in cc; the DVH total must match it (1 %)."
        ),
    ] = None,
    logit: Annotated[
        bool, typer.Option("--logit", help="Use the logit form instead of the LKB probit.")
    ] = False,
    list_parameter_sets: Annotated[
        bool, typer.Option("--list-parameter-sets", help="List the liver parameter sets and exit.")
    ] = False,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """RILD NTCP of a liver DVH: LKB on the gEUD, after conversion to the set's fractionation."""
    from hccrt.radiobiology import (
        default_ntcp_parameter_set,
        get_ntcp_parameter_set,
        list_ntcp_parameter_sets,
        ntcp_lkb,
        ntcp_logit,
        read_dvh_csv,
    )

    if list_parameter_sets:
        listing = [_parameter_set_payload(p) for p in list_ntcp_parameter_sets()]
        emit(listing, output_format, _render_listing)
        return
    if dvh is None:
        raise InputError("--dvh", "is required", None, "give a CSV with dose_gy,volume_cc columns")
    if fractions is None:
        raise InputError("--fractions", "is required", None, "give the number of fractions")
    if (parameter_set is None) == (child_pugh is None):
        raise InputError(
            "--parameter-set/--child-pugh",
            "give exactly one of them",
            f"parameter_set={parameter_set}, child_pugh={child_pugh}",
            "e.g. --parameter-set tai2009_child_pugh_a or --child-pugh A",
        )
    chosen = (
        get_ntcp_parameter_set(parameter_set)
        if parameter_set is not None
        else default_ntcp_parameter_set(str(child_pugh))
    )
    dose_gy, volume_cc = read_dvh_csv(dvh)
    compute = ntcp_logit if logit else ntcp_lkb
    result = compute(
        dose_gy,
        volume_cc,
        chosen,
        fractions,
        cumulative=cumulative,
        total_volume_cc=total_volume_cc,
    )
    payload = dataclasses.asdict(result)
    payload["parameter_set"] = _parameter_set_payload(result.parameter_set)
    emit(payload, output_format, lambda _: _render_ntcp(result))


def _parameter_set_payload(parameter_set: NtcpParameterSet) -> dict[str, Any]:
    payload = dataclasses.asdict(parameter_set)
    payload["status"] = parameter_set.status.value
    return payload


def _render_ntcp(result: NtcpResult) -> str:
    p = result.parameter_set
    lines = [
        f"NTCP {result.ntcp:.3f} ({result.model}, {p.name}: n {p.n:g}, m {p.m:g}, "
        f"TD50 {p.td50_gy:g} Gy at {p.reference_dose_per_fraction_gy:g} Gy/fraction, "
        f"α/β {p.alpha_beta_gy:g} Gy; status {p.status.value})",
        f"gEUD {result.geud_gy:.2f} Gy (in {p.reference_dose_per_fraction_gy:g} Gy fractions)",
        f"mean dose {result.mean_dose_gy:.2f} Gy physical, {result.eqd2_mean_dose_gy:.2f} Gy EQD2",
        f"volume {result.total_volume_cc:.1f} cc, {result.fractions} fractions",
        f"source: {p.source}",
    ]
    lines += [f"warning: {warning.message}" for warning in result.warnings]
    return "\n".join(lines)


def _render_listing(listing: list[dict[str, Any]]) -> str:
    lines = []
    for p in listing:
        lines.append(
            f"{p['name']}: n {p['n']:g}, m {p['m']:g}, TD50 {p['td50_gy']:g} Gy, fitted at "
            f"{p['reference_dose_per_fraction_gy']:g} Gy/fraction, α/β {p['alpha_beta_gy']:g} Gy "
            f"[{p['status']}]"
        )
        lines.append(f"    {p['label']}; {p['endpoint']}")
        lines.append(f"    source: {p['source']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``bed``, ``fractionation compare`` and ``ntcp`` to the ``hccrt`` app."""
    app.command("bed")(bed)
    app.add_typer(fractionation_app, name="fractionation")
    app.command("ntcp")(ntcp)
