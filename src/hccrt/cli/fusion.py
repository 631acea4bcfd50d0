"""``hccrt register``, ``hccrt propagate``, ``hccrt lipiodol``: image fusion for target definition.

JSON keys (a contract):

* register: ``reg, fused_png, kind, moving_to_fixed (4x4, LPS mm, row-major), metric,
  metric_value, initial_metric_value, iterations, seconds, stop_condition, fixed_series_uid,
  moving_series_uid, fixed_frame_uid, moving_frame_uid, jacobian_min, jacobian_max``;
* propagate: ``rtstruct, fused_png, kind, structures[{name, source, volume_cc, contours}]``;
* lipiodol: ``rtstruct, threshold_hu, threshold_source, min_volume_cc, candidates[{name,
  volume_cc, mean_hu, max_hu, centroid_mm, segment, nearest_structure, nearest_distance_mm}],
  gtv, gtv_volume_cc, dice, inside_gtv_cc, outside_gtv_cc, deposition_fraction,
  poor_deposition, suggestion``.

Nothing is written when an input is refused (exit 2, one line).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit
from hccrt.errors import InputError


def _fused_path(out: Path) -> Path:
    return out.with_name(out.stem + "_fused.png")


def _write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary name first, then rename all (no half result)."""
    staged = []
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=".hccrt-", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            staged.append((Path(name), target))
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def _check_out(out: Path, option: str = "--out") -> None:
    if out.is_dir():
        raise InputError(option, "is a folder", str(out), "give a file name, e.g. REG.dcm")


def _mask(rtstruct: Path, name: str, ct: Any, margin_mm: float) -> Any:
    from scipy import ndimage

    from hccrt.dicom import check_against_series, read_rtstruct
    from hccrt.geometry.rasterize import structure_occupancy

    structures = read_rtstruct(rtstruct)
    check_against_series(structures, ct)
    structure = structures.get(name)
    mask = structure_occupancy(structure, ct.grid, 4, axial="centre", on_outside="clip") >= 0.5
    if not mask.any():
        raise InputError("--mask", "ROI covers no CT voxel", name, "check the ROI name")
    distance = ndimage.distance_transform_edt(~mask, sampling=ct.grid.spacing_mm)
    return distance <= margin_mm


def _register_text(payload: dict[str, Any]) -> str:
    matrix = "\n".join(
        "  " + " ".join(f"{v:10.5f}" for v in row) for row in payload["moving_to_fixed"]
    )
    lines = [
        f"{payload['kind'].capitalize()} registration written: {payload['reg']}",
        f"moving_to_fixed (LPS mm, moving frame -> fixed frame):\n{matrix}",
        f"{payload['metric']}: {payload['metric_value']:.4f} "
        f"(start {payload['initial_metric_value']:.4f}), "
        f"{payload['iterations']} iterations, {payload['seconds']:.1f} s",
        f"optimiser: {payload['stop_condition']}",
    ]
    if payload["jacobian_min"] is not None:
        lines.append(
            f"Jacobian determinant {payload['jacobian_min']:.3f} to {payload['jacobian_max']:.3f}"
        )
    lines.append(f"Fused view for review: {payload['fused_png']}")
    return "\n".join(lines)


