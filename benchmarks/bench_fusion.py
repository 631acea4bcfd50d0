"""Fusion benchmark: rigid CT<->MR TRE (hccrt vs SimpleITK defaults vs elastix default rigid),
deformable TRE and Jacobian, contour propagation of a sphere, lipiodol detection, and rigid
CT<->PET and CT<->CBCT TRE (``hccrt phantom --pet --cbct``; the CBCT also without its
field-of-view mask, to show what the mask does).

Synthetic pairs from ``hccrt phantom --mr`` (known transform: rotations up to 5 deg per axis,
shifts up to 15 mm, MR 1.56 x 1.56 x 4 mm with bias field and Rician noise), whole-trunk and
liver-only fields of view. TRE = distance between the registered and the true CT position of
MR points in the body (every 8th voxel in-plane of every slice, MR signal > 150). Times are wall
clock on this machine with 2 threads; CPU seconds are given too (the machine is shared).

PET TRE points: every 2nd PET voxel in-plane with SUV > 0.2 (the body); CBCT: every 8th voxel
in-plane inside the field-of-view mask with HU > -500.

Usage: ``.venv/bin/python benchmarks/bench_fusion.py [--quick] [--pet-cbct-only]
[--out results.json]``
(elastix is used when ``itk-elastix`` is installed, else reported as not run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from hccrt.dicom import read_ct_series
from hccrt.phantom import PhantomOptions, generate_phantom
from hccrt.phantom.mr import MRTransform
from hccrt.registration import register_rigid
from hccrt.registration.deformable import DeformableSettings, register_deformable
from hccrt.registration.result import transform_points

MATRIX = 256
SLICE_MM = 3.0


def _points(mr: Any) -> np.ndarray:
    k, j, i = np.nonzero(mr.hu[:, ::8, ::8] > 150)
    return mr.grid.index_to_world(np.column_stack([k, j * 8, i * 8]))


def _tre(matrix: np.ndarray, truth: MRTransform, points: np.ndarray) -> dict[str, float]:
    error = np.linalg.norm(transform_points(matrix, points) - truth.mr_to_ct(points), axis=1)
    return {"mean_mm": float(error.mean()), "max_mm": float(error.max())}


def _sitk_default(ct: Any, mr: Any) -> tuple[np.ndarray, float]:
    """SimpleITK out of the box: geometric centring, Mattes MI, plain gradient descent."""
    import SimpleITK as sitk

    from hccrt.registration._sitk import matrix_of, set_threads, to_image

    set_threads(2)
    fixed = to_image(mr.hu, mr.grid)
    moving = to_image(np.clip(ct.hu, -1000, 1500), ct.grid)
    initial = sitk.CenteredTransformInitializer(
        fixed, moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY
    )
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(0.01, 1)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsGradientDescent(learningRate=1.0, numberOfIterations=100)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetInitialTransform(initial, inPlace=True)
    started = time.perf_counter()
    try:
        method.Execute(fixed, moving)
    except RuntimeError:
        return np.full((4, 4), np.nan), time.perf_counter() - started
    return matrix_of(sitk.Euler3DTransform(initial)), time.perf_counter() - started


def _elastix_default(ct: Any, mr: Any) -> tuple[np.ndarray | None, float]:
    """elastix with its default rigid parameter map (MR fixed, CT moving)."""
    try:
        import itk
    except ImportError:
        return None, 0.0

    def image(series: Any, values: np.ndarray) -> Any:
        result = itk.image_from_array(np.ascontiguousarray(values, dtype=np.float32))
        spacing = series.grid.spacing_mm
        result.SetSpacing((spacing[2], spacing[1], spacing[0]))
        result.SetOrigin(series.grid.origin_mm)
        return result

    fixed = image(mr, mr.hu)
    moving = image(ct, np.clip(ct.hu, -1000, 1500))
    parameters = itk.ParameterObject.New()
    parameters.AddParameterMap(parameters.GetDefaultParameterMap("rigid"))
    started = time.perf_counter()
    _, result = itk.elastix_registration_method(
        fixed, moving, parameter_object=parameters, log_to_console=False, number_of_threads=2
    )
    seconds = time.perf_counter() - started
    values = [float(v) for v in result.GetParameter(0, "TransformParameters")]
    centre = [float(v) for v in result.GetParameter(0, "CenterOfRotationPoint")]
    import SimpleITK as sitk

    from hccrt.registration._sitk import matrix_of

    euler = sitk.Euler3DTransform()
    euler.SetCenter(centre)
    euler.SetRotation(*values[:3])
    euler.SetTranslation(values[3:6])
    return matrix_of(euler), seconds


def rigid_cases(root: Path, cases: list[tuple[int, str]]) -> list[dict[str, Any]]:
    rows = []
    for seed, fov in cases:
        out = root / f"rigid_{seed}_{fov}"
        options = PhantomOptions(
            seed=seed,
            matrix_size=MATRIX,
            slice_thickness_mm=SLICE_MM,
            mr=True,
            mr_field_of_view=fov,
            lipiodol=True,
            tumor_count=2,
            tumor_diameter_cm=3.0,
        )
        result = generate_phantom(out, options)
        truth = MRTransform.from_json(json.loads(result.mr_transform_path.read_text()))
        ct, mr = read_ct_series(result.ct_dir), read_ct_series(result.mr_dir)
        points = _points(mr)
        cpu = time.process_time()
        started = time.perf_counter()
        ours = register_rigid(ct, mr)
        row: dict[str, Any] = {
            "seed": seed,
            "fov": fov,
            "rotation_deg": [round(v, 2) for v in truth.rotation_deg],
            "shift_mm": [round(v, 2) for v in truth.shift_mm],
            "hccrt": {
                **_tre(ours.moving_to_fixed, truth, points),
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "iterations": ours.iterations,
            },
        }
        matrix, seconds = _sitk_default(ct, mr)
        row["sitk_default"] = {**_tre(matrix, truth, points), "seconds": seconds}
        elastix, seconds = _elastix_default(ct, mr)
        row["elastix_default"] = (
            None if elastix is None else {**_tre(elastix, truth, points), "seconds": seconds}
        )
        row["lipiodol"] = _lipiodol(result)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _lipiodol(result: Any) -> dict[str, Any]:
    from hccrt.dicom import read_rtstruct
    from hccrt.registration.lipiodol import find_lipiodol

    ct = read_ct_series(result.ct_dir)
    structures = read_rtstruct(result.rtstruct_path)
    report = find_lipiodol(ct, structures.get("Liver"), gtv=structures.get("GTV"))
    deposits = result.summary["lipiodol"]
    found = 0
    for deposit in deposits:
        centre = np.asarray(deposit["center_mm"])
        if any(
            np.linalg.norm(np.asarray(c.centroid_mm) - centre) < deposit["radius_mm"]
            for c in report.candidates
        ):
            found += 1
    matched = sum(
        any(
            np.linalg.norm(np.asarray(c.centroid_mm) - np.asarray(d["center_mm"])) < d["radius_mm"]
            for d in deposits
        )
        for c in report.candidates
    )
    return {
        "deposits": len(deposits),
        "detected": found,
        "false_positives": len(report.candidates) - matched,
        "volume_cc": [round(c.volume_cc, 2) for c in report.candidates],
        "true_volume_cc": [d["volume_cc"] for d in deposits],
    }


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    cpu = time.process_time()
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started, time.process_time() - cpu


def _rigid_row(
    ct: Any, moving: Any, modality: str, truth: MRTransform, points: np.ndarray
) -> dict[str, Any]:
    """TRE, time and iterations of hccrt's rigid registration of ``moving`` onto ``ct``."""
    ours, wall, cpu = _timed(register_rigid, ct, moving, moving_modality=modality)
    return {
        "rotation_deg": [round(v, 2) for v in truth.rotation_deg],
        "shift_mm": [round(v, 2) for v in truth.shift_mm],
        "points": len(points),
        **_tre(ours.moving_to_fixed, truth, points),
        "seconds": wall,
        "cpu_seconds": cpu,
        "iterations": ours.iterations,
    }


