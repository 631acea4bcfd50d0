"""``hccrt phantom``: write the synthetic liver patient (CT, RTSTRUCT, patient.json) to a folder.

JSON keys (a contract): ``out_dir, cached, ct_dir, rtstruct, patient, manifest, seed,
child_pugh, portal_vein_thrombus, n_slices, shape, spacing_mm, study_instance_uid,
series_instance_uid, frame_of_reference_uid, structures[{name, number, volume_cc}],
tumors[{name, segment, diameter_cm, center_mm}]``, ``mr``, ``pet``, ``cbct`` and ``lipiodol`` when
asked for, and ``seconds`` (generation time of the
files, absent when the cached phantom was reused). Lengths in mm (centres in LPS), volumes in cc.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit


def _render(payload: dict[str, Any]) -> str:
    state = "reused (same options, files verified)" if payload["cached"] else "written"
    lines = [
        f"Synthetic liver patient {state}: {payload['out_dir']}",
        f"  CT        {payload['ct_dir']}  ({payload['n_slices']} slices, "
        f"{payload['shape'][1]}x{payload['shape'][2]}, spacing "
        f"{' x '.join(f'{v:g}' for v in payload['spacing_mm'])} mm)",
        f"  RTSTRUCT  {payload['rtstruct']}",
        f"  patient   {payload['patient']}  (Child-Pugh {payload['child_pugh']}, "
        f"portal vein thrombus: {'yes' if payload['portal_vein_thrombus'] else 'no'})",
        "",
        f"{'ROI':<14} {'#':>3} {'volume cc':>10}",
    ]
    lines += [
        f"{s['name']:<14} {s['number']:>3} {s['volume_cc']:>10.1f}" for s in payload["structures"]
    ]
    lines.append("")
    if "mr" in payload:
        mr = payload["mr"]
        lines.append(
            f"MR        {mr['mr_dir']}/  ({mr['field_of_view']} field of view, shape "
            f"{mr['shape']}, own Frame of Reference; known transform {mr['transform']})"
        )
    if "pet" in payload:
        pet = payload["pet"]
        lines.append(
            f"PET       {pet['pet_dir']}/  (FDG, Bq/ml, shape {pet['shape']}, 4 mm voxels, "
            f"tumour/liver {pet['tumor_to_liver']:g}, own Frame of Reference; known transform "
            f"{pet['transform']})"
        )
    if "cbct" in payload:
        cbct = payload["cbct"]
        fov = cbct["field_of_view_mm"]
        lines.append(
            f"CBCT      {cbct['cbct_dir']}/  ({fov['diameter']:g} x {fov['length']:g} mm "
            f"cylindrical field of view, shape {cbct['shape']}, own Frame of Reference; known "
            f"transform {cbct['transform']})"
        )
    for deposit in payload.get("lipiodol", []):
        lines.append(
            f"Lipiodol deposit in {deposit['tumor']}: {deposit['volume_cc']:.2f} cc, "
            f"radius {deposit['radius_mm']:.1f} mm"
        )
    for tumor in payload["tumors"]:
        centre = ", ".join(f"{v:.1f}" for v in tumor["center_mm"])
        lines.append(
            f"{tumor['name']}: {tumor['diameter_cm']:g} cm, Couinaud segment {tumor['segment']}, "
            f"centre ({centre}) mm LPS"
        )
    return "\n".join(lines)


def phantom(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write (CT/, RTSTRUCT.dcm, patient.json).")
    ],
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of tumour placement, noise and UIDs (>= 0).")
    ] = 1,
    tumor_diameter_cm: Annotated[
        float,
        typer.Option(
            "--tumor-diameter-cm",
            help="Diameter of each tumour in cm (0.5-10).",
            parser=finite_float,
        ),
    ] = 4.0,
    tumor_count: Annotated[
        int, typer.Option("--tumor-count", help="Number of liver tumours (1-8).")
    ] = 1,
    child_pugh: Annotated[
        Literal["A", "B"],
        typer.Option(
            "--child-pugh",
            help="Child-Pugh class of the clinical record: A or B.",
            case_sensitive=False,
        ),
    ] = "A",
    portal_vein_thrombus: Annotated[
        bool,
        typer.Option(
            "--portal-vein-thrombus",
            help="Add a tumour thrombus in the right portal vein (ROI GTV_PVTT).",
        ),
    ] = False,
    mr: Annotated[
        bool,
        typer.Option(
            "--mr",
            help="Also write MR/ (T1-like, own Frame of Reference, 1.56x1.56x4 mm, known rigid "
            "transform in mr_transform.json, bias field, Rician noise) and MR_RTSTRUCT.dcm.",
        ),
    ] = False,
    mr_fov: Annotated[
        str,
        typer.Option("--mr-fov", help="MR field of view: trunk (CT length) or liver (180 mm)."),
    ] = "trunk",
    mr_deformable: Annotated[
        bool,
        typer.Option("--mr-deformable", help="Add a known smooth deformation (<= 6 mm) to the MR."),
    ] = False,
    lipiodol: Annotated[
        bool,
        typer.Option(
            "--lipiodol", help="Post-TACE CT: a 900 HU lipiodol deposit inside each tumour."
        ),
    ] = False,
    pet: Annotated[
        bool,
        typer.Option(
            "--pet",
            help="Also write PT/: an FDG PET (Bq/ml with the SUV attributes: 250 MBq, 70 kg, "
            "60 min uptake; 4x4x4 mm, 6 mm FWHM blur, Poisson noise; own Frame of Reference, "
            "known rigid transform in pet_transform.json).",
        ),
    ] = False,
    pet_tumor_to_liver: Annotated[
        float,
        typer.Option(
            "--pet-tumor-to-liver",
            parser=finite_float,
            help="Tumour/liver FDG uptake ratio of the PET (0.5-10; default 2, UNCONFIRMED: "
            "HCC is often only mildly FDG avid).",
        ),
    ] = 2.0,
    cbct: Annotated[
        bool,
        typer.Option(
            "--cbct",
            help="Also write CBCT/: a kV cone-beam CT (Modality CT, 240 x 170 mm cylindrical "
            "field of view on the liver, 1.25x1.25x2.5 mm, HU offset +40, cupping 80 HU, noise "
            "SD 25 HU, -1024 HU outside the field of view; own Frame of Reference, known rigid "
            "transform in cbct_transform.json).",
        ),
    ] = False,
    tumor_segment: Annotated[
        int | None,
        typer.Option(
            "--tumor-segment",
            help="Couinaud segment of the first tumour: 8 dome, 7 posterior, 6/5 inferior right "
            "(near the duodenum and colon), 4 medial, 2/3 left lobe (near the stomach). "
            "Default: chosen from the seed.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace the phantom files of a non-empty folder made with other options.",
        ),
    ] = False,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Write a synthetic HCC patient: a 512x512 CT series (0.98 mm pixels, 3 mm slices, HFS,
    portal-venous HU), an RTSTRUCT with TG-263 ROIs and a patient.json record.

    The same options give byte-identical files; rerunning into the same folder is a no-op.
    """
    from hccrt.cli._progress import command_progress
    from hccrt.phantom import PhantomOptions, generate_phantom

    options = PhantomOptions(
        seed=seed,
        tumor_diameter_cm=tumor_diameter_cm,
        tumor_count=tumor_count,
        child_pugh=child_pugh,
        portal_vein_thrombus=portal_vein_thrombus,
        mr=mr,
        mr_field_of_view=mr_fov.strip().lower(),
        mr_deformable=mr_deformable,
        lipiodol=lipiodol,
        pet=pet,
        pet_tumor_to_liver=pet_tumor_to_liver,
        cbct=cbct,
        tumor_segment=tumor_segment,
    )
    with command_progress(output_format) as progress:
        result = generate_phantom(out, options, force=force, progress=progress)
    payload: dict[str, Any] = {
        "out_dir": str(result.out_dir),
        "cached": result.cached,
        "ct_dir": str(result.ct_dir),
        "rtstruct": str(result.rtstruct_path),
        "patient": str(result.patient_path),
        "manifest": str(result.out_dir / "phantom.json"),
        **{k: v for k, v in result.summary.items() if not (result.cached and k == "seconds")},
    }
    emit(payload, output_format, _render)


def register(app: typer.Typer) -> None:
    """Add ``phantom`` to the ``hccrt`` app."""
    app.command("phantom")(phantom)
