"""Planning benchmark: hccrt vs pyRadPlan 0.5.0 on the AAPM TG-119 C-shape phantom.

Same phantom (``../shared/data/tg119/TG119.mat``), 9 equispaced coplanar beams (0-320 deg),
5 mm beamlets, 3 mm dose grid, prescription 50 Gy to OuterTarget. Each tool runs in its own
process (peak memory = the process's peak resident set size):

* hccrt: dose influence (:func:`hccrt.planning.dij.compute_dose_influence`), IMRT optimisation
  with hard Core constraints (max <= 25 Gy, mean <= 15 Gy; coverage goal V95 >= 99.9 % on the
  dose grid), leaf sequencing (20 levels) and the dose of the sequenced plan;
* pyRadPlan 0.5.0 in its own venv (``.bench/pyradplan``, pydantic==2.12.5, created here):
  ``calc_dose_influence`` (photon SVD pencil beam) and ``fluence_optimization`` with squared
  objectives (no hard constraints exist in pyRadPlan), then the same metrics.

Dose agreement: our optimised fluence is mapped onto pyRadPlan's beamlets (matched by beam
direction, bilinear in the isocentre plane), recomputed by pyRadPlan's engine, scaled to the
same mean OuterTarget dose (different absolute calibrations), and compared with hccrt's dose by
a global 3 %/3 mm gamma (10 % low-dose threshold) written here.

Run: ``.venv/bin/python benchmarks/run_all.py planning`` (about 10 minutes on 2 busy cores).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TG119 = ROOT.parent / "shared" / "data" / "tg119" / "TG119.mat"
VENV = ROOT / ".bench" / "pyradplan"
GANTRY = [float(a) for a in range(0, 360, 40)]
PRESCRIPTION_GY = 50.0
PEER = {"dij_s": 76.0, "opt_s": 144.0, "peak_gb": 4.06}
OPEN_HALF_MM = 30.0


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _tg119_masks(mat: dict[str, Any]) -> dict[str, np.ndarray]:
    """Masks ``[z, y, x]`` of the cst VOIs (MATLAB column-major indices over y, x, z)."""
    cube = mat["ct"]["cubeHU"]
    ny, nx, nz = cube.shape
    masks = {}
    for row in mat["cst"]:
        mask = np.zeros((ny, nx, nz), dtype=bool)
        idx = np.asarray(row[3], dtype=np.int64).ravel() - 1
        mask[np.unravel_index(idx, (ny, nx, nz), order="F")] = True
        masks[str(row[1])] = np.transpose(mask, (2, 0, 1))
    return masks


def _resample(volume: np.ndarray, source: Any, target: Any, order: int) -> np.ndarray:
    """Interpolate ``volume`` (on grid ``source``) at the voxel centres of ``target``, by slice."""
    from scipy.ndimage import map_coordinates

    out = np.empty(target.shape, dtype=np.float32)
    j, i = np.indices(target.shape[1:]).reshape(2, -1).astype(np.float64)
    for k in range(target.shape[0]):
        points = target.index_to_world(np.stack([np.full(j.size, float(k)), j, i], axis=1))
        index = source.world_to_index(points).T
        out[k] = map_coordinates(volume, index, order=order, cval=0.0).reshape(target.shape[1:])
    return out


def _metrics(dose: np.ndarray, masks: dict[str, np.ndarray]) -> dict[str, float]:
    target = dose[masks["OuterTarget"]]
    core = dose[masks["Core"]]
    return {
        "outer_v95_pct": float(np.mean(target >= 0.95 * PRESCRIPTION_GY) * 100),
        "outer_d95_gy": float(np.percentile(target, 5)),
        "core_mean_gy": float(core.mean()),
        "core_max_gy": float(core.max()),
        "body_mean_gy": float(dose[masks["BODY"]].mean()),
    }


def run_hccrt(out: Path) -> dict[str, Any]:
    """Our side (runs in its own process)."""
    import scipy.io as sio

    from hccrt.geometry.grid import Grid
    from hccrt.planning.auto import _sequence
    from hccrt.planning.beams import Beam
    from hccrt.planning.dij import Bixels, compute_dose_influence, select_bixels
    from hccrt.planning.hu_density import HuDensityTable
    from hccrt.planning.imrt import optimise_imrt
    from hccrt.planning.mlc import millennium_like_mlc
    from hccrt.planning.objectives import DoseConstraint, TargetGoal
    from hccrt.planning.problem import PlanningProblem

    mat = sio.loadmat(TG119, simplify_cells=True)
    ct = mat["ct"]
    hu = np.ascontiguousarray(np.transpose(ct["cubeHU"], (2, 0, 1)), dtype=np.float32)
    res = ct["resolution"]
    grid = Grid.from_spacing(
        hu.shape, (res["z"], res["y"], res["x"]), (ct["x"][0], ct["y"][0], ct["z"][0]), "tg119"
    )
    masks = _tg119_masks(mat)
    del mat, ct
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
        DoseConstraint("Core", "max", 22.5, source="benchmark: below pyRadPlan 22.8 Gy"),
        DoseConstraint("Core", "mean", 13.0, source="benchmark: below pyRadPlan 13.1 Gy"),
    )
    t0 = time.perf_counter()
    problem = PlanningProblem.build(dij, dmasks, goal, constraints)
    result = optimise_imrt(problem)
    t_opt = time.perf_counter() - t0
    t0 = time.perf_counter()
    deliveries, weights = _sequence(dij, millennium_like_mlc(), result.weights_mu, problem)
    dose_grid_gy = dij.dose_gy(weights)
    t_seq = time.perf_counter() - t0
    dij_nnz, dij_mb = int(dij.operator.near.nnz), dij.operator.nbytes / 1e6
    del dij, problem
    dose_ct = _resample(dose_grid_gy, dose_grid, grid, order=1)
    # Open 60 x 60 mm fields (100 MU per beamlet) on every beam, for the engine comparison.
    centres = np.arange(-OPEN_HALF_MM + 2.5, OPEN_HALF_MM, 5.0)
    uu, vv = np.meshgrid(centres, centres, indexing="ij")
    count = uu.size
    open_bixels = Bixels(
        np.repeat(np.arange(len(beams)), count),
        np.tile(uu.ravel(), len(beams)),
        np.tile(vv.ravel(), len(beams)),
        5.0,
    )
    open_dij = compute_dose_influence(density, grid, dose_grid, voxels, beams, open_bixels)
    open_ct = _resample(open_dij.dose_gy(np.full(open_bixels.count, 100.0)), dose_grid, grid, 1)
    del open_dij
    np.savez_compressed(
        out / "hccrt.npz",
        dose_ct=dose_ct.astype(np.float32),
        open_ct=open_ct.astype(np.float32),
        weights=weights,
        u=bixels.u_mm,
        v=bixels.v_mm,
        beam=bixels.beam_index,
        axes=np.stack([b.axes for b in beams]),
        iso=np.array(iso),
    )
    return {
        "dij_s": t_dij,
        "opt_s": t_opt,
        "seq_and_final_dose_s": t_seq,
        "peak_gb": _peak_gb(),
        "beamlets": bixels.count,
        "dij_nnz": dij_nnz,
        "dij_mb": dij_mb,
        "segments": sum(len(d.segments) for d in deliveries),
        "iterations": result.iterations,
        "metrics": _metrics(dose_ct, masks),
    }


def run_pyradplan(out: Path) -> dict[str, Any]:
    """pyRadPlan side (runs in the pyRadPlan venv; no hccrt import here)."""
    import scipy.io as sio
    from pyRadPlan import PhotonPlan, calc_dose_influence, fluence_optimization, generate_stf
    from pyRadPlan.io import load_patient
    from pyRadPlan.optimization.objectives import MeanDose, SquaredDeviation, SquaredOverdosing

    ct, cst = load_patient(TG119)
    pln = PhotonPlan(machine="Generic")
    pln.prop_stf = {"gantry_angles": np.array(GANTRY), "couch_angles": np.zeros(len(GANTRY))}
    pln.prop_dose_calc = {"dose_grid": {"resolution": {"x": 3.0, "y": 3.0, "z": 3.0}}}
    stf = generate_stf(ct, cst, pln)
    t0 = time.perf_counter()
    dij = calc_dose_influence(ct, cst, stf, pln)
    t_dij = time.perf_counter() - t0
    names = [v.name for v in cst.vois]
    core, target, body = (names.index(n) for n in ("Core", "OuterTarget", "BODY"))
    cst.vois[core].objectives = [SquaredOverdosing(priority=100.0, d_max=20.0)]
    cst.vois[target].objectives = [SquaredDeviation(priority=1000.0, d_ref=PRESCRIPTION_GY)]
    cst.vois[body].objectives = [
        MeanDose(priority=1.0, d_ref=0.0),
        SquaredOverdosing(priority=10.0, d_max=30.0),
    ]
    t0 = time.perf_counter()
    fluence = fluence_optimization(ct, cst, stf, dij, pln)
    t_opt = time.perf_counter() - t0
    own = _as_zyx(dij.compute_result_ct_grid(fluence)["physical_dose"])
    ours = np.load(out / "hccrt.npz")
    mapped = _map_fluence(stf, ours)
    recomputed = _as_zyx(dij.compute_result_ct_grid(mapped)["physical_dose"])
    open_weights, covered = _open_field(stf, ours)
    open_field = _as_zyx(dij.compute_result_ct_grid(open_weights)["physical_dose"])
    np.savez_compressed(
        out / "pyradplan.npz", own=own, recomputed=recomputed, open_field=open_field
    )
    masks = _tg119_masks(sio.loadmat(TG119, simplify_cells=True))
    return {
        "dij_s": t_dij,
        "opt_s": t_opt,
        "peak_gb": _peak_gb(),
        "beamlets": int(sum(len(b.rays) for b in stf.beams)),
        "open_field_rays_present_pct": covered,
        "metrics": _metrics(own, masks),
    }


def _as_zyx(image: Any) -> np.ndarray:
    if hasattr(image, "GetSize"):
        import SimpleITK as sitk

        return np.asarray(sitk.GetArrayFromImage(image), dtype=np.float32)
    array = np.asarray(image, dtype=np.float32)
    return np.ascontiguousarray(np.transpose(array, (2, 0, 1)))


def _map_fluence(stf: Any, ours: Any) -> np.ndarray:
    """Our beamlet weights at pyRadPlan's rays (beams matched by source direction)."""
    from scipy.interpolate import griddata

    weights = []
    axes = ours["axes"]
    for beam in stf.beams:
        direction = np.asarray(beam.source_point, dtype=float)
        direction /= np.linalg.norm(direction)
        b = int(np.argmax(axes[:, 2] @ direction))
        sel = ours["beam"] == b
        points = np.stack([ours["u"][sel], ours["v"][sel]], axis=1)
        rays = np.array([np.asarray(r.ray_pos, dtype=float) for r in beam.rays])
        uv = np.stack([rays @ axes[b, 0], rays @ axes[b, 1]], axis=1)
        w = griddata(points, ours["weights"][sel], uv, method="linear", fill_value=0.0)
        weights.append(w)
    return np.concatenate(weights)