def pet_cbct_cases(root: Path, seeds: list[int]) -> list[dict[str, Any]]:
    """Rigid CT<->PET and CT<->CBCT TRE on the benchmark CT (256 x 256, 3 mm slices)."""
    import hccrt.registration.rigid as rigid_module
    from hccrt.phantom.pet import suv_per_bq_ml

    rows = []
    for seed in seeds:
        options = PhantomOptions(
            seed=seed,
            matrix_size=MATRIX,
            slice_thickness_mm=SLICE_MM,
            pet=True,
            cbct=True,
            lipiodol=True,
            tumor_count=2,
            tumor_diameter_cm=3.0,
        )
        result = generate_phantom(root / f"pet_cbct_{seed}", options)
        ct = read_ct_series(result.ct_dir)
        pet, cbct = read_ct_series(result.pet_dir), read_ct_series(result.cbct_dir)
        row: dict[str, Any] = {"seed": seed}
        truth = MRTransform.from_json(json.loads(result.pet_transform_path.read_text()))
        k, j, i = np.nonzero(pet.hu[:, ::2, ::2] > 0.2 / suv_per_bq_ml())
        points = pet.grid.index_to_world(np.column_stack([k, j * 2, i * 2]))
        row["pet"] = _rigid_row(ct, pet, "PT", truth, points)
        truth = MRTransform.from_json(json.loads(result.cbct_transform_path.read_text()))
        fov = rigid_module.field_of_view_mask(cbct)
        assert fov is not None
        k, j, i = np.nonzero(fov[:, ::8, ::8] & (cbct.hu[:, ::8, ::8] > -500))
        points = cbct.grid.index_to_world(np.column_stack([k, j * 8, i * 8]))
        row["cbct"] = _rigid_row(ct, cbct, "CT", truth, points)
        original = rigid_module.field_of_view_mask
        rigid_module.field_of_view_mask = lambda series: None  # the same run without the mask
        try:
            bare, wall, cpu = _timed(register_rigid, ct, cbct, moving_modality="CT")
            row["cbct_without_mask"] = {
                **_tre(bare.moving_to_fixed, truth, points),
                "seconds": wall,
                "cpu_seconds": cpu,
            }
        except rigid_module.RegistrationFailed as error:
            row["cbct_without_mask"] = {"refused": str(error)}
        finally:
            rigid_module.field_of_view_mask = original
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def _pet_cbct_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| Seed | Image | Rotation (°) | Shift (mm) | mean / max TRE (mm) | wall / CPU (s) |"
        " without FOV mask mean / max (mm) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for name in ("pet", "cbct"):
            value = row[name]
            bare = row["cbct_without_mask"] if name == "cbct" else None
            other = "—"
            if bare is not None:
                other = bare.get("refused") or f"{bare['mean_mm']:.2f} / {bare['max_mm']:.2f}"
            lines.append(
                f"| {row['seed']} | {name.upper()} | "
                f"{', '.join(f'{v:.1f}' for v in value['rotation_deg'])} | "
                f"{', '.join(f'{v:.1f}' for v in value['shift_mm'])} | "
                f"{value['mean_mm']:.2f} / {value['max_mm']:.2f} | "
                f"{value['seconds']:.0f} / {value['cpu_seconds']:.1f} | {other} |"
            )
    return "\n".join(lines)


