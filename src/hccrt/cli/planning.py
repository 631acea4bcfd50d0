"""``hccrt plan``: automatic 3DCRT-first / IMRT-if-needed planning of a case folder (seed 000).

JSON keys (contract): ``chosen_technique``, ``reason``, ``infeasibility``, ``prescription_gy``,
``fractions``, ``target``, ``isocenter_mm``, ``notes``, ``timings_s``, ``dose_grid``,
``plans`` (technique, passes, total_mu, mu_per_fraction, files, beams), ``seconds_total``,
``report``, ``report_error``, ``protocol``, ``rtstruct`` (file name of the structure set with
the built PTV, empty when none was built), ``evaluation`` (plans side by side: passes,
protocol_verdict, protocol_reasons, coverage_pct, target_metrics, constraints, quality
(acceptable, metrics: ci_rtog, paddick_ci, r50, d2cm_pct, max_outside_ptv_pct, entrance_max_pct,
v105_outside_pct_of_ptv; checks with limit and source; table), ntcp (list,
from the protocol evaluation), protocol_evaluation, dvh); with ``--isotoxic`` also ``isotoxic``
(chosen_dose_gy, reason, criterion, levels with predicted and planned liver mean / NTCP, source).
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from hccrt.cli._input import finite_float, number_list
from hccrt.cli.output import FormatOption, OutputFormat, emit


class TechniqueChoice(enum.StrEnum):
    """Planning technique."""

    auto = "auto"
    three_d = "3dcrt"
    imrt = "imrt"
    vmat = "vmat"


class FinalDoseChoice(enum.StrEnum):
    """Engine of the reported plan dose."""

    collapsed_cone = "collapsed-cone"
    pencil_beam = "pencil-beam"


FinalDoseOption = Annotated[
    FinalDoseChoice,
    typer.Option(
        "--final-dose",
        help="Engine of the reported dose: collapsed-cone (heterogeneity-correct, the engine of "
        "hccrt dose; the plan is renormalised on it) or pencil-beam (the optimiser's dose, "
        "faster; not for signing in lung or gas).",
        case_sensitive=False,
    ),
]
"""``--final-dose`` of ``hccrt plan`` and ``hccrt run``."""


GantryAnglesOption = Annotated[
    str | None,
    typer.Option("--gantry-angles", help="Comma-separated gantry angles in degrees (IEC)."),
]
"""``--gantry-angles`` of ``hccrt plan`` and ``hccrt run``."""

CouchAnglesOption = Annotated[
    str | None,
    typer.Option(
        "--couch-angles",
        help="Couch (patient support) angles in degrees (IEC 61217): one for all beams or one "
        "per gantry angle, comma-separated (default 0). Beams are checked for gantry-head "
        "collisions with the couch and the body.",
    ),
]
"""``--couch-angles`` of ``hccrt plan`` and ``hccrt run``."""

CollimatorAnglesOption = Annotated[
    str | None,
    typer.Option(
        "--collimator-angles",
        help="Collimator angles in degrees (IEC 61217): one for all beams or one per gantry "
        "angle, comma-separated (default 0).",
    ),
]
"""``--collimator-angles`` of ``hccrt plan`` and ``hccrt run``."""


def beam_angles(
    gantry: str | None, couch: str | None, collimator: str | None
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """Gantry, couch and collimator angles of the command line (empty: the defaults).

    Raises
    ------
    InputError
        A part that is not a finite number.
    """
    return (
        number_list(gantry, "--gantry-angles", "0,90,180") if gantry else (),
        number_list(couch, "--couch-angles", "0,0,90 or 10") if couch else (),
        number_list(collimator, "--collimator-angles", "30 or 0,30,330") if collimator else (),
    )


def final_dose_engine(choice: FinalDoseChoice) -> Literal["collapsed_cone", "pencil_beam"]:
    """The library's name of the engine chosen on the command line."""
    return "pencil_beam" if choice is FinalDoseChoice.pencil_beam else "collapsed_cone"


