"""Planning benchmark: hccrt vs pyRadPlan 0.5.0 on the AAPM TG-119 C-shape phantom.

Same phantom (``../shared/data/tg119/TG119.mat``), 9 equispaced coplanar beams (0-320 deg),
5 mm beamlets, 3 mm dose grid, prescription 50 Gy to OuterTarget. Each tool runs in its own
process (peak memory = the process's peak resident set size):

* hccrt: dose influence (:func:`hccrt.planning.dij.compute_dose_influence`) and IMRT
  optimisation with hard Core constraints (max <= 22.5 Gy, mean <= 13 Gy; coverage goal
  V95 >= 99.9 % on the dose grid);
* pyRadPlan 0.5.0 in its own venv (``.bench/pyradplan``, pydantic==2.12.5, created here):
  ``calc_dose_influence`` (photon SVD pencil beam) and ``fluence_optimization`` with squared
  objectives (no hard constraints exist in pyRadPlan), then the same metrics.

Same beamlets: pyRadPlan's ``generate_stf`` runs first (its own process); hccrt takes its
isocentre and its rays as beamlets (column ``j`` of both matrices is the same 5 mm beamlet, ray
order kept), so a weight vector means the same fluence to both engines and no mapping or
interpolation is involved. Both optimised fluences are compared unsequenced (pyRadPlan has no
leaf sequencing; pyRadPlan's ray lattice is centred on the isocentre, so its beamlets straddle
hccrt's leaf boundaries and hccrt's sequencer is not run here).

Dose agreement: hccrt's optimised weights recomputed by pyRadPlan's engine, scaled to the same
mean OuterTarget dose (different absolute calibrations), and compared with hccrt's dose by a
global 3 %/3 mm gamma (10 % low-dose threshold) written here; the same for open 6 x 6 cm²
fields (identical weights on identical beamlets).

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
    from hccrt.planning.beams import Beam
    from hccrt.planning.dij import compute_dose_influence
    from hccrt.planning.hu_density import HuDensityTable
    from hccrt.planning.imrt import optimise_imrt
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
    stf = np.load(out / "stf.npz")
    iso = tuple(float(v) for v in stf["iso"])
    beams = tuple(Beam(g, iso, name=f"G{g:g}") for g in GANTRY)
    bixels = _same_bixels(beams, stf)
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
    weights = np.asarray(result.weights_mu, dtype=np.float64)
    dose_grid_gy = dij.dose_gy(weights)
    open_weights = _open_weights(bixels)
    open_grid_gy = dij.dose_gy(open_weights)
    dij_nnz, dij_mb = int(dij.operator.near.nnz), dij.operator.nbytes / 1e6
    del dij, problem
    dose_ct = _resample(dose_grid_gy, dose_grid, grid, order=1)
    open_ct = _resample(open_grid_gy, dose_grid, grid, 1)
    np.savez_compressed(
        out / "hccrt.npz",
        dose_ct=dose_ct.astype(np.float32),
        open_ct=open_ct.astype(np.float32),
        weights=weights,
        open_weights=open_weights,
    )
    return {
        "dij_s": t_dij,
        "opt_s": t_opt,
        "peak_gb": _peak_gb(),
        "beamlets": bixels.count,
        "dij_nnz": dij_nnz,
        "dij_mb": dij_mb,
        "iterations": result.iterations,
        "metrics": _metrics(dose_ct, masks),
    }


def _same_bixels(beams: tuple[Any, ...], stf: Any) -> Any:
    """hccrt beamlets at pyRadPlan's rays, in pyRadPlan's order (one column per ray).

    Beams are matched by source direction; each ray's offset from the isocentre is projected
    on the beam's lateral axes and snapped to the 5 mm lattice (it lies on it to < 1e-6 mm).
    """
    from hccrt.planning.dij import Bixels

    beam_index, us, vs = [], [], []
    for b, beam in enumerate(beams):
        cosine = float(beam.axes[2] @ stf["direction"][b])
        if abs(abs(cosine) - 1.0) > 1e-6:
            raise RuntimeError(f"beam {b}: pyRadPlan's beam direction differs (cos {cosine})")
        rays = stf["ray_pos"][stf["beam"] == b]
        u, v = rays @ beam.axes[0], rays @ beam.axes[1]
        snapped_u, snapped_v = np.rint(u / 5.0) * 5.0, np.rint(v / 5.0) * 5.0
        if max(np.abs(u - snapped_u).max(), np.abs(v - snapped_v).max()) > 1e-3:
            raise RuntimeError(f"beam {b}: pyRadPlan's rays are not on a 5 mm lattice")
        beam_index.append(np.full(rays.shape[0], b))
        us.append(snapped_u)
        vs.append(snapped_v)
    return Bixels(np.concatenate(beam_index), np.concatenate(us), np.concatenate(vs), 5.0)


def _open_weights(bixels: Any) -> np.ndarray:
    """Weights (100 per fully open beamlet) of open 60 x 60 mm fields on every beam.

    Each beamlet gets the fraction of its 5 mm square inside the field (the lattice is centred
    on the isocentre, so the edge rows are half inside).
    """

    def overlap(c: np.ndarray) -> np.ndarray:
        lo = np.maximum(c - 2.5, -OPEN_HALF_MM)
        hi = np.minimum(c + 2.5, OPEN_HALF_MM)
        return np.clip(hi - lo, 0.0, None) / 5.0

    result: np.ndarray = overlap(bixels.u_mm) * overlap(bixels.v_mm) * 100.0
    return result


def run_stf(out: Path) -> dict[str, Any]:
    """pyRadPlan's beams and rays (pyRadPlan venv), for both engines."""
    from pyRadPlan import PhotonPlan, generate_stf
    from pyRadPlan.io import load_patient

    ct, cst = load_patient(TG119)
    stf = generate_stf(ct, cst, _pyradplan_plan())
    isos = np.array([np.asarray(b.iso_center, dtype=float) for b in stf.beams])
    if np.ptp(isos, axis=0).max() > 1e-6:
        raise RuntimeError("pyRadPlan's beams have different isocentres")
    directions = np.array([np.asarray(b.source_point, dtype=float) for b in stf.beams])
    directions /= np.linalg.norm(directions, axis=1)[:, None]
    rays = [np.array([np.asarray(r.ray_pos, dtype=float) for r in b.rays]) for b in stf.beams]
    np.savez(
        out / "stf.npz",
        iso=isos[0],
        direction=directions,
        ray_pos=np.concatenate(rays),
        beam=np.concatenate([np.full(len(r), b) for b, r in enumerate(rays)]),
    )
    del PhotonPlan
    return {"rays": int(sum(len(r) for r in rays))}