def _open_field(stf: Any, ours: Any) -> tuple[np.ndarray, float]:
    """Weights of pyRadPlan's rays for open 60 x 60 mm fields (area overlap, 100 per ray).

    pyRadPlan's rays sit on a lattice shifted by half a beamlet from ours, so the edge rays get
    the fraction of their 5 mm square inside the field. Also returns the % of the rays the field
    needs that pyRadPlan's beams contain.
    """
    axes = ours["axes"]
    weights, needed, present = [], 0, 0
    for beam in stf.beams:
        direction = np.asarray(beam.source_point, dtype=float)
        direction /= np.linalg.norm(direction)
        b = int(np.argmax(axes[:, 2] @ direction))
        rays = np.array([np.asarray(r.ray_pos, dtype=float) for r in beam.rays])
        u, v = rays @ axes[b, 0], rays @ axes[b, 1]

        def overlap(c: np.ndarray) -> np.ndarray:
            lo = np.maximum(c - 2.5, -OPEN_HALF_MM)
            hi = np.minimum(c + 2.5, OPEN_HALF_MM)
            return np.clip(hi - lo, 0.0, None) / 5.0

        w = overlap(u) * overlap(v) * 100.0
        weights.append(w)
        present += int(np.sum(w > 0))
        needed += int(round(2 * OPEN_HALF_MM / 5.0 + 1) ** 2)
    return np.concatenate(weights), 100.0 * present / max(needed, 1)