def _render(payload: dict[str, Any]) -> str:
    lines = [
        f"chosen: {payload['chosen_technique']}  ({payload['reason']})",
        f"target {payload['target']}: {payload['prescription_gy']:g} Gy in "
        f"{payload['fractions']} fractions; total {payload['seconds_total']:.1f} s",
        f"dose: {payload['final_dose']['description']}",
    ]
    lines += [f"note: {n}" for n in payload["notes"]]
    for plan in payload["evaluation"]["plans"]:
        m = plan["target_metrics"]
        estimates = [n for n in plan["ntcp"] if n.get("ntcp_percent") is not None]
        ntcp = f"{estimates[0]['ntcp_percent']:.1f} %" if estimates else "insufficient data"
        lines.append(
            f"\n{plan['technique']}: {'PASS' if plan['passes'] else 'FAIL'}  coverage "
            f"{plan['coverage_pct']:.1f} % (goal {plan['coverage_goal_pct']:g} %), "
            f"D95 {m['D95_gy']:.1f} Gy, D2 {m['D2_gy']:.1f} Gy, "
            f"NTCP(RILD) {ntcp}; protocol: {plan['protocol_verdict']}"
        )
        lines += [f"  protocol: {r}" for r in plan["protocol_reasons"]]
        if len(plan.get("targets", ())) > 1:
            lines.append("  targets: " + ", ".join(
                f"{t['structure']} {t['coverage_pct']:.1f} % >= {t['prescription_gy']:g} Gy "
                f"({'ok' if t['met'] else 'FAIL'}, goal {t['goal_pct']:g} %)"
                for t in plan["targets"]
            ))  # fmt: skip
        quality = plan.get("quality")
        if quality:
            q = quality["metrics"]
            lines.append(
                f"  quality: CI(RTOG) {q['ci_rtog']:.2f}, Paddick {q['paddick_ci']:.2f}, "
                f"R50 {q['r50']:.1f}, D2cm {q['d2cm_pct']:.0f} %, max outside PTV "
                f"{q['max_outside_ptv_pct']:.0f} %, entrance {q['entrance_max_pct']:.0f} %"
            )
            for c in quality["checks"]:
                mark = "ok  " if c["met"] else "FAIL"
                lines.append(f"  {mark} {c['name']}: {c['value']:.3g} (limit {c['limit']:.3g})")
        for c in plan["constraints"]:
            mark = "ok  " if c["met"] else "FAIL"
            lines.append(f"  {mark} {c['label']}: {c['value']:.2f} {c['unit']}  [{c['source']}]")
    if payload["report_error"]:
        lines.append(f"\n{payload['report_error']}")
    if payload["infeasibility"]:
        lines.append(f"\nIMRT infeasible: {payload['infeasibility']}")
    written = ", ".join(
        f for p in payload["plans"] for f in p["files"].values() if f.endswith("dcm")
    )
    lines.append(f"\nwritten: {written}, plan.json, evaluation.json")
    return "\n".join(lines)


