"""Generate the synthetic liver patient into a folder (CT series, RTSTRUCT, patient.json), cached.

Layout of ``OUT``::

    OUT/CT/CT_0001.dcm ...   one CT Image Storage file per slice (HFS, 500 mm field of view)
    OUT/RTSTRUCT.dcm         TG-263 ROIs referencing every CT image
    OUT/patient.json         hccrt.clinical.patient.PatientRecord of the same patient
    OUT/phantom.json         parameters, their hash, file checksums and a summary

Everything is a function of the options: the same options give byte-identical files and the
same UIDs (derived from a hash of the options with :func:`pydicom.uid.generate_uid`). Running
again with the same options into the same folder checks the checksums and does nothing; other
options (or foreign files) in a non-empty folder are refused unless ``force`` is set, in which
case only the phantom's own files are replaced.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.dicom.ct_writer import (
    CTReference,
    CTSeriesInfo,
    PatientStudy,
    make_uid,
    write_ct_series,
)
from hccrt.dicom.mr_writer import MRSeriesInfo, write_mr_series
from hccrt.dicom.pet_writer import PETSeriesInfo, write_pet_series
from hccrt.dicom.rtstruct_writer import build_rtstruct, write_rtstruct
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from hccrt.geometry.rasterize import structure_volume_cc_from_polygons
from hccrt.phantom import cbct as cbct_model
from hccrt.phantom import pet as pet_model
from hccrt.phantom.anatomy import (
    SCAN_Z_RANGE_MM,
    Anatomy,
    Layer,
    build_anatomy,
    liver_space,
)
from hccrt.phantom.lipiodol import LipiodolDeposit, place_deposits
from hccrt.phantom.mr import MRTransform, draw_transform, mr_grid, synthesize_mr
from hccrt.phantom.options import GENERATOR_VERSION, PhantomOptions
from hccrt.phantom.record import build_record
from hccrt.phantom.shapes import Sphere
from hccrt.phantom.structures import contour_structure
from hccrt.phantom.synthesis import synthesize_ct
from hccrt.phantom.tumors import PORTAL_VEIN_THROMBUS, PlacedTumor, place_tumors
from hccrt.progress import NO_PROGRESS, Progress, StepCounter

FIELD_OF_VIEW_MM = 500.0
STUDY_DATETIME = datetime(2026, 1, 5, 9, 30, 0)
"""Fixed acquisition date/time of the synthetic planning CT (keeps files reproducible)."""

ROI_ORDER = (
    "BODY",
    "Liver",
    "Stomach",
    "Duodenum",
    "Bowel_Small",
    "Kidney_L",
    "Kidney_R",
    "SpinalCord",
    "Lung_L",
    "Lung_R",
    "Heart",
)


@dataclass(frozen=True)
class PhantomResult:
    """Where the phantom is and what it holds (the ``phantom.json`` summary)."""

    out_dir: Path
    cached: bool
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def ct_dir(self) -> Path:
        """Folder of the CT series."""
        return self.out_dir / "CT"

    @property
    def rtstruct_path(self) -> Path:
        """The RTSTRUCT file."""
        return self.out_dir / "RTSTRUCT.dcm"

    @property
    def patient_path(self) -> Path:
        """The clinical record."""
        return self.out_dir / "patient.json"

    @property
    def mr_dir(self) -> Path:
        """Folder of the MR series (with ``--mr``)."""
        return self.out_dir / "MR"

    @property
    def mr_rtstruct_path(self) -> Path:
        """GTVs drawn on the MR (with ``--mr``, rigid only)."""
        return self.out_dir / "MR_RTSTRUCT.dcm"

    @property
    def mr_transform_path(self) -> Path:
        """The known MR -> CT transform (with ``--mr``)."""
        return self.out_dir / "mr_transform.json"

    @property
    def pet_dir(self) -> Path:
        """Folder of the PET series (with ``--pet``)."""
        return self.out_dir / "PT"

    @property
    def pet_transform_path(self) -> Path:
        """The known PET -> CT transform (with ``--pet``)."""
        return self.out_dir / "pet_transform.json"

    @property
    def cbct_dir(self) -> Path:
        """Folder of the cone-beam CT series (with ``--cbct``)."""
        return self.out_dir / "CBCT"

    @property
    def cbct_transform_path(self) -> Path:
        """The known CBCT -> CT transform (with ``--cbct``)."""
        return self.out_dir / "cbct_transform.json"


def _grid(options: PhantomOptions, frame_uid: str) -> Grid:
    pixel = FIELD_OF_VIEW_MM / options.matrix_size
    low, high = SCAN_Z_RANGE_MM
    count = int(np.floor((high - low) / options.slice_thickness_mm + 1e-9))
    first = low + options.slice_thickness_mm / 2.0
    corner = -FIELD_OF_VIEW_MM / 2.0 + pixel / 2.0
    return Grid.from_spacing(
        (count, options.matrix_size, options.matrix_size),
        (options.slice_thickness_mm, pixel, pixel),
        (corner, corner, first),
        frame_uid,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _own_files(out_dir: Path) -> list[Path]:
    files = [
        path
        for folder in ("CT", "MR", "PT", "CBCT")
        if (out_dir / folder).is_dir()
        for path in sorted((out_dir / folder).glob("*.dcm"))
    ]
    names = (
        "RTSTRUCT.dcm",
        "MR_RTSTRUCT.dcm",
        "mr_transform.json",
        "pet_transform.json",
        "cbct_transform.json",
        "patient.json",
        "phantom.json",
    )
    return files + [out_dir / n for n in names if (out_dir / n).is_file()]


def _cached(out_dir: Path, options: PhantomOptions) -> dict[str, Any] | None:
    manifest_path = out_dir / "phantom.json"
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("parameters_hash") != options.digest():
        return None
    files = manifest.get("files", {})
    for relative, checksum in files.items():
        path = out_dir / relative
        if not path.is_file() or _sha256(path) != checksum:
            return None
    if len(_own_files(out_dir)) != len(files) + 1:
        return None
    summary = manifest.get("summary")
    return summary if isinstance(summary, dict) else None


def _prepare(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("--out", "is a file, not a folder", str(out_dir), "give a folder path")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not force:
            raise InputError(
                "--out",
                "is not empty and holds no phantom made with these options",
                str(out_dir),
                "use --force to replace the phantom files there, or choose an empty folder",
            )
        for path in _own_files(out_dir):
            path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


PHANTOM_STAGES = 4
"""Stages of :func:`generate_phantom` as its ``progress`` sees them."""


def generate_phantom(
    out_dir: str | Path,
    options: PhantomOptions | None = None,
    *,
    force: bool = False,
    progress: Progress = NO_PROGRESS,
) -> PhantomResult:
    """Write the synthetic liver patient into ``out_dir`` (or reuse an identical cached one).

    Parameters
    ----------
    out_dir
        Target folder (created if missing).
    options
        What to generate (defaults: seed 1, one 4 cm tumour, Child-Pugh A).
    force
        Replace the phantom files of a folder that holds another phantom or other files.
    progress
        Told of the four stages (CT synthesis and writing, slice by slice; contouring, ROI by
        ROI; the RTSTRUCT, MR and record) (:mod:`hccrt.progress`). A cached phantom reports none.

    Raises
    ------
    InputError
        Invalid options, tumours that do not fit, or a non-empty folder without ``force``.
    """
    options = options or PhantomOptions()
    target = Path(out_dir)
    summary = _cached(target, options)
    if summary is not None:
        return PhantomResult(target, True, summary)
    started = time.perf_counter()
    key = options.key()
    uids = {part: make_uid(["hccrt-phantom", key, part]) for part in ("study", "ct", "for", "rs")}
    grid = _grid(options, uids["for"])
    slice_z = grid.axis_coordinates_mm()[0]
    base, envelope = liver_space()
    thrombus = PORTAL_VEIN_THROMBUS if options.portal_vein_thrombus else None
    tumors = place_tumors(
        base,
        envelope,
        options.tumor_count,
        options.tumor_diameter_cm * 10.0,
        np.random.default_rng(options.seed),
        avoid=() if thrombus is None else (thrombus,),
        slice_z_mm=slice_z,
        first_segment=options.tumor_segment,
    )
    anatomy = build_anatomy(tumors, thrombus)
    deposits = place_deposits(anatomy.tumors, options.seed) if options.lipiodol else ()
    ct_layers = anatomy.layers + tuple(Layer("lipiodol", d.shape) for d in deposits)
    _prepare(target, force)
    slices = grid.shape[0]
    progress.stage("synthesising the CT", 1, PHANTOM_STAGES)
    hu = synthesize_ct(
        ct_layers, grid, options.seed, options.noise_sd_hu, StepCounter(progress, "slices", slices)
    )
    patient = PatientStudy(
        patient_name=f"PHANTOM^LIVER{options.seed}",
        patient_id=f"PHANTOM-{options.seed}",
        study_instance_uid=uids["study"],
        study_date=STUDY_DATETIME.strftime("%Y%m%d"),
        study_time=STUDY_DATETIME.strftime("%H%M%S"),
        patient_sex="O",
        study_id="1",
        study_description="hccrt synthetic liver patient",
    )
    description = "Synthetic planning CT (portal venous)"
    if options.lipiodol:
        description = "Synthetic post-TACE CT (portal venous, lipiodol)"
    series = CTSeriesInfo(uids["ct"], series_description=description)
    progress.stage("writing the CT series", 2, PHANTOM_STAGES)
    written = StepCounter(progress, "slices", slices)
    ct = write_ct_series(hu, grid, target / "CT", patient, series, advance=written)
    progress.stage("contouring the ROIs", 3, PHANTOM_STAGES)
    contoured = StepCounter(progress, "ROIs", len(anatomy.organs))
    structures = _contours(anatomy, slice_z, grid.frame_of_reference_uid, contoured)
    progress.stage("writing the RTSTRUCT, the MR and the record", 4, PHANTOM_STAGES)
    rtstruct = build_rtstruct(
        ct,
        structures,
        label="PHANTOM",
        series_instance_uid=uids["rs"],
        sop_instance_uid=make_uid(["hccrt-phantom", key, "rs-instance"]),
        series_description="hccrt phantom structures",
        structure_set_datetime=STUDY_DATETIME,
    )
    write_rtstruct(rtstruct, target / "RTSTRUCT.dcm")
    summary = _summary(options, ct, grid, structures, anatomy.tumors)
    if deposits:
        summary["lipiodol"] = [_deposit_summary(d) for d in deposits]
    if options.mr:
        summary["mr"] = _write_mr(target, options, key, patient, anatomy)
    if options.pet:
        summary["pet"] = _write_pet(target, options, key, patient, anatomy)
    if options.cbct:
        summary["cbct"] = _write_cbct(target, options, key, patient, ct_layers)
    volumes = {s["name"]: s["volume_cc"] for s in summary["structures"]}
    gtv_cc = sum(v for name, v in volumes.items() if name.startswith("GTV"))
    record = build_record(
        options.seed,
        options.child_pugh,
        anatomy,
        options.portal_vein_thrombus,
        volumes["Liver"] - gtv_cc,
        date(STUDY_DATETIME.year, STUDY_DATETIME.month, STUDY_DATETIME.day),
        lipiodol=options.lipiodol,
    )
    (target / "patient.json").write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    files = {str(p.relative_to(target)): _sha256(p) for p in _own_files(target)}
    manifest = {
        "generator": "hccrt.phantom",
        "generator_version": GENERATOR_VERSION,
        "parameters": json.loads(key),
        "parameters_hash": options.digest(),
        "files": files,
        "summary": summary,
    }
    (target / "phantom.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return PhantomResult(
        target, False, {**summary, "seconds": round(time.perf_counter() - started, 2)}
    )


def _deposit_summary(deposit: LipiodolDeposit) -> dict[str, Any]:
    return {
        "tumor": deposit.tumor,
        "center_mm": [round(v, 3) for v in deposit.center_mm],
        "radius_mm": round(deposit.radius_mm, 3),
        "volume_cc": round(deposit.volume_cc, 3),
    }


def _write_mr(
    target: Path, options: PhantomOptions, key: str, ct_patient: PatientStudy, anatomy: Anatomy
) -> dict[str, Any]:
    """Write the MR series, its GTV structure set (rigid) and the known transform."""
    uids = {p: make_uid(["hccrt-phantom", key, p]) for p in ("mr-study", "mr", "mr-for", "mr-rs")}
    transform = draw_transform(options.seed, options.mr_deformable)
    grid = mr_grid(options.mr_field_of_view, uids["mr-for"])
    values = synthesize_mr(anatomy.layers, grid, transform, options.seed)
    patient = replace(
        ct_patient,
        study_instance_uid=uids["mr-study"],
        study_id="2",
        study_description="hccrt synthetic liver patient, MR",
    )
    series = MRSeriesInfo(uids["mr"], series_description="Synthetic T1-weighted MR (3D GRE)")
    mr = write_mr_series(values, grid, target / "MR", patient, series)
    if not transform.deformable:
        _write_mr_gtvs(target, transform, grid, mr, anatomy.tumors, key)
    (target / "mr_transform.json").write_text(
        json.dumps(transform.to_json(), indent=2) + "\n", encoding="utf-8"
    )
    return {
        "mr_dir": "MR",
        "field_of_view": options.mr_field_of_view,
        "deformable": options.mr_deformable,
        "shape": list(grid.shape),
        "spacing_mm": [round(v, 6) for v in grid.spacing_mm],
        "series_instance_uid": uids["mr"],
        "frame_of_reference_uid": uids["mr-for"],
        "transform": "mr_transform.json",
        "rtstruct": None if transform.deformable else "MR_RTSTRUCT.dcm",
    }


def _write_pet(
    target: Path, options: PhantomOptions, key: str, ct_patient: PatientStudy, anatomy: Anatomy
) -> dict[str, Any]:
    """Write the PET series (Bq/ml, SUV attributes) and its known transform."""
    uids = {p: make_uid(["hccrt-phantom", key, p]) for p in ("pet-study", "pet", "pet-for")}
    transform = pet_model.draw_pet_transform(options.seed)
    grid = pet_model.pet_grid(uids["pet-for"])
    activity = pet_model.synthesize_pet(
        anatomy.layers, grid, transform, options.seed, options.pet_tumor_to_liver
    )
    patient = replace(
        ct_patient,
        study_instance_uid=uids["pet-study"],
        study_date=pet_model.SERIES_DATETIME.strftime("%Y%m%d"),
        study_time=pet_model.SERIES_DATETIME.strftime("%H%M%S"),
        study_id="3",
        study_description="hccrt synthetic liver patient, FDG PET",
    )
    series = PETSeriesInfo(
        uids["pet"],
        series_datetime=pet_model.SERIES_DATETIME,
        injection_datetime=pet_model.INJECTION_DATETIME,
        injected_dose_bq=pet_model.INJECTED_DOSE_BQ,
        patient_weight_kg=pet_model.PATIENT_WEIGHT_KG,
        series_description="Synthetic FDG PET (60 min, Bq/ml)",
    )
    write_pet_series(activity, grid, target / "PT", patient, series)
    (target / "pet_transform.json").write_text(
        json.dumps(transform.to_json(), indent=2) + "\n", encoding="utf-8"
    )
    return {
        "pet_dir": "PT",
        "shape": list(grid.shape),
        "spacing_mm": [round(v, 6) for v in grid.spacing_mm],
        "series_instance_uid": uids["pet"],
        "frame_of_reference_uid": uids["pet-for"],
        "transform": "pet_transform.json",
        "tumor_to_liver": options.pet_tumor_to_liver,
        "liver_suv": pet_model.LIVER_SUV,
        "fwhm_mm": pet_model.FWHM_MM,
        "suv_per_bq_ml": pet_model.suv_per_bq_ml(),
    }


def _write_cbct(
    target: Path,
    options: PhantomOptions,
    key: str,
    ct_patient: PatientStudy,
    layers: Sequence[Layer],
) -> dict[str, Any]:
    """Write the cone-beam CT series and its known transform."""
    uids = {p: make_uid(["hccrt-phantom", key, p]) for p in ("cbct-study", "cbct", "cbct-for")}
    transform = cbct_model.draw_cbct_transform(options.seed)
    grid = cbct_model.cbct_grid(uids["cbct-for"])
    hu = cbct_model.synthesize_cbct(layers, grid, transform, options.seed)
    patient = replace(
        ct_patient,
        study_instance_uid=uids["cbct-study"],
        study_date=cbct_model.CBCT_DATETIME.strftime("%Y%m%d"),
        study_time=cbct_model.CBCT_DATETIME.strftime("%H%M%S"),
        study_id="4",
        study_description="hccrt synthetic liver patient, treatment CBCT",
    )
    series = CTSeriesInfo(
        uids["cbct"],
        series_number=4,
        series_description="Synthetic kV CBCT (small field of view)",
    )
    write_ct_series(hu, grid, target / "CBCT", patient, series, file_prefix="CBCT")
    (target / "cbct_transform.json").write_text(
        json.dumps(transform.to_json(), indent=2) + "\n", encoding="utf-8"
    )
    return {
        "cbct_dir": "CBCT",
        "shape": list(grid.shape),
        "spacing_mm": [round(v, 6) for v in grid.spacing_mm],
        "series_instance_uid": uids["cbct"],
        "frame_of_reference_uid": uids["cbct-for"],
        "transform": "cbct_transform.json",
        "field_of_view_mm": {
            "diameter": cbct_model.FOV_DIAMETER_MM,
            "length": cbct_model.FOV_LENGTH_MM,
            "centre": list(cbct_model.FOV_CENTRE_MM),
        },
        "padding_hu": cbct_model.PADDING_HU,
    }


def _write_mr_gtvs(
    target: Path,
    transform: MRTransform,
    grid: Grid,
    mr: CTReference,
    tumors: Sequence[PlacedTumor],
    key: str,
) -> None:
    """GTVs as seen on the MR: each tumour sphere mapped by the inverse rigid transform."""
    inverse = np.linalg.inv(transform.matrix)
    slice_z = grid.axis_coordinates_mm()[0]
    structures = []
    for number, tumor in enumerate(tumors, start=1):
        centre = inverse[:3, :3] @ np.asarray(tumor.center_mm) + inverse[:3, 3]
        sphere = Sphere(
            (float(centre[0]), float(centre[1]), float(centre[2])), tumor.diameter_mm / 2
        )
        structures.append(
            contour_structure(
                f"{tumor.name}_MR",
                number,
                sphere,
                slice_z,
                grid.frame_of_reference_uid,
                (255, 0, 255),
                "GTV",
            )
        )
    rtstruct = build_rtstruct(
        mr,
        structures,
        label="PHANTOM MR",
        series_instance_uid=make_uid(["hccrt-phantom", key, "mr-rs-series"]),
        sop_instance_uid=make_uid(["hccrt-phantom", key, "mr-rs"]),
        series_description="hccrt phantom GTVs on MR",
        structure_set_datetime=STUDY_DATETIME,
    )
    write_rtstruct(rtstruct, target / "MR_RTSTRUCT.dcm")


def _contours(
    anatomy: Anatomy,
    slice_z: npt.NDArray[np.float64],
    frame_uid: str,
    advance: Callable[[int], None] | None,
) -> list[StructureContours]:
    names = [n for n in ROI_ORDER if n in anatomy.organs]
    targets = [n for n in anatomy.organs if n not in ROI_ORDER]
    structures = []
    for number, name in enumerate(names[:2] + targets + names[2:], start=1):
        organ = anatomy.organs[name]
        structures.append(
            contour_structure(
                name,
                number,
                organ.shape,
                slice_z,
                frame_uid,
                organ.color_rgb,
                organ.interpreted_type,
            )
        )
        if advance is not None:
            advance(1)
    return structures


def _summary(
    options: PhantomOptions,
    ct: CTReference,
    grid: Grid,
    structures: list[StructureContours],
    tumors: Sequence[PlacedTumor],
) -> dict[str, Any]:
    return {
        "seed": options.seed,
        "child_pugh": options.child_pugh,
        "portal_vein_thrombus": options.portal_vein_thrombus,
        "n_slices": grid.shape[0],
        "shape": list(grid.shape),
        "spacing_mm": [round(v, 6) for v in grid.spacing_mm],
        "study_instance_uid": ct.study_instance_uid,
        "series_instance_uid": ct.series_instance_uid,
        "frame_of_reference_uid": ct.frame_of_reference_uid,
        "structures": [
            {
                "name": s.name,
                "number": s.number,
                "volume_cc": round(structure_volume_cc_from_polygons(s, grid=grid), 2),
            }
            for s in structures
        ],
        "tumors": [
            {
                "name": t.name,
                "segment": t.segment,
                "diameter_cm": round(t.diameter_mm / 10.0, 2),
                "center_mm": [round(v, 2) for v in t.center_mm],
            }
            for t in tumors
        ],
    }
