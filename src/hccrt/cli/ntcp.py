"""``hccrt ntcp``: RILD NTCP of a liver DVH (LKB probit or logit) with the parameter set shown.

The command only parses input and calls :mod:`hccrt.radiobiology`; JSON keys are a contract:
``{ntcp, geud_gy, mean_dose_gy, eqd2_mean_dose_gy, parameter_set, ...}``;
``--list-parameter-sets`` lists the liver sets with their sources and statuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError


def ntcp(
    dvh: Annotated[
        Path | None,
        typer.Option(
            "--dvh",
            help="CSV with columns dose_gy,volume_cc (total physical dose in Gy, volume in cc), "
            "e.g. the one `hccrt dvh --csv` writes (cumulative; pick a structure with "
            "--structure). A dose above 200 Gy is refused as cGy.",
        ),
    ] = None,
    structure: Annotated[
        str | None,
        typer.Option("--structure", help="Structure whose rows to read (CSV with several)."),
    ] = None,
    cumulative: Annotated[
        bool | None,
        typer.Option(
            "--cumulative/--differential",
            help="volume_cc is the volume receiving >= dose_gy (cumulative), or the volume in "
            "each bin centred on dose_gy (differential). Required when the volume column looks "
            "cumulative (never increases).",
            show_default=False,
        ),
    ] = None,
    parameter_set: Annotated[
        str | None,
        typer.Option("--parameter-set", help="Parameter set name (see --list-parameter-sets)."),
    ] = None,
    child_pugh: Annotated[
        Literal["A", "B", "C"] | None,
        typer.Option(
            "--child-pugh",
            help="Choose the default set by Child-Pugh class (A or B; C has no validated set).",
            case_sensitive=False,
        ),
    ] = None,
    fractions: Annotated[
        int | None, typer.Option("--fractions", help="Fractions the DVH dose was delivered in.")
    ] = None,
    total_volume_cc: Annotated[
        float | None,
        typer.Option(
            "--total-volume-cc",
            help="Structure volume in cc; the DVH total must match it (1 %).",
            parser=finite_float,
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
        describe_ntcp,
        describe_parameter_sets,
        get_ntcp_parameter_set,
        list_ntcp_parameter_sets,
        ntcp_lkb,
        ntcp_logit,
        read_dvh_csv,
        require_dvh_kind,
    )

    if list_parameter_sets:
        sets = list_ntcp_parameter_sets()
        listing = [p.as_record() for p in sets]
        emit(listing, output_format, lambda _: describe_parameter_sets(sets))
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
    dose_gy, volume_cc = read_dvh_csv(dvh, structure)
    compute = ntcp_logit if logit else ntcp_lkb
    result = compute(
        dose_gy,
        volume_cc,
        chosen,
        fractions,
        cumulative=require_dvh_kind(volume_cc, cumulative, total_volume_cc),
        total_volume_cc=total_volume_cc,
    )
    emit(result.as_record(), output_format, lambda _: describe_ntcp(result))
