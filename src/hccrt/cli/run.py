"""``hccrt run CASE_DIR --out OUT_DIR``: the main job on one case folder."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.cli.planning import (
    CollimatorAnglesOption,
    CouchAnglesOption,
    FinalDoseChoice,
    FinalDoseOption,
    GantryAnglesOption,
    beam_angles,
    final_dose_engine,
)


class PlanTechnique(StrEnum):
    """Planning technique for cases without a dose."""

    auto = "auto"
    conformal = "3dcrt"
    imrt = "imrt"
    vmat = "vmat"


def _render(result: Any) -> str:
    from hccrt.pipeline import summary_text

    return summary_text(result) + f"\nResults: {result.out_dir}/\n"


def run(
    case_dir: Annotated[
        Path,
        typer.Argument(help="Case folder: patient.json plus any DICOM files (CT, RTSTRUCT, ...)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Result folder (created; see --force).")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing result folder.")
    ] = False,
    technique: Annotated[
        PlanTechnique,
        typer.Option(
            help="Planning technique when the case has no dose: auto (3DCRT, IMRT if 3DCRT fails "
            "the limits), 3dcrt, imrt or vmat (2 coplanar full arcs, control points every 4 deg)."
        ),
    ] = PlanTechnique.auto,
    prescription_gy: Annotated[
        float | None,
        typer.Option(
            help="Prescription dose in Gy (default: first scheme recommended).", parser=finite_float
        ),
    ] = None,
    fractions: Annotated[
        int | None, typer.Option(help="Number of fractions (with --prescription-gy).")
    ] = None,
    final_dose: FinalDoseOption = FinalDoseChoice.collapsed_cone,
    gantry_angles: GantryAnglesOption = None,
    couch_angles: CouchAnglesOption = None,
    collimator_angles: CollimatorAnglesOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Run every hccrt stage on a case folder: assessment, planning, evaluation, report."""
    from hccrt.cli._progress import command_progress
    from hccrt.pipeline import RunOptions, run_case

    gantry, couch, collimator = beam_angles(gantry_angles, couch_angles, collimator_angles)
    options = RunOptions(  # validated before any work
        technique.value, prescription_gy, fractions, final_dose_engine(final_dose),
        gantry_deg=gantry, couch_deg=couch, collimator_deg=collimator,
    )  # fmt: skip
    with command_progress(output_format) as progress:
        result = run_case(case_dir, out, force=force, options=options, progress=progress)
    emit(result, output_format, _render)
    if result.errors:
        raise typer.Exit(1)
    if result.failed:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``run`` to the CLI."""
    app.command("run")(run)