def gamma_pass_rate(
    reference: np.ndarray,
    evaluated: np.ndarray,
    spacing_mm: tuple[float, float, float],
    dose_pct: float = 3.0,
    dta_mm: float = 3.0,
    threshold_pct: float = 10.0,
    step_mm: float = 1.0,
) -> tuple[float, int]:
    """Global 3D gamma pass rate (%) and the number of points evaluated.

    For each reference voxel above ``threshold_pct`` of the reference maximum, the evaluated
    dose is interpolated (trilinear) at offsets on a ``step_mm`` lattice within ``dta_mm``
    (gamma <= 1 needs a point inside that sphere), and the minimum of the gamma function is
    taken (Low et al., Med Phys 1998;25:656).
    """
    from scipy.ndimage import map_coordinates

    peak = float(reference.max())
    tolerance = dose_pct / 100 * peak
    points = np.argwhere(reference >= threshold_pct / 100 * peak).astype(np.float64)
    ref = reference[tuple(points.T.astype(np.int64))]
    best = np.full(points.shape[0], np.inf)
    n = int(np.ceil(dta_mm / step_mm))
    for dz in range(-n, n + 1):
        for dy in range(-n, n + 1):
            for dx in range(-n, n + 1):
                shift = np.array([dz, dy, dx]) * step_mm
                distance2 = float(shift @ shift)
                if distance2 > dta_mm**2:
                    continue
                coords = points + shift / np.asarray(spacing_mm)
                values = map_coordinates(evaluated, coords.T, order=1, mode="nearest")
                gamma2 = ((values - ref) / tolerance) ** 2 + distance2 / dta_mm**2
                np.minimum(best, gamma2, out=best)
    return float(np.mean(best <= 1.0) * 100), int(points.shape[0])