def register_images(
    fixed: Annotated[Path, typer.Option("--fixed", help="Planning CT series folder (fixed).")],
    moving: Annotated[
        Path,
        typer.Option("--moving", help="Series to register (MR, PET, CBCT, older CT)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Registration object to write (REG.dcm).")],
    deformable: Annotated[
        bool,
        typer.Option(
            "--deformable/--rigid",
            help="B-spline deformable on top of rigid (Deformable Spatial Registration), "
            "or rigid only (default; Spatial Registration).",
        ),
    ] = False,
    mask: Annotated[
        str | None, typer.Option("--mask", help="ROI of --rtstruct restricting the metric.")
    ] = None,
    rtstruct: Annotated[
        Path | None, typer.Option("--rtstruct", help="RTSTRUCT on the fixed CT holding --mask.")
    ] = None,
    mask_margin_mm: Annotated[
        float,
        typer.Option(
            "--mask-margin-mm", parser=finite_float, help="Margin added around --mask, mm (0-50)."
        ),
    ] = 30.0,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Register an MR, PET, CBCT (or older CT) to the planning CT with mutual information
    (SimpleITK): rigid multi-resolution from the DICOM positions, optionally B-spline
    deformable. A CBCT's padding outside its field of view is left out of the metric; PET
    activity is clipped at its 99.9th percentile. Writes a
    DICOM Spatial Registration (moving -> fixed 4x4 in LPS mm) and a fused checkerboard PNG
    (OUT stem + _fused.png). Refuses non-overlapping images and non-converged results.
    """
    from hccrt.dicom import read_ct_series
    from hccrt.dicom.spatial_registration import SeriesReference
    from hccrt.registration import register_rigid
    from hccrt.registration.deformable import register_deformable
    from hccrt.registration.display import fused_view_png
    from hccrt.registration.io import save_registration

    _check_out(out)
    if (mask is None) != (rtstruct is None):
        raise InputError("--mask", "needs --rtstruct (and the reverse)", mask, "give both")
    if not 0.0 <= mask_margin_mm <= 50.0:
        raise InputError("--mask-margin-mm", "must be 0-50 mm", mask_margin_mm, "e.g. 30")
    fixed_ref = SeriesReference.from_directory(fixed)
    moving_ref = SeriesReference.from_directory(moving)
    if fixed_ref.frame_of_reference_uid == moving_ref.frame_of_reference_uid:
        raise InputError(
            "--moving",
            "shares the fixed series' Frame of Reference: already registered",
            moving_ref.frame_of_reference_uid,
            "use the series directly (no registration needed)",
        )
    ct = read_ct_series(fixed)
    other = read_ct_series(moving)
    fixed_mask = None
    if mask is not None and rtstruct is not None:
        fixed_mask = _mask(rtstruct, mask, ct, mask_margin_mm)
    if deformable:  # validated for MR only (docs/validation/fusion.md)
        result = register_deformable(ct, other, fixed_mask=fixed_mask)
    else:
        result = register_rigid(
            ct, other, fixed_mask=fixed_mask, moving_modality=moving_ref.modality
        )
    png = fused_view_png(ct, other, result, title=f"{result.kind} registration (review)")
    with tempfile.TemporaryDirectory() as scratch:
        reg_file = save_registration(result, fixed_ref, moving_ref, Path(scratch) / "reg.dcm")
        _write_atomically({out: reg_file.read_bytes(), _fused_path(out): png})
    payload = {
        "reg": str(out),
        "fused_png": str(_fused_path(out)),
        "kind": result.kind,
        "moving_to_fixed": np.round(result.moving_to_fixed, 9).tolist(),
        "metric": result.metric,
        "metric_value": result.metric_value,
        "initial_metric_value": result.initial_metric_value,
        "iterations": result.iterations,
        "seconds": round(result.seconds, 2),
        "stop_condition": result.stop_condition,
        "fixed_series_uid": result.fixed_series_uid,
        "moving_series_uid": result.moving_series_uid,
        "fixed_frame_uid": result.fixed_frame_uid,
        "moving_frame_uid": result.moving_frame_uid,
        "jacobian_min": None if result.jacobian_range is None else result.jacobian_range[0],
        "jacobian_max": None if result.jacobian_range is None else result.jacobian_range[1],
    }
    emit(payload, output_format, _register_text)


def propagate(
    reg: Annotated[Path, typer.Option("--reg", help="Registration object (hccrt register).")],
    rtstruct: Annotated[
        Path, typer.Option("--rtstruct", help="RTSTRUCT drawn on the moving image (MR).")
    ],
    to_ct: Annotated[Path, typer.Option("--to-ct", help="Planning CT series folder (fixed).")],
    out: Annotated[Path, typer.Option("--out", help="RTSTRUCT to write on the CT.")],
    roi: Annotated[
        list[str] | None, typer.Option("--roi", help="ROI to propagate (repeat; default all).")
    ] = None,
    into: Annotated[
        Path | None,
        typer.Option("--into", help="Existing CT RTSTRUCT to add the ROIs to (a copy is written)."),
    ] = None,
    moving: Annotated[
        Path | None, typer.Option("--moving", help="Moving series folder, for the fused PNG.")
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Map ROIs drawn on the moving image onto the planning CT through a registration: rigid or
    deformable, resampled onto the CT slice planes (volumes in cc). The new ROIs record their
    source in ROI Description / ROI Generation Description (SEMIAUTOMATIC). With --moving, a
    fused PNG with the propagated contours is written for review (OUT stem + _fused.png).
    """
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dicom.ct_reference import CTReference
    from hccrt.dicom.rtstruct_derived import write_derived_rtstruct
    from hccrt.dicom.spatial_registration import SeriesReference, check_series
    from hccrt.geometry.rasterize import structure_volume_cc_from_polygons
    from hccrt.registration.display import fused_view_png
    from hccrt.registration.io import load_registration
    from hccrt.registration.propagate import propagate_structures

    _check_out(out)
    registration, result = load_registration(reg)
    known = [SeriesReference.from_directory(to_ct)]
    source = read_rtstruct(rtstruct)
    if source.frame_of_reference_uid != result.moving_frame_uid:
        raise InputError(
            "--rtstruct",
            "is not in the registration's moving Frame of Reference",
            source.frame_of_reference_uid,
            f"give the RTSTRUCT drawn on the moving series (frame {result.moving_frame_uid})",
        )
    moving_series = None
    if moving is not None:
        known.append(SeriesReference.from_directory(moving))
        moving_series = read_ct_series(moving)
    else:
        known.append(registration.moving)
    check_series(registration, known)
    names = roi or [s.name for s in source.structures if not s.is_empty]
    chosen = [source.get(name) for name in names]
    ct = read_ct_series(to_ct)
    propagated = propagate_structures(chosen, result, ct.grid)
    reference = CTReference.from_directory(to_ct)
    descriptions = {
        s.name: f"propagated from {reg.name} ({result.kind}), source ROI {s.name}"
        for s in propagated
    }
    files: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "rs.dcm"
        write_derived_rtstruct(reference, propagated, target, descriptions, into=into)
        files[out] = target.read_bytes()
    if moving_series is not None:
        files[_fused_path(out)] = fused_view_png(
            ct, moving_series, result, propagated, title="propagated contours (review)"
        )
    _write_atomically(files)
    payload = {
        "rtstruct": str(out),
        "fused_png": str(_fused_path(out)) if moving_series is not None else None,
        "kind": result.kind,
        "structures": [
            {
                "name": s.name,
                "source": descriptions[s.name],
                "volume_cc": round(structure_volume_cc_from_polygons(s, grid=ct.grid), 3),
                "contours": len(s.contours),
            }
            for s in propagated
        ],
    }

    def _text(data: dict[str, Any]) -> str:
        lines = [f"Propagated ({data['kind']}) onto the CT: {data['rtstruct']}"]
        lines += [
            f"  {s['name']:<16} {s['volume_cc']:10.2f} cc  {s['contours']} contours"
            for s in data["structures"]
        ]
        if data["fused_png"]:
            lines.append(f"Fused view for review: {data['fused_png']}")
        return "\n".join(lines)

    emit(payload, output_format, _text)


def lipiodol(
    ct_dir: Annotated[Path, typer.Option("--ct", help="Post-TACE CT series folder.")],
    rtstruct: Annotated[Path, typer.Option("--rtstruct", help="RTSTRUCT on that CT.")],
    liver: Annotated[str, typer.Option("--liver", help="Name of the liver ROI.")],
    out: Annotated[Path, typer.Option("--out", help="RTSTRUCT to write (a copy plus candidates).")],
    threshold_hu: Annotated[
        float | None,
        typer.Option(
            "--threshold-hu",
            parser=finite_float,
            help="Lowest HU of lipiodol (default 300, UNCONFIRMED).",
        ),
    ] = None,
    min_volume_cc: Annotated[
        float,
        typer.Option(
            "--min-volume-cc", parser=finite_float, help="Smallest deposit kept, cc (default 0.1)."
        ),
    ] = 0.1,
    gtv: Annotated[
        str | None, typer.Option("--gtv", help="GTV ROI to compare with (default: 'GTV' if any).")
    ] = None,
    couinaud_phantom: Annotated[
        bool,
        typer.Option(
            "--couinaud-phantom",
            help="Name Couinaud segments with the hccrt phantom's segment planes (phantom only).",
        ),
    ] = False,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Find lipiodol deposits (high-HU components inside the liver) on a post-TACE CT and add
    them as GTV_lipiodol candidates, marked as a SUGGESTION for the clinician (ROI Description,
    no interpreted type), with volume (cc), mean HU, location and the comparison with the GTV.
    """
    from hccrt.dicom import check_against_series, read_ct_series, read_rtstruct
    from hccrt.dicom.ct_reference import CTReference
    from hccrt.dicom.rtstruct_derived import write_derived_rtstruct
    from hccrt.phantom.tumors import couinaud_segment
    from hccrt.registration.lipiodol import (
        DEFAULT_THRESHOLD_HU,
        SUGGESTION_DESCRIPTION,
        find_lipiodol,
    )

    _check_out(out)
    ct = read_ct_series(ct_dir)
    structures = read_rtstruct(rtstruct)
    check_against_series(structures, ct)
    if liver not in structures.names:
        raise InputError("--liver", "no such ROI", liver, f"one of {', '.join(structures.names)}")
    gtv_name = gtv or ("GTV" if "GTV" in structures.names else None)
    if gtv_name is not None and gtv_name not in structures.names:
        raise InputError("--gtv", "no such ROI", gtv_name, f"one of {', '.join(structures.names)}")
    threshold = DEFAULT_THRESHOLD_HU if threshold_hu is None else threshold_hu
    others = [s for s in structures.structures if s.name not in (liver, "BODY")]
    report = find_lipiodol(
        ct,
        structures.get(liver),
        threshold_hu=threshold,
        min_volume_cc=min_volume_cc,
        gtv=None if gtv_name is None else structures.get(gtv_name),
        others=others,
        segment_of=(lambda p: couinaud_segment(list(p))) if couinaud_phantom else None,
    )
    start = max((s.number for s in structures.structures), default=0) + 1
    candidates = [replace(c.contours, number=start + n) for n, c in enumerate(report.candidates)]
    description = SUGGESTION_DESCRIPTION.format(hu=threshold)
    suggestion = (
        "Suggested GTV_lipiodol ROIs for the clinician to review, edit or reject; not a target "
        "until accepted."
    )
    if candidates:
        with tempfile.TemporaryDirectory() as scratch:
            target = Path(scratch) / "rs.dcm"
            write_derived_rtstruct(
                CTReference.from_directory(ct_dir),
                candidates,
                target,
                {c.name: description for c in candidates},
                algorithm="AUTOMATIC",
                into=rtstruct,
            )
            _write_atomically({out: target.read_bytes()})
    payload = {
        "rtstruct": str(out) if candidates else None,
        **report.to_json(),
        "suggestion": suggestion,
    }
    emit(payload, output_format, _lipiodol_text)


def _lipiodol_text(data: dict[str, Any]) -> str:
    lines = [
        f"Lipiodol threshold {data['threshold_hu']:g} HU ({data['threshold_source']})",
        f"{len(data['candidates'])} candidate(s) >= {data['min_volume_cc']:g} cc inside the liver",
    ]
    for c in data["candidates"]:
        where = f"segment {c['segment']}" if c["segment"] is not None else ""
        near = f"nearest {c['nearest_structure']} {c['nearest_distance_mm']:.1f} mm"
        lines.append(
            f"  {c['name']:<16} {c['volume_cc']:8.2f} cc  mean {c['mean_hu']:.0f} HU  "
            f"at {c['centroid_mm']} mm  {where} {near}".rstrip()
        )
    if data["gtv"] is not None:
        lines.append(
            f"vs {data['gtv']} ({data['gtv_volume_cc']:.2f} cc): Dice {data['dice']:.3f}, "
            f"inside {data['inside_gtv_cc']:.2f} cc, outside {data['outside_gtv_cc']:.2f} cc, "
            f"fills {100 * data['deposition_fraction']:.0f} % of the GTV"
            + (
                " (poor deposition: seed 001 reason for RT alone)"
                if data["poor_deposition"]
                else ""
            )
        )
    lines.append(data["suggestion"])
    if data["rtstruct"]:
        lines.append(f"Written: {data['rtstruct']}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``register``, ``propagate`` and ``lipiodol`` to the ``hccrt`` app."""
    app.command("register")(register_images)
    app.command("propagate")(propagate)
    app.command("lipiodol")(lipiodol)
