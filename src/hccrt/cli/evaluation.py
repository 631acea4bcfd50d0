"""``hccrt dvh`` and ``hccrt evaluate``: DVH metrics and plan evaluation from the shell.

JSON contracts:

* ``dvh`` -> ``{structures: [{name, tg263_name, volume_cc, uncovered_volume_cc, dmin_gy,
  dmax_gy, dmean_gy, metrics: {METRIC: value}}], warnings: []}``; ``--csv`` writes the cumulative
  curves (``structure, dose_gy, volume_cc, volume_percent``).
* ``evaluate`` -> writes ``evaluation.json`` (``verdict``, ``constraints[]`` with ``structure,
  metric, limit, value, passed, source``, ``ntcp[]``, ``plan``, ``warnings``), ``report.html`` and
  ``report.pdf`` into ``--out``; prints ``{verdict, out_dir, files, ...}``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError

RelativeUnit = Literal["percent", "fraction"]
BetweenPlanesOption = Annotated[
    Literal["slab", "smooth"],
    typer.Option(
        "--between-planes",
        case_sensitive=False,
        help="Shape between contour planes: slab (each plane stands for the tissue half-way to "
        "its neighbours, as planning systems do; default) or smooth (shape interpolated between "
        "the planes; true-solid volumes, about 7x slower).",
    ),
]


def dvh(
    rtstruct: Annotated[Path, typer.Option("--rtstruct", help="RTSTRUCT file.", exists=True)],
    rtdose: Annotated[
        list[Path], typer.Option("--rtdose", help="RTDOSE file(s); several are summed.")
    ],
    structure: Annotated[
        list[str] | None,
        typer.Option("--structure", help="Structure name (repeatable); default: all."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help="TG-263 metric (repeatable): D95%[Gy], D2cc[Gy], D0.03cc[Gy], Dmean[Gy], "
            "V20Gy[%], V20Gy[cc], CV15Gy[cc], V95%[%], gEUD(a=4)[Gy]. Doses in Gy, volumes cc.",
        ),
    ] = None,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write cumulative DVH curves to this CSV.")
    ] = None,
    prescription_gy: Annotated[
        float | None,
        typer.Option(
            "--prescription-gy",
            help="Prescription (Gy) for V95%-type metrics.",
            parser=finite_float,
        ),
    ] = None,
    relative_unit: Annotated[
        RelativeUnit | None,
        typer.Option("--relative-unit", help="For RELATIVE dose: percent or fraction."),
    ] = None,
    eqd2_alpha_beta_gy: Annotated[
        float | None,
        typer.Option(
            "--eqd2-alpha-beta-gy",
            help="Report the DVH in EQD2 (Gy) with this alpha/beta (needs --fractions); "
            "voxel-wise LQ conversion.",
            parser=finite_float,
        ),
    ] = None,
    fractions: Annotated[
        int | None, typer.Option("--fractions", help="Number of fractions (for --eqd2-...).")
    ] = None,
    compare_stored: Annotated[
        bool,
        typer.Option(
            "--compare-stored",
            help="Compare Dmean, D2cc, D95%, Dmax and volume with the DVHs the planning system "
            "stored in the (first) RTDOSE (DVHSequence).",
        ),
    ] = False,
    between_planes: BetweenPlanesOption = "slab",
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """DVH statistics and TG-263 metrics of structures in a dose (Gy, cc)."""
    # only what this command uses (not hccrt.evaluation): start-up is most of a short run
    from hccrt._threads import one_numerical_thread
    from hccrt.dicom import read_doses_gy, read_rtstruct
    from hccrt.dvh import evaluate_metric, parse_metric, tg263_name
    from hccrt.dvh.engine import compute_dvhs
    from hccrt.dvh.plan import eqd2_dvh, sum_doses
    from hccrt.dvh.sampling import DvhSettings

    settings = DvhSettings(between_planes=between_planes)
    if prescription_gy is not None:
        from hccrt.radiobiology.dose_bands import TOTAL_DOSE, check_dose_gy

        check_dose_gy("--prescription-gy", prescription_gy, TOTAL_DOSE)
    metrics = [parse_metric(m) for m in (metric or [])]
    if eqd2_alpha_beta_gy is not None and not fractions:
        raise InputError(
            "--fractions", "EQD2 needs the number of fractions", fractions,
            "pass --fractions N with --eqd2-alpha-beta-gy",
        )  # fmt: skip
    if any(m.needs_prescription for m in metrics) and not prescription_gy:
        raise InputError(
            "--metric", "a metric relative to the prescription needs it", None,
            "pass --prescription-gy",
        )  # fmt: skip
    structure_set = read_rtstruct(rtstruct)
    warnings = list(structure_set.warnings)
    doses = read_doses_gy(rtdose, structure_set, rtstruct.name, prescription_gy, relative_unit,
                          warnings)  # fmt: skip
    grid, total, sum_warnings = sum_doses(doses)
    warnings.extend(sum_warnings)
    wanted = structure or [s.name for s in structure_set.structures]
    rows: list[dict[str, Any]] = []
    curves: list[tuple[str, Any]] = []
    found_by_name = {name: structure_set.get(name) for name in wanted}
    # the BLAS pools are limited once for all ROIs, and the dose array is checked once
    with one_numerical_thread():
        to_compute = {s.name: s for s in found_by_name.values() if not s.is_empty}
        computed = compute_dvhs(list(to_compute.values()), total, grid, settings=settings)
        for name in wanted:
            found = found_by_name[name]
            if found.is_empty:
                warnings.append(f"{name}: no closed contour (empty or point-only ROI); skipped")
                continue
            result = computed[found.name]
            warnings.extend(result.warnings)
            physical = result
            if eqd2_alpha_beta_gy is not None:
                result = eqd2_dvh(result, fractions or 0, eqd2_alpha_beta_gy)
            values: dict[str, float | None] = {}
            for parsed in metrics:
                value = evaluate_metric(parsed, result, prescription_gy)
                values[parsed.text] = value.value if math.isfinite(value.value) else None
                if value.warning:
                    warnings.append(value.warning)
            row: dict[str, Any] = {
                "name": name, "tg263_name": tg263_name(name), "volume_cc": result.volume_cc,
                "uncovered_volume_cc": result.uncovered_volume_cc, "dmin_gy": result.dmin_gy,
                "dmax_gy": result.dmax_gy, "dmean_gy": result.dmean_gy, "metrics": values,
                "dose_quantity": result.dose_quantity,
            }  # fmt: skip
            if compare_stored:
                from hccrt.evaluation.inputs import stored_dvh_of

                row["stored_comparison"] = stored_dvh_of(found, doses[0], physical)
            rows.append(row)
            curves.append((name, result))
    if csv_path is not None:
        _write_curves(csv_path, curves)
    emit({"structures": rows, "warnings": warnings}, output_format, _render_dvh)


def _write_curves(path: Path, curves: list[tuple[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["structure", "dose_gy", "volume_cc", "volume_percent"])
        for name, result in curves:
            doses, volumes = result.curve(1000)
            covered = result.covered_volume_cc or math.nan
            for dose, volume in zip(doses, volumes, strict=True):
                writer.writerow([name, f"{dose:.5f}", f"{volume:.6f}",
                                 f"{100.0 * volume / covered:.5f}"])  # fmt: skip


def _render_dvh(payload: dict[str, Any]) -> str:
    lines = [
        f"{'structure':24s} {'volume cc':>10s} {'Dmin':>8s} {'Dmean':>8s} {'Dmax':>8s}  metrics"
    ]
    for row in payload["structures"]:
        metrics = ", ".join(
            f"{k} = {'n/a' if v is None else f'{v:.3f}'}" for k, v in row["metrics"].items()
        )
        lines.append(
            f"{row['name'][:24]:24s} {row['volume_cc']:10.2f} {row['dmin_gy']:8.2f} "
            f"{row['dmean_gy']:8.2f} {row['dmax_gy']:8.2f}  {metrics}"
        )
    lines.extend(f"warning: {w}" for w in payload["warnings"])
    return "\n".join(lines)


def evaluate(
    case_dir: Annotated[
        Path | None,
        typer.Argument(help="Case folder (patient.json + DICOM), instead of the file options."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder for the report.")] = Path(
        "evaluation"
    ),
    rtstruct: Annotated[Path | None, typer.Option("--rtstruct", help="RTSTRUCT file.")] = None,
    rtdose: Annotated[
        list[Path] | None, typer.Option("--rtdose", help="RTDOSE file(s); several are summed.")
    ] = None,
    rtplan: Annotated[Path | None, typer.Option("--rtplan", help="RTPLAN file.")] = None,
    ct: Annotated[Path | None, typer.Option("--ct", help="CT series folder.")] = None,
    patient: Annotated[
        Path | None,
        typer.Option("--patient", help="patient.json or FHIR Bundle (Child-Pugh, assessment)."),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option(
            "--protocol",
            help="hcc_conventional, hcc_hypofractionated_5x10, hcc_sbrt_3fx, hcc_sbrt_5fx or a "
            "protocol .json; default: chosen from the number of fractions.",
        ),
    ] = None,
    technique: Annotated[
        Literal["3dcrt", "imrt", "sbrt"] | None,
        typer.Option(
            "--technique", help="3dcrt, imrt or sbrt (default: RTPLAN).", case_sensitive=False
        ),
    ] = None,
    child_pugh: Annotated[
        Literal["A", "B", "C"] | None,
        typer.Option(
            "--child-pugh", help="Child-Pugh class A/B/C (overrides).", case_sensitive=False
        ),
    ] = None,
    prescription_gy: Annotated[
        float | None,
        typer.Option("--prescription-gy", help="Prescription in Gy.", parser=finite_float),
    ] = None,
    fractions: Annotated[int | None, typer.Option("--fractions", help="Fractions.")] = None,
    relative_unit: Annotated[
        RelativeUnit | None,
        typer.Option("--relative-unit", help="For RELATIVE dose: percent/fraction."),
    ] = None,
    between_planes: BetweenPlanesOption = "slab",
    output_format: FormatOption = OutputFormat.text,
    course: Annotated[
        Path | None,
        typer.Option(
            "--course",
            help="Patient course JSON (docs/course-schema.json) with earlier RT courses: the "
            "normal-liver mean limit is also applied to the cumulative EQD2 (re-irradiation).",
        ),
    ] = None,
    liver_alpha_beta_gy: Annotated[
        float,
        typer.Option(
            "--liver-alpha-beta-gy",
            help="With --course: normal-liver α/β in Gy for the EQD2 sum (default 8).",
            parser=finite_float,
        ),
    ] = 8.0,
) -> None:
    """Evaluate a plan against an HCC protocol and write evaluation.json, report.html/.pdf."""
    from hccrt.cli._progress import command_progress
    from hccrt.dicom.identity import case_identity
    from hccrt.dvh.sampling import DvhSettings
    from hccrt.evaluation import PlanFiles, evaluate_files, files_from_case
    from hccrt.evaluation.inputs import ct_paths
    from hccrt.report import write_report

    settings = DvhSettings(between_planes=between_planes)
    if case_dir is not None:
        files = files_from_case(case_dir)
        if patient is not None:
            files = PlanFiles(files.rtstruct, files.rtdoses, files.rtplan, files.ct, patient)
    elif rtstruct is not None and rtdose:
        files = PlanFiles(rtstruct, tuple(rtdose), rtplan, ct_paths([ct]) if ct else None, patient)
    else:
        raise InputError(
            "input", "give a CASE_DIR or --rtstruct and --rtdose", None,
            "e.g. hccrt evaluate case/ --out report/",
        )  # fmt: skip
    with command_progress(output_format) as progress:
        progress.stage("reading the DICOM and evaluating the plan", 1, 2)
        evaluation, ct_series = evaluate_files(
            files,
            protocol=protocol,
            technique=technique,
            prescription_gy=prescription_gy,
            fractions=fractions,
            child_pugh_class=child_pugh,
            relative_unit=relative_unit,
            settings=settings,
            course=course,
            liver_alpha_beta_gy=liver_alpha_beta_gy,
        )
        progress.stage("writing the report", 2, 2)
        identity = case_identity(files.ct, files.rtstruct, files.rtplan)
        written = write_report(evaluation, out, ct=ct_series, identity=identity)
    payload = evaluation.to_json()
    summary = {
        "verdict": payload["verdict"],
        "verdict_reasons": payload["verdict_reasons"],
        "protocol": payload["protocol"]["id"],
        "recommendations": payload["recommendations"],
        "out_dir": str(out),
        "files": {k: str(v) for k, v in written.items()},
        "warnings": payload["warnings"],
    }
    if "cumulative_liver" in payload:
        summary["cumulative_liver"] = payload["cumulative_liver"]
    emit(summary, output_format, _render_evaluation)


def _render_evaluation(payload: dict[str, Any]) -> str:
    lines = [f"verdict: {payload['verdict'].upper()} (protocol {payload['protocol']})"]
    lines.extend(f"  - {r}" for r in payload["verdict_reasons"])
    lines.extend(f"recommendation: {r}" for r in payload["recommendations"])
    cumulative = payload.get("cumulative_liver")
    if cumulative is not None:
        lines.append(
            f"cumulative normal-liver EQD2 (α/β {cumulative['alpha_beta_gy']:g} Gy): "
            f"{cumulative['cumulative_mean_eqd2_gy']} Gy ({cumulative['status']}; this plan "
            f"alone {cumulative['plan_mean_eqd2_gy']} Gy EQD2, {cumulative['plan_mean_gy']} Gy)"
        )
    lines.append(f"report: {payload['files']['report_html']} and {payload['files']['report_pdf']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``dvh`` and ``evaluate`` to the ``hccrt`` app."""
    app.command("dvh")(dvh)
    app.command("evaluate")(evaluate)
