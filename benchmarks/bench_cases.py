"""Plan-quality table: the six kinds of phantom liver case of issue 13, planned by ``hccrt plan``.

Each case is a ``hccrt phantom`` (512 x 512 CT) planned with ``--technique auto`` and the final
(collapsed-cone) dose (the VMAT row: ``--technique vmat`` and the pencil-beam final dose), in
its own process; plan time is the wall time of ``hccrt plan`` (final
dose, report and DICOM included, phantom generation not). Reported for the chosen plan, from
``hccrt plan --format json`` (the same numbers ``evaluation.json`` holds): PTV V95, D98, D2,
RTOG CI, Paddick CI, R50, D2cm, normal-liver mean, the 700 cc critical-volume value, MU per
fraction and segments.

TG-119 (C-shape, ``../shared/data/tg119/TG119.mat``) is planned in-process like
``bench_planning.py`` (9 beams, IMRT with hard Core limits, 20-level sequencing, dose of the
sequenced plan) with the same metrics on OuterTarget (no liver).

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_cases.py`` (``--only NAME`` for one case;
``--table`` to print the table of the results already in ``.bench/cases``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".bench" / "cases"

# name: (phantom options, plan options)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "3cm-dome-A-45Gy3": (
        ["--tumor-diameter-cm", "3", "--tumor-segment", "8", "--child-pugh", "A"],
        ["--prescription-gy", "45", "--fractions", "3", "--child-pugh", "A"],
    ),
    "3cm-left-A-50Gy5": (
        ["--tumor-diameter-cm", "3", "--tumor-segment", "3", "--child-pugh", "A"],
        ["--prescription-gy", "50", "--fractions", "5", "--child-pugh", "A"],
    ),
    "3cm-dome-B-50Gy5": (
        ["--tumor-diameter-cm", "3", "--tumor-segment", "8", "--child-pugh", "B"],
        ["--prescription-gy", "50", "--fractions", "5", "--child-pugh", "B"],
    ),
    "3cm-left-PVTT-B-50Gy25": (
        [
            "--tumor-diameter-cm",
            "3",
            "--tumor-segment",
            "3",
            "--portal-vein-thrombus",
            "--child-pugh",
            "B",
        ],
        ["--prescription-gy", "50", "--fractions", "25", "--child-pugh", "B"],
    ),
    "9cm-dome-A-50Gy25": (
        ["--tumor-diameter-cm", "9", "--tumor-segment", "8", "--child-pugh", "A"],
        ["--prescription-gy", "50", "--fractions", "25", "--child-pugh", "A"],
    ),
    # a 9 cm tumour with a thrombus fits no chosen segment of the phantom liver: the phantom
    # places it (segment 4, central, next to the portal vein)
    "9cm-central-PVTT-A-50Gy25": (
        [
            "--tumor-diameter-cm",
            "9",
            "--portal-vein-thrombus",
            "--child-pugh",
            "A",
        ],
        ["--prescription-gy", "50", "--fractions", "25", "--child-pugh", "A"],
    ),
    # VMAT (issue 13 item 6): two coplanar full arcs, control points every 4 deg; the pencil-beam
    # final dose (the collapsed cone integrates an arc every 2 deg: 179 directions per arc)
    "3cm-dome-A-45Gy3-VMAT": (
        ["--tumor-diameter-cm", "3", "--tumor-segment", "8", "--child-pugh", "A"],
        [
            "--prescription-gy",
            "45",
            "--fractions",
            "3",
            "--child-pugh",
            "A",
            "--technique",
            "vmat",
            "--arcs",
            "2",
            "--final-dose",
            "pencil-beam",
        ],
    ),
}


def _hccrt() -> list[str]:
    return [sys.executable, "-m", "hccrt"]


def run_case(name: str) -> dict[str, Any]:
    """Make the phantom, plan it, keep the JSON and the wall time."""
    phantom_opts, plan_opts = CASES[name]
    case_dir = WORK / name / "case"
    out_dir = WORK / name / "plan"
    subprocess.run(
        [*_hccrt(), "phantom", "--out", str(case_dir), "--seed", "1", "--force", *phantom_opts],
        check=True,
        capture_output=True,
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [*_hccrt(), "plan", str(case_dir), "--out", str(out_dir), "--format", "json", *plan_opts],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    record: dict[str, Any] = {"name": name, "rc": done.returncode, "wall_s": wall}
    if done.returncode == 0:
        record["plan"] = json.loads(done.stdout)
    else:
        record["error"] = (done.stderr.strip().splitlines() or [""])[-1]
    (WORK / name / "result.json").write_text(json.dumps(record))
    return record


def _dvh_at(dvh: dict[str, list[float]], volume_pct: float) -> float:
    """D_x% (Gy) from a cumulative DVH (linear interpolation)."""
    dose = np.asarray(dvh["dose_gy"])
    volume = np.asarray(dvh["volume_pct"])
    return float(np.interp(-volume_pct, -volume, dose))


def _volume_at(dvh: dict[str, list[float]], dose_gy: float) -> float:
    return float(np.interp(dose_gy, dvh["dose_gy"], dvh["volume_pct"]))


def summarise(record: dict[str, Any]) -> dict[str, Any]:
    """One table row from a ``run_case`` record."""
    row: dict[str, Any] = {"name": record["name"], "wall_s": record["wall_s"]}
    if record.get("rc") != 0:
        row["error"] = record.get("error", "")
        return row
    plan = record["plan"]
    chosen = plan["chosen_technique"]
    evaluation = next(p for p in plan["evaluation"]["plans"] if p["technique"] == chosen)
    target = plan["target"]
    rx = float(plan["prescription_gy"])
    dvh = evaluation["dvh"].get(target)
    quality = (evaluation.get("quality") or {}).get("metrics", {})
    row.update(
        technique=chosen,
        ptv=target,
        v95=_volume_at(dvh, 0.95 * rx) if dvh else float("nan"),
        d98=_dvh_at(dvh, 98.0) if dvh else float("nan"),
        d2=_dvh_at(dvh, 2.0) if dvh else float("nan"),
        rx=rx,
        ci=quality.get("ci_rtog", float("nan")),
        paddick=quality.get("paddick_ci", float("nan")),
        r50=quality.get("r50", float("nan")),
        d2cm=quality.get("d2cm_pct", float("nan")),
    )
    for c in evaluation["constraints"]:
        label = c["label"].lower()
        if "mean" in label and "liver" in (c["structure"] + label).lower():
            row.setdefault("liver_mean", c["value"])
    for c in (evaluation.get("protocol_evaluation") or {}).get("constraints", []):
        if c["metric"].startswith("CV") and "liver" in c["structure"].lower():
            row.setdefault("spared_cc", c["value"])  # the seed's 700 cc critical-volume rule
    entry = next(p for p in plan["plans"] if p["technique"] == chosen)
    row["mu"] = entry.get("mu_per_fraction", entry.get("total_mu"))
    segments = [b.get("segments", 0) for b in entry.get("beams", [])]
    row["segments"] = sum(len(x) if isinstance(x, list) else int(x) for x in segments)
    row["passes"] = evaluation["passes"]
    return row


def run_tg119() -> dict[str, Any]:
    """TG-119 with hccrt's own beamlets, IMRT + sequencing, metrics on OuterTarget."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scipy.io as sio
    from bench_planning import GANTRY, PRESCRIPTION_GY, TG119, _resample, _tg119_masks

    from hccrt.geometry.grid import Grid
    from hccrt.planning.auto import _sequence
    from hccrt.planning.beams import Beam
    from hccrt.planning.dij import compute_dose_influence, select_bixels
    from hccrt.planning.hu_density import HuDensityTable
    from hccrt.planning.imrt import optimise_imrt
    from hccrt.planning.mlc import millennium_like_mlc
    from hccrt.planning.objectives import DoseConstraint, TargetGoal
    from hccrt.planning.problem import PlanningProblem

    t_start = time.perf_counter()
    mat = sio.loadmat(TG119, simplify_cells=True)
    ct = mat["ct"]
    hu = np.ascontiguousarray(np.transpose(ct["cubeHU"], (2, 0, 1)), dtype=np.float32)
    res = ct["resolution"]
    grid = Grid.from_spacing(
        hu.shape, (res["z"], res["y"], res["x"]), (ct["x"][0], ct["y"][0], ct["z"][0]), "tg119"
    )
    masks = _tg119_masks(mat)
    table = HuDensityTable.from_pairs(
        [(-1024, 0.00324), (200, 1.2), (449, 1.2), (2000, 2.49066), (2048, 2.5306), (3071, 2.5306)],
        "TG119.mat ct.hlut",
    )
    density = table(hu)
    bounds = grid.bounds_mm()
    shape = tuple(int((bounds[1, a] - bounds[0, a]) // 3.0) for a in (2, 1, 0))
    dose_grid = Grid.from_spacing(shape, (3.0, 3.0, 3.0), bounds[0] + 1.5, "tg119")
    dmasks = {
        n: _resample(m.astype(np.float32), grid, dose_grid, order=1)
        > (0.25 if n == "OuterTarget" else 0.5)
        for n, m in masks.items()
    }
    target_points = grid.index_to_world(np.argwhere(masks["OuterTarget"]).astype(float))
    iso = tuple(float(v) for v in target_points.mean(axis=0))
    beams = tuple(Beam(g, iso, name=f"G{g:g}") for g in GANTRY)
    bixels = select_bixels(beams, target_points, 5.0, 0.0)
    voxels = np.flatnonzero(dmasks["BODY"].ravel())
    t0 = time.perf_counter()
    dij = compute_dose_influence(density, grid, dose_grid, voxels, beams, bixels)
    t_dij = time.perf_counter() - t0
    goal = TargetGoal("OuterTarget", PRESCRIPTION_GY, 99.9, coverage_dose_fraction=0.95)
    constraints = (
        DoseConstraint("Core", "max", 22.5, source="benchmark (bench_planning.py)"),
        DoseConstraint("Core", "mean", 13.0, source="benchmark (bench_planning.py)"),
    )
    problem = PlanningProblem.build(dij, dmasks, goal, constraints)
    result = optimise_imrt(problem)
    deliveries, weights = _sequence(dij, millennium_like_mlc(), result.weights_mu, problem)
    dose = _resample(dij.dose_gy(weights), dose_grid, grid, order=1)
    wall = time.perf_counter() - t_start
    voxel_cc = float(np.prod(grid.spacing_mm)) / 1000.0
    target = masks["OuterTarget"]
    rx = PRESCRIPTION_GY
    tv = float(target.sum())
    piv = dose >= rx
    tv_piv = float((piv & target).sum())
    values = dose[target]
    body = masks["BODY"]
    from scipy.ndimage import distance_transform_edt

    distance = distance_transform_edt(~target, sampling=grid.spacing_mm)
    far = body & (distance >= 20.0)
    return {
        "name": "TG-119 C-shape (OuterTarget, 50 Gy)",
        "technique": "imrt (forced, as in bench_planning)",
        "wall_s": wall,
        "dij_s": t_dij,
        "v95": float(np.mean(values >= 0.95 * rx) * 100),
        "d98": float(np.percentile(values, 2)),
        "d2": float(np.percentile(values, 98)),
        "rx": rx,
        "ci": float(piv.sum()) / tv,
        "paddick": tv_piv**2 / (tv * float(piv.sum())),
        "r50": float((dose >= 0.5 * rx).sum()) / tv,
        "d2cm": float(dose[far].max()) / rx * 100,
        "liver_mean": float("nan"),
        "spared_cc": float("nan"),
        "mu": sum(d.mu for d in deliveries) / 25.0,  # whole course in 25 fractions
        "segments": sum(len(d.segments) for d in deliveries),
        "passes": None,
        "ptv_cc": tv * voxel_cc,
    }


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the rows."""
    lines = [
        "| case | chosen | PTV V95 (%) | D98 (Gy) | D2 (Gy) | CI (RTOG) | Paddick | R50 | "
        "D2cm (% Rx) | normal-liver mean (Gy) | 700 cc spared (cc) | MU/fx | segments | "
        "plan time (s) |",
        "|" + "---|" * 14,
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['name']} | failed: {r['error']} |" + " |" * 12)
            continue

        def f(key: str, digits: int = 1, r: dict[str, Any] = r) -> str:
            value = r.get(key)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                return "n/a"
            return f"{float(value):.{digits}f}"

        lines.append(
            f"| {r['name']} | {r['technique']} | {f('v95')} | {f('d98')} | {f('d2')} | "
            f"{f('ci', 2)} | {f('paddick', 2)} | {f('r50', 1)} | {f('d2cm')} | "
            f"{f('liver_mean')} | {f('spared_cc', 0)} | {f('mu', 0)} | {r.get('segments')} | "
            f"{f('wall_s', 0)} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the cases (or print the table of the stored results)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="case name (repeatable)")
    parser.add_argument("--table", action="store_true", help="print stored results only")
    args = parser.parse_args()
    names = args.only or [*CASES, "tg119"]
    WORK.mkdir(parents=True, exist_ok=True)
    for name in names if not args.table else []:
        load = os.getloadavg()
        print(f"{time.strftime('%H:%M:%S')} {name} (load {load[0]:.1f})", file=sys.stderr)
        if name == "tg119":
            row = run_tg119()
            row["load"] = load
            (WORK / "tg119.json").write_text(json.dumps(row))
        else:
            record = run_case(name)
            record["load"] = load
            (WORK / name / "result.json").write_text(json.dumps(record))
    rows = []
    for name in [*CASES, "tg119"]:
        if name == "tg119":
            path = WORK / "tg119.json"
            if path.exists():
                rows.append(json.loads(path.read_text()))
        else:
            path = WORK / name / "result.json"
            if path.exists():
                rows.append(summarise(json.loads(path.read_text())))
    print(table(rows))


if __name__ == "__main__":
    main()
