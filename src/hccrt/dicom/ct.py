"""Read a CT (or other single-frame image) series into a :class:`hccrt.core.Image` in LPS mm.

Slices are sorted by their position along the slice normal (ImageOrientationPatient cross
product), never by InstanceNumber or file name, so any patient orientation (HFS, FFS, prone,
oblique) gives a correct affine. The series is refused when the slices are not on one regular
grid: different orientation/size/spacing, positions off the normal (gantry tilt), duplicate
positions or non-uniform slice spacing.

One-slice series: the slice thickness comes from SpacingBetweenSlices, else SliceThickness, else
the ``single_slice_thickness_mm`` argument; without any of them the series is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset

from hccrt.core import Image
from hccrt.dicom._common import floats, pixel_array, read_dataset, require, text
from hccrt.errors import DicomInputError
from hccrt.geometry.grid import Grid

IMAGE_MODALITIES = ("CT", "MR", "PT")
SPACING_TOLERANCE_MM = 0.01
"""Largest deviation of one slice gap from the mean gap accepted as 'uniform' (mm)."""
_DIRECTION_TOLERANCE = 1e-4


CTSeries = Image
"""The image series type under its historical name (:class:`hccrt.core.Image`)."""


def _candidate_files(directory_or_files: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(directory_or_files, str | Path):
        root = Path(directory_or_files)
        if root.is_dir():
            files = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
        elif root.is_file():
            files = [root]
        else:
            raise DicomInputError(str(root), "no such file or folder", None, "check the CT path")
    else:
        files = [Path(p) for p in directory_or_files]
    if not files:
        raise DicomInputError(
            str(directory_or_files), "contains no files", None, "point at the CT series folder"
        )
    return files


def _load_slices(
    files: list[Path], series_instance_uid: str | None
) -> tuple[list[Dataset], list[str]]:
    notes: list[str] = []
    by_series: dict[str, list[Dataset]] = {}
    for path in files:
        try:
            dataset, read_notes = read_dataset(path, IMAGE_MODALITIES)
        except DicomInputError as error:
            if len(files) == 1:
                raise
            notes.append(f"skipped {path.name}: {error}")
            continue
        notes.extend(read_notes)
        if "PixelData" not in dataset:
            notes.append(f"skipped {path.name}: no pixel data")
            continue
        if "LOCALIZER" in [str(v).upper() for v in dataset.get("ImageType", [])]:
            notes.append(f"skipped {path.name}: localizer (scout) image")
            continue
        by_series.setdefault(text(dataset, "SeriesInstanceUID"), []).append(dataset)
    if series_instance_uid is not None:
        if series_instance_uid not in by_series:
            raise DicomInputError(
                "series_instance_uid",
                "no image slice of this series was found",
                series_instance_uid,
                f"choose one of {sorted(by_series)}",
            )
        return by_series[series_instance_uid], notes
    if not by_series:
        raise DicomInputError(
            str(files[0].parent), "no CT/MR/PT image slice found", None, "point at a CT series"
        )
    if len(by_series) > 1:
        counts = {uid: len(slices) for uid, slices in by_series.items()}
        raise DicomInputError(
            "SeriesInstanceUID",
            "the folder holds several image series",
            counts,
            "pass series_instance_uid=... or a folder with one series",
        )
    return next(iter(by_series.values())), notes


def _same_everywhere(
    slices: list[Dataset], keyword: str, values: list[npt.NDArray[np.float64]]
) -> None:
    for dataset, value in zip(slices[1:], values[1:], strict=True):
        if not np.allclose(value, values[0], atol=_DIRECTION_TOLERANCE):
            raise DicomInputError(
                keyword,
                "differs between slices of one series",
                f"{values[0].tolist()} vs {value.tolist()} ({text(dataset, 'SOPInstanceUID')})",
                "the series is not one regular volume; export it again",
            )


def read_ct_series(
    directory_or_files: str | Path | Iterable[str | Path],
    *,
    series_instance_uid: str | None = None,
    single_slice_thickness_mm: float | None = None,
    frame_of_reference_uid: str | None = None,
) -> Image:
    """Read an image series, sorted along the slice normal, as HU on a regular grid.

    Parameters
    ----------
    directory_or_files
        A folder (every file in it is tried; non-image files are skipped with a warning), one
        file, or an iterable of files.
    series_instance_uid
        Which series to read when the folder holds several.
    single_slice_thickness_mm
        Slab thickness (mm) of a one-slice series without SpacingBetweenSlices/SliceThickness.
    frame_of_reference_uid
        Used only when the files carry no FrameOfReferenceUID (a warning says so).

    Returns
    -------
    Image
        ``hu[k, j, i] = stored * RescaleSlope + RescaleIntercept`` as float32.

    Raises
    ------
    DicomInputError
        Mixed geometry, gantry tilt, duplicate or non-uniformly spaced slices, missing geometry.
    """
    files = _candidate_files(directory_or_files)
    slices, notes = _load_slices(files, series_instance_uid)
    first = slices[0]
    source = text(first, "SeriesInstanceUID") or files[0].name
    orientations = [
        floats(require(s, "ImageOrientationPatient", source), 6, "ImageOrientationPatient")
        for s in slices
    ]
    _same_everywhere(slices, "ImageOrientationPatient", orientations)
    spacings = [floats(require(s, "PixelSpacing", source), 2, "PixelSpacing") for s in slices]
    _same_everywhere(slices, "PixelSpacing", spacings)
    sizes = [np.array([int(s.Rows), int(s.Columns)], dtype=np.float64) for s in slices]
    _same_everywhere(slices, "Rows/Columns", sizes)
    row_dir, col_dir = orientations[0][:3], orientations[0][3:]
    normal = np.cross(row_dir, col_dir)
    positions = np.array(
        [
            floats(require(s, "ImagePositionPatient", source), 3, "ImagePositionPatient")
            for s in slices
        ]
    )
    along = positions @ normal
    order = np.argsort(along, kind="stable")
    slices = [slices[n] for n in order]
    positions, along = positions[order], along[order]
    slice_spacing = _slice_spacing(slices, positions, along, normal, single_slice_thickness_mm)
    frame = _frame_of_reference(slices, frame_of_reference_uid, notes)
    grid = Grid.from_spacing(
        (len(slices), int(first.Rows), int(first.Columns)),
        (slice_spacing, float(spacings[0][0]), float(spacings[0][1])),
        positions[0],
        frame,
        row_direction=row_dir,
        column_direction=col_dir,
        slice_direction=normal,
    )
    volume = np.empty(grid.shape, dtype=np.float32)
    for k, dataset in enumerate(slices):
        stored = pixel_array(dataset, text(dataset, "SOPInstanceUID"))
        if stored.shape != grid.shape[1:]:
            raise DicomInputError(
                "PixelData", "shape differs from Rows/Columns", stored.shape, "check the file"
            )
        slope = float(dataset.get("RescaleSlope", 1.0) or 1.0)
        intercept = float(dataset.get("RescaleIntercept", 0.0) or 0.0)
        volume[k] = stored.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    return Image(
        grid=grid,
        values=volume,
        modality=text(first, "Modality").upper() or "CT",
        series_instance_uid=text(first, "SeriesInstanceUID"),
        study_instance_uid=text(first, "StudyInstanceUID"),
        sop_instance_uids=tuple(text(s, "SOPInstanceUID") for s in slices),
        patient_id=text(first, "PatientID"),
        patient_name=text(first, "PatientName"),
        warnings=tuple(notes),
    )


def _slice_spacing(
    slices: list[Dataset],
    positions: npt.NDArray[np.float64],
    along: npt.NDArray[np.float64],
    normal: npt.NDArray[np.float64],
    single_slice_thickness_mm: float | None,
) -> float:
    if len(slices) == 1:
        for keyword in ("SpacingBetweenSlices", "SliceThickness"):
            value = slices[0].get(keyword)
            if value not in (None, "") and float(value) > 0:
                return float(value)
        if single_slice_thickness_mm is not None and single_slice_thickness_mm > 0:
            return float(single_slice_thickness_mm)
        raise DicomInputError(
            "SliceThickness",
            "a one-slice series needs a slice thickness and none is stored",
            None,
            "pass single_slice_thickness_mm (mm) or read the full series",
        )
    in_plane = positions - positions[0] - np.outer(along - along[0], normal)
    if np.max(np.linalg.norm(in_plane, axis=1)) > 10 * SPACING_TOLERANCE_MM:
        raise DicomInputError(
            "ImagePositionPatient",
            "slice origins do not lie on the slice normal (gantry tilt or mixed stacks)",
            f"max in-plane offset {np.max(np.linalg.norm(in_plane, axis=1)):.2f} mm",
            "resample the series onto an orthogonal grid",
        )
    gaps = np.diff(along)
    if np.any(gaps < SPACING_TOLERANCE_MM):
        duplicate = float(along[1:][gaps < SPACING_TOLERANCE_MM][0])
        raise DicomInputError(
            "ImagePositionPatient",
            "two slices share one position",
            f"{duplicate:.2f} mm along the normal",
            "remove duplicate slices (e.g. a second reconstruction) from the folder",
        )
    mean_gap = float(np.mean(gaps))
    if np.max(np.abs(gaps - mean_gap)) > SPACING_TOLERANCE_MM:
        unique = sorted({round(float(g), 3) for g in gaps})
        raise DicomInputError(
            "slice spacing",
            f"must be uniform within {SPACING_TOLERANCE_MM} mm (missing slice or variable spacing)",
            f"gaps {unique[:6]} mm",
            "export the series with uniform spacing or resample it",
        )
    return mean_gap


def _frame_of_reference(slices: list[Dataset], override: str | None, notes: list[str]) -> str:
    frames = {text(s, "FrameOfReferenceUID") for s in slices}
    if len(frames) > 1:
        raise DicomInputError(
            "FrameOfReferenceUID", "differs between slices", sorted(frames), "export one series"
        )
    frame = frames.pop()
    if frame:
        return frame
    if override:
        notes.append(f"FrameOfReferenceUID missing in the files; using the given {override}")
        return override
    raise DicomInputError(
        "FrameOfReferenceUID",
        "missing in the image series (required to place structures and dose)",
        None,
        "re-export the series, or pass frame_of_reference_uid if you know it",
    )
