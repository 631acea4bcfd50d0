"""``hccrt dose``: independent dose of a planning system's RTPLAN on its CT (secondary check).

JSON keys (contract): the attributes of :class:`hccrt.dose.check.DoseCheckResult`: ``rtdose``,
``plan_label``, ``plan_uid``, ``fractions``, ``prescription_gy``, ``total_mu_per_fraction``,
``beams``, ``dose_grid_mm``, ``dose_grid_shape``, ``max_dose_gy``, ``reference_max_dose_gy``,
``gamma`` (dose_percent, distance_mm, pass_rate_percent, evaluated_points, ...), ``dvh`` (name,
volume_cc, hccrt_gy, reference_gy, difference_gy, difference_percent), ``density_source``,
``notes``, ``timings_s``, ``report_html``, ``report_pdf``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit


def _render(payload: Any) -> str:
    lines = [
        f"plan {payload.plan_label}: {len(payload.beams)} beam(s), "
        f"{payload.total_mu_per_fraction:.1f} MU per fraction x {payload.fractions}; "
        f"max dose {payload.max_dose_gy:.2f} Gy (whole course)",
    ]
    for beam in payload.beams:
        lines.append(
            f"  {beam.number} {beam.name}: {beam.energy} {beam.delivery}, "
            f"{beam.monitor_units:.1f} MU, gantry {beam.gantry_deg:g}, "
            f"{beam.directions} direction(s)"
        )
    for result in payload.gamma:
        lines.append(
            f"gamma {result.dose_percent:g} %/{result.distance_mm:g} mm (global, "
            f"{result.low_dose_cutoff_percent:g} % cut-off): {result.pass_rate_percent:.1f} % "
            f"of {result.evaluated_points} points pass"
        )
    for row in payload.dvh:
        diff = row.difference_gy
        lines.append(
            f"  {row.name}: dDmean {diff['dmean']:+.2f} Gy, dD95 {diff['d95']:+.2f} Gy, "
            f"dD2 {diff['d2']:+.2f} Gy"
        )
    lines += [f"note: {n}" for n in payload.notes]
    written = [payload.rtdose, payload.report_html, payload.report_pdf]
    lines.append("written: " + ", ".join(w for w in written if w))
    return "\n".join(lines)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    from rich.console import Console

    stderr_console = Console(stderr=True)
    if not enabled or not stderr_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr_console,
        transient=True,
    ) as bar:
        task = bar.add_task("dose", total=None)

        def update(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        yield update


def dose(
    ct: Annotated[Path, typer.Option("--ct", help="Planning CT series folder (HU rescale).")],
    rtplan: Annotated[Path, typer.Option("--rtplan", help="The planning system's RTPLAN file.")],
    out: Annotated[Path, typer.Option("--out", help="RTDOSE file to write (Gy, whole course).")],
    rtstruct: Annotated[
        Path | None, typer.Option("--rtstruct", help="RTSTRUCT for DVH differences.")
    ] = None,
    beam_model: Annotated[
        list[Path] | None,
        typer.Option(
            "--beam-model",
            metavar="MODEL.json",
            help="Commissioned beam model (JSON; repeat for several machines/energies). "
            "Default: the shipped 6 MV model.",
        ),
    ] = None,
    grid_mm: Annotated[
        float,
        typer.Option(
            "--grid-mm", parser=finite_float, help="Isotropic dose-grid spacing (mm, 1-10)."
        ),
    ] = 2.5,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="The planning system's RTDOSE: 3-D gamma 3 %/2 mm and 2 %/2 mm (global, 10 % "
            "cut-off, pymedphys) and, with --rtstruct, DVH differences.",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", help="Folder for the HTML/PDF check report (default: OUT_check/)."
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Recompute a photon RTPLAN's dose on its CT with hccrt's engine and compare it.

    Static and MLC fields, step-and-shoot, sliding window and arcs (VMAT); X/Y/ASYMX/ASYMY jaws,
    MLCX/MLCY; collimator and couch angles; MU and fractions from the plan. Refused by name:
    electrons/protons, wedges, blocks, compensators, applicators, boli, non-HFS setups, 0 MU,
    non-monotonic control points, a Frame of Reference other than the CT's, a CT without HU
    rescale or of one slice, an energy without a beam model. Nothing is written on error.
    """
    from hccrt.dose.check import collapsed_cone, load_dose_check_inputs, run_dose_check
    from hccrt.errors import InputError

    if not out.parent.is_dir():
        raise InputError("--out", "folder does not exist", str(out.parent), "create it first")
    inputs = load_dose_check_inputs(ct, rtplan, rtstruct=rtstruct, compare=compare, grid_mm=grid_mm)
    library, engine = collapsed_cone(beam_model or ())
    folder = report if report is not None else out.with_name(f"{out.stem}_check")
    with _progress(output_format is OutputFormat.text) as progress:
        result = run_dose_check(inputs, library, engine, out, report_dir=folder, progress=progress)
    emit(result, output_format, _render)


def register(app: typer.Typer) -> None:
    """Add ``dose`` to the ``hccrt`` app."""
    app.command("dose")(dose)