#: the B-spline settings before issue 17 (kept to measure before/after in the same run)
PREVIOUS_DEFORMABLE = DeformableSettings(sampling_fractions=(0.1, 0.02), iterations=40)


def deformable_case(
    root: Path,
    seed: int,
    *,
    matrix: int = MATRIX,
    slice_mm: float = SLICE_MM,
    settings: DeformableSettings | None = None,
    label: str = "current",
) -> dict[str, Any]:
    options = PhantomOptions(
        seed=seed, matrix_size=matrix, slice_thickness_mm=slice_mm, mr=True, mr_deformable=True
    )
    result = generate_phantom(root / f"deformable_{seed}_{matrix}_{label}", options)
    truth = MRTransform.from_json(json.loads(result.mr_transform_path.read_text()))
    ct, mr = read_ct_series(result.ct_dir), read_ct_series(result.mr_dir)
    points = _points(mr)
    started = time.perf_counter()
    cpu = time.process_time()
    rigid = register_rigid(ct, mr)
    rigid_seconds = time.perf_counter() - started
    rigid_cpu = time.process_time() - cpu
    deformed = register_deformable(ct, mr, rigid=rigid, settings=settings)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    back = deformed.fixed_to_moving_points(truth.mr_to_ct(points))
    rigid_back = rigid.fixed_to_moving_points(truth.mr_to_ct(points))
    error = np.linalg.norm(back - points, axis=1)
    rigid_error = np.linalg.norm(rigid_back - points, axis=1)
    row = {
        "seed": seed,
        "matrix": matrix,
        "slice_mm": slice_mm,
        "settings": label,
        "deformation_max_mm": float(np.linalg.norm(truth.displacement_mm(points), axis=1).max()),
        "rigid_only_mean_mm": float(rigid_error.mean()),
        "mean_mm": float(error.mean()),
        "max_mm": float(error.max()),
        "p95_mm": float(np.percentile(error, 95)),
        "jacobian": deformed.jacobian_range,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "bspline_seconds": seconds - rigid_seconds,
        "bspline_cpu_seconds": cpu_seconds - rigid_cpu,
        "bspline_iterations": deformed.iterations - rigid.iterations,
    }
    print(json.dumps(row), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one trunk and one liver pair")
    parser.add_argument("--skip-deformable", action="store_true")
    parser.add_argument(
        "--deformable-only", action="store_true", help="only the deformable cases (no rigid table)"
    )
    parser.add_argument(
        "--deformable-matrix",
        type=int,
        nargs="+",
        default=[128],
        help="CT matrix sizes of the deformable case (128 uses 6 mm slices, as the tests)",
    )
    parser.add_argument(
        "--before", action="store_true", help="also run the pre-issue-17 B-spline settings"
    )
    parser.add_argument(
        "--pet-cbct-only", action="store_true", help="only the PET and CBCT rigid cases"
    )
    parser.add_argument("--skip-pet-cbct", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    cases = (
        [(1, "trunk"), (2, "liver")]
        if args.quick
        else [(1, "trunk"), (2, "trunk"), (4, "liver"), (5, "liver")]
    )
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        results: dict[str, Any] = {}
        if not (args.deformable_only or args.pet_cbct_only):
            results["rigid"] = rigid_cases(root, cases)
        if not (args.skip_pet_cbct or args.deformable_only):
            results["pet_cbct"] = pet_cbct_cases(root, [1] if args.quick else [1, 2, 4])
            print(_pet_cbct_table(results["pet_cbct"]), flush=True)
        if not (args.skip_deformable or args.pet_cbct_only):
            rows = []
            for matrix in args.deformable_matrix:
                slice_mm = 6.0 if matrix <= 128 else SLICE_MM
                if args.before:
                    rows.append(
                        deformable_case(
                            root,
                            1,
                            matrix=matrix,
                            slice_mm=slice_mm,
                            settings=PREVIOUS_DEFORMABLE,
                            label="before",
                        )
                    )
                rows.append(deformable_case(root, 1, matrix=matrix, slice_mm=slice_mm))
            results["deformable"] = rows
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