def plan(
    case_dir: Annotated[
        Path, typer.Argument(help="Case folder with the planning CT series and an RTSTRUCT.")
    ],
    fractions: Annotated[int, typer.Option("--fractions", help="Number of fractions (1-60).")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).")],
    prescription_gy: Annotated[
        float | None,
        typer.Option(
            "--prescription-gy",
            help="Whole-course prescription to the PTV (Gy); required unless --isotoxic.",
            parser=finite_float,
        ),
    ] = None,
    prescription: Annotated[
        list[str] | None,
        typer.Option(
            "--prescription",
            metavar="ROI=GY",
            help="Another target with its own prescription, ROI=GY (repeatable, e.g. "
            "PTV_Low=40); without --prescription-gy the highest is the primary target.",
        ),
    ] = None,
    isotoxic: Annotated[
        bool,
        typer.Option(
            "--isotoxic",
            help="Prescribe the highest dose level that meets the normal-liver mean limit (and "
            "--ntcp-max): levels from the seeds' dose series for --fractions, or --dose-levels.",
        ),
    ] = False,
    dose_levels: Annotated[
        str | None,
        typer.Option("--dose-levels", help="Isotoxic dose levels (Gy), e.g. 30,33,36,39."),
    ] = None,
    ntcp_max: Annotated[
        float | None,
        typer.Option(
            "--ntcp-max",
            help="Isotoxic: also keep the LKB NTCP of RILD at most this (%), e.g. 5 or 10.",
            parser=finite_float,
        ),
    ] = None,
    ntcp_parameters: Annotated[
        str,
        typer.Option(
            "--ntcp-parameters", help="LKB parameter set of --ntcp-max (default Dawson 2002)."
        ),
    ] = "dawson2002_primary",
    liver_ntcp_objective: Annotated[
        float | None,
        typer.Option(
            "--liver-ntcp-objective",
            help="IMRT objective: normal-liver LKB NTCP(RILD) at most this (%), Child-Pugh "
            "class's parameters (Tai 2009).",
            parser=finite_float,
        ),
    ] = None,
    liver_geud_objective: Annotated[
        float | None,
        typer.Option(
            "--liver-geud-objective",
            help="IMRT objective: normal-liver gEUD (LQ-converted dose) at most this (Gy).",
            parser=finite_float,
        ),
    ] = None,
    objective_priority: Annotated[
        float,
        typer.Option(
            "--objective-priority",
            help="Weight of the liver objectives (soft); 0 makes them hard constraints.",
            parser=finite_float,
        ),
    ] = 1.0,
    technique: Annotated[
        TechniqueChoice,
        typer.Option(
            "--technique",
            help="auto = 3DCRT first, IMRT only if 3DCRT fails the limits or the plan-quality "
            "criteria (conformity, gradient, hot spots; seed 000); "
            "3dcrt, imrt or vmat (arcs: see --arcs) to force one. VMAT: the default "
            "collapsed-cone final dose computes one direction per 2 deg of arc (about an hour "
            "for two full arcs on 2 cores); plan with --final-dose pencil-beam and recompute "
            "the RTPLAN with hccrt dose.",
            case_sensitive=False,
        ),
    ] = TechniqueChoice.auto,
    arcs: Annotated[
        int,
        typer.Option(
            "--arcs",
            help="With --technique vmat: 1 (181 to 179 deg clockwise) or 2 (and back "
            "counter-clockwise) coplanar full arcs, control points every 4 deg; machine limits "
            "(UNCONFIRMED generic): leaf speed 25 mm/s, gantry 6 deg/s, 600 MU/min, "
            ">= 0.1 MU/deg, leaf travel <= 5 mm/deg.",
        ),
    ] = 2,
    child_pugh: Annotated[
        Literal["A", "B", "C"],
        typer.Option(
            "--child-pugh",
            case_sensitive=False,
            help="Child-Pugh class A or B: mean normal-liver limit 23 Gy (A) / 6 Gy (B), seed 000.",
        ),
    ] = "A",
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Target ROI name; default PTV, else CTV, else PTV built from GTV "
            "(CTV = GTV + 5 mm, PTV = CTV + 6 mm with ABC, seed 000).",
        ),
    ] = None,
    gantry_angles: GantryAnglesOption = None,
    couch_angles: CouchAnglesOption = None,
    collimator_angles: CollimatorAnglesOption = None,
    dose_grid_mm: Annotated[
        float,
        typer.Option(
            "--dose-grid-mm", help="In-plane dose-grid spacing (mm).", parser=finite_float
        ),
    ] = 3.0,
    liver_mean_limit_gy: Annotated[
        float | None,
        typer.Option(
            "--liver-mean-limit-gy",
            help="Override the seed's mean normal-liver limit (Gy).",
            parser=finite_float,
        ),
    ] = None,
    final_dose: FinalDoseOption = FinalDoseChoice.collapsed_cone,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Plan a case: 3DCRT first, IMRT if the dosimetric requirements are not met (seed 000).

    Writes RTPLAN.dcm + RTDOSE.dcm (chosen plan), alternative/ (the other plan), RTSTRUCT.dcm
    (when the PTV was built), plan.json, evaluation.json and report/. Doses in Gy, lengths in mm.
    """
    from hccrt.errors import InputError
    from hccrt.pipeline import (
        DEFAULT_GANTRY_DEG,
        IsotoxicRequest,
        parse_prescriptions,
        plan_case_dir,
    )
    from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, TOTAL_DOSE, check_dose_gy

    prescription_gy, target, extra = parse_prescriptions(
        prescription or (), prescription_gy, target
    )
    search = None
    if isotoxic or dose_levels is not None or ntcp_max is not None:
        if not isotoxic or prescription_gy is not None:
            raise InputError(
                "--isotoxic", "--dose-levels and --ntcp-max need --isotoxic, which replaces "
                "--prescription-gy", prescription_gy, "give either --prescription-gy or --isotoxic",
            )  # fmt: skip
        levels = number_list(dose_levels, "--dose-levels", "30,33,36,39") if dose_levels else None
        search = IsotoxicRequest(levels, ntcp_max, ntcp_parameters)
    elif prescription_gy is None:
        raise InputError(
            "--prescription-gy", "is required", None, "give --prescription-gy or --isotoxic"
        )
    if prescription_gy is not None:
        check_dose_gy("--prescription-gy", prescription_gy, TOTAL_DOSE)  # before reading the case
    if fractions >= 1 and prescription_gy is not None:
        check_dose_gy("--prescription-gy / --fractions", prescription_gy / fractions,
                      DOSE_PER_FRACTION)  # fmt: skip
    gantry, couch, collimator = beam_angles(gantry_angles, couch_angles, collimator_angles)
    angles = gantry or DEFAULT_GANTRY_DEG

    from hccrt.cli._progress import command_progress

    with command_progress(output_format) as progress:
        payload = plan_case_dir(
            case_dir,
            out,
            prescription_gy,
            fractions,
            technique=technique.value,
            child_pugh_class=child_pugh,
            target=target,
            gantry_deg=angles,
            dose_spacing_mm=dose_grid_mm,
            normal_liver_mean_gy=liver_mean_limit_gy,
            progress=progress,
            final_dose=final_dose_engine(final_dose),
            isotoxic=search,
            prescriptions=extra,
            liver_ntcp_objective_pct=liver_ntcp_objective,
            liver_geud_objective_gy=liver_geud_objective,
            objective_priority=objective_priority or None,
            couch_deg=couch,
            collimator_deg=collimator,
            arcs=arcs,
        )
    emit(payload, output_format, _render)


def register(app: typer.Typer) -> None:
    """Add ``plan`` to the ``hccrt`` app."""
    app.command("plan")(plan)