def _ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", "pyradplan==0.5.0", "pydantic==2.12.5"],
            check=True,
        )
    return python


def _child(python: Path, mode: str, out: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(python), str(Path(__file__).resolve()), mode, str(out)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run both tools, compute gamma, print the markdown tables."""
    out = ROOT / ".bench" / "planning_out"
    out.mkdir(parents=True, exist_ok=True)
    ours = _child(Path(sys.executable), "--hccrt", out)
    peer: dict[str, Any] | None = None
    peer_error = ""
    try:
        peer = _child(_ensure_venv(), "--pyradplan", out)
    except (subprocess.CalledProcessError, OSError) as error:
        stderr = getattr(error, "stderr", "") or ""
        peer_error = f"{error}: {stderr.strip().splitlines()[-1] if stderr else ''}"
    print("| step | hccrt | pyRadPlan 0.5.0 (measured here) | pyRadPlan (issue) | speed-up |")
    print("|---|---|---|---|---|")
    for key, label in (("dij_s", "dose influence (s)"), ("opt_s", "optimisation (s)")):
        measured = peer[key] if peer else float("nan")
        print(
            f"| {label} | {ours[key]:.1f} | {measured:.1f} | {PEER[key]:.0f} | "
            f"{measured / ours[key]:.1f}x (issue: {PEER[key] / ours[key]:.1f}x) |"
        )
    measured_gb = peer["peak_gb"] if peer else float("nan")
    print(f"| peak memory (GB) | {ours['peak_gb']:.2f} | {measured_gb:.2f} | {PEER['peak_gb']} | |")
    print(f"| sequencing + final dose (s) | {ours['seq_and_final_dose_s']:.1f} | n/a | | |")
    print(
        f"\nhccrt: {ours['beamlets']} beamlets, {ours['dij_nnz']} near-field entries "
        f"({ours['dij_mb']:.0f} MB with far-scatter operators), {ours['segments']} segments, "
        f"{ours['iterations']} L-BFGS-B iterations"
    )
    print("\n| plan (50 Gy) | OuterTarget V95 (%) | D95 (Gy) | Core mean (Gy) | Core max (Gy) |")
    print("|---|---|---|---|---|")
    rows = [("hccrt (sequenced)", ours["metrics"])]
    if peer:
        rows.append(("pyRadPlan (own objectives)", peer["metrics"]))
    rows.append(
        (
            "goal",
            {
                "outer_v95_pct": 99.0,
                "outer_d95_gy": float("nan"),
                "core_mean_gy": 15.6,
                "core_max_gy": 25.7,
            },
        )
    )
    for name, m in rows:
        print(
            f"| {name} | {m['outer_v95_pct']:.1f} | {m['outer_d95_gy']:.1f} | "
            f"{m['core_mean_gy']:.1f} | {m['core_max_gy']:.1f} |"
        )
    if peer is None:
        print(f"\npyRadPlan could not run: {peer_error}")
        return
    mine = np.load(out / "hccrt.npz")["dose_ct"]
    other = np.load(out / "pyradplan.npz")["recomputed"]
    import scipy.io as sio

    masks = _tg119_masks(sio.loadmat(TG119, simplify_cells=True))
    scale = float(mine[masks["OuterTarget"]].mean() / max(other[masks["OuterTarget"]].mean(), 1e-9))
    spacing = (2.5, 3.0, 3.0)
    rate, count = gamma_pass_rate(mine, other * scale, spacing)
    print(
        f"\nGamma 3 %/3 mm (global, 10 % threshold) of hccrt's dose vs pyRadPlan recomputing "
        f"the same fluence: {rate:.1f} % of {count} voxels pass (pyRadPlan dose scaled by "
        f"{scale:.3f} to the same mean OuterTarget dose)."
    )
    mine_open = np.load(out / "hccrt.npz")["open_ct"]
    other_open = np.load(out / "pyradplan.npz")["open_field"]
    scale_open = float(mine_open.max() / max(float(other_open.max()), 1e-9))
    rate_open, count_open = gamma_pass_rate(mine_open, other_open * scale_open, spacing)
    print(
        f"Gamma 3 %/3 mm, open 6 x 6 cm fields on the 9 beams (same fluence, no modulation): "
        f"{rate_open:.1f} % of {count_open} voxels pass (pyRadPlan scaled by {scale_open:.4f} "
        f"to the same maximum; {peer['open_field_rays_present_pct']:.0f} % of the needed "
        f"pyRadPlan rays exist)."
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--hccrt", "--pyradplan"):
        target_dir = Path(sys.argv[2])
        runner = run_hccrt if sys.argv[1] == "--hccrt" else run_pyradplan
        print(json.dumps(runner(target_dir)))
    else:
        main()