def _pyradplan_plan() -> Any:
    from pyRadPlan import PhotonPlan

    pln = PhotonPlan(machine="Generic")
    pln.prop_stf = {"gantry_angles": np.array(GANTRY), "couch_angles": np.zeros(len(GANTRY))}
    pln.prop_dose_calc = {"dose_grid": {"resolution": {"x": 3.0, "y": 3.0, "z": 3.0}}}
    return pln


def run_pyradplan(out: Path) -> dict[str, Any]:
    """pyRadPlan side (runs in the pyRadPlan venv; no hccrt import here)."""
    import scipy.io as sio
    from pyRadPlan import calc_dose_influence, fluence_optimization, generate_stf
    from pyRadPlan.io import load_patient
    from pyRadPlan.optimization.objectives import MeanDose, SquaredDeviation, SquaredOverdosing

    ct, cst = load_patient(TG119)
    pln = _pyradplan_plan()
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
    if int(dij.total_num_of_bixels) != ours["weights"].size:
        raise RuntimeError("pyRadPlan's dij and hccrt's weights have different beamlet counts")
    recomputed = _as_zyx(dij.compute_result_ct_grid(ours["weights"])["physical_dose"])
    open_field = _as_zyx(dij.compute_result_ct_grid(ours["open_weights"])["physical_dose"])
    np.savez_compressed(
        out / "pyradplan.npz", own=own, recomputed=recomputed, open_field=open_field
    )
    masks = _tg119_masks(sio.loadmat(TG119, simplify_cells=True))
    return {
        "dij_s": t_dij,
        "opt_s": t_opt,
        "peak_gb": _peak_gb(),
        "beamlets": int(sum(len(b.rays) for b in stf.beams)),
        "metrics": _metrics(own, masks),
    }


def _as_zyx(image: Any) -> np.ndarray:
    if hasattr(image, "GetSize"):
        import SimpleITK as sitk

        return np.asarray(sitk.GetArrayFromImage(image), dtype=np.float32)
    array = np.asarray(image, dtype=np.float32)
    return np.ascontiguousarray(np.transpose(array, (2, 0, 1)))


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
    # pyRadPlan's rays are the beamlets of both engines: without pyRadPlan nothing is compared.
    python = _ensure_venv()
    rays = _child(python, "--stf", out)
    ours = _child(Path(sys.executable), "--hccrt", out)
    peer: dict[str, Any] | None = None
    peer_error = ""
    try:
        peer = _child(python, "--pyradplan", out)
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
    print(
        f"\nSame beamlets: {ours['beamlets']} (pyRadPlan's {rays['rays']} rays). hccrt: "
        f"{ours['dij_nnz']} near-field entries ({ours['dij_mb']:.0f} MB with far-scatter "
        f"operators), {ours['iterations']} L-BFGS-B iterations"
    )
    print("\n| plan (50 Gy) | OuterTarget V95 (%) | D95 (Gy) | Core mean (Gy) | Core max (Gy) |")
    print("|---|---|---|---|---|")
    rows = [("hccrt, optimised fluence (not sequenced)", ours["metrics"])]
    if peer:
        rows.append(("pyRadPlan, optimised fluence (own objectives)", peer["metrics"]))
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
        f"hccrt's weights on the same beamlets: {rate:.1f} % of {count} voxels pass (pyRadPlan "
        f"dose scaled by {scale:.3f} to the same mean OuterTarget dose)."
    )
    mine_open = np.load(out / "hccrt.npz")["open_ct"]
    other_open = np.load(out / "pyradplan.npz")["open_field"]
    scale_open = float(mine_open.max() / max(float(other_open.max()), 1e-9))
    rate_open, count_open = gamma_pass_rate(mine_open, other_open * scale_open, spacing)
    print(
        f"Gamma 3 %/3 mm, open 6 x 6 cm fields on the 9 beams (same fluence, no modulation): "
        f"{rate_open:.1f} % of {count_open} voxels pass (pyRadPlan scaled by {scale_open:.4f} "
        f"to the same maximum)."
    )


if __name__ == "__main__":
    RUNNERS = {"--hccrt": run_hccrt, "--pyradplan": run_pyradplan, "--stf": run_stf}
    if len(sys.argv) == 3 and sys.argv[1] in RUNNERS:
        print(json.dumps(RUNNERS[sys.argv[1]](Path(sys.argv[2]))))
    else:
        main()
