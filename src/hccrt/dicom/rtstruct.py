"""Read an RTSTRUCT into :class:`~hccrt.geometry.contours.StructureContours` objects.

Rules
-----
* ``CLOSED_PLANAR`` (and ``CLOSED_PLANAR_XOR``) contours are kept; on one plane, several
  polygons combine by the even-odd rule, so a polygon inside another is a hole.
* ``POINT``, ``OPEN_PLANAR`` and ``OPEN_NONPLANAR`` contours, closed contours with fewer than 3
  distinct points and non-planar "closed" contours are skipped, each with a warning naming the ROI.
* Missing references (no referenced series, ROIs without contours, contour data for an ROI that is
  not declared) are reported in ``warnings``; a structure set is still usable without them.
* :func:`check_against_series` joins a structure set with a CT series: a different Frame of
  Reference is an error; a different referenced series or unknown referenced images are warnings.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from hccrt.core import Image, StructureSet
from hccrt.dicom._common import contour_points_of, read_dataset, require, text
from hccrt.errors import DicomInputError, InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import require_same_frame

_CLOSED_TYPES = ("CLOSED_PLANAR", "CLOSED_PLANAR_XOR")
# ContourSequence items: only ContourGeometricType and ContourData are read (and converted, with
# their warnings collected, in _polygons); their other elements (ContourImageSequence,
# ContourNumber, ...) stay raw, which halves the reading time of a large structure set.
_CONTOUR_SEQUENCE = frozenset({Tag(0x3006, 0x0040)})


RTStructSet = StructureSet
"""The structure-set type under its historical name (:class:`hccrt.core.StructureSet`)."""


def read_rtstruct(path: str | Path) -> StructureSet:
    """Read an RTSTRUCT file.

    Parameters
    ----------
    path
        The RTSTRUCT file (a missing File Meta header is tolerated with a warning).

    Returns
    -------
    StructureSet
        Structures with their closed planar contours in LPS mm.

    Raises
    ------
    DicomInputError
        Not an RTSTRUCT, no Frame of Reference at all, malformed contour data.
    """
    dataset, read_notes = read_dataset(path, "RTSTRUCT", unconverted_items=_CONTOUR_SEQUENCE)
    notes = list(read_notes)
    name = Path(path).name
    frame, series_uid, image_uids = _references(dataset, notes, name)
    declared = {
        int(item.ROINumber): item
        for item in dataset.get("StructureSetROISequence", [])
        if "ROINumber" in item
    }
    interpreted = {
        int(obs.ReferencedROINumber): text(obs, "RTROIInterpretedType")
        for obs in dataset.get("RTROIObservationsSequence", [])
        if "ReferencedROINumber" in obs
    }
    contours_by_roi = {
        int(item.ReferencedROINumber): item
        for item in dataset.get("ROIContourSequence", [])
        if "ReferencedROINumber" in item
    }
    for number in sorted(set(contours_by_roi) - set(declared)):
        notes.append(f"contour data for ROI number {number} has no StructureSetROI entry; ignored")
    structures = []
    for number, roi in declared.items():
        roi_name = text(roi, "ROIName") or f"ROI_{number}"
        roi_frame = text(roi, "ReferencedFrameOfReferenceUID") or frame
        if not roi_frame:
            raise DicomInputError(
                f"{name}:ReferencedFrameOfReferenceUID",
                f"ROI '{roi_name}' has no Frame of Reference and the set declares none",
                None,
                "re-export the structure set",
            )
        item = contours_by_roi.get(number)
        polygons = _polygons(item, roi_name, notes) if item is not None else ()
        if not polygons:
            notes.append(f"ROI '{roi_name}' (number {number}) has no closed contour")
        structures.append(
            StructureContours(
                name=roi_name,
                number=number,
                frame_of_reference_uid=roi_frame,
                contours=polygons,
                color_rgb=_colour(item),
                interpreted_type=interpreted.get(number, ""),
            )
        )
    frames = {s.frame_of_reference_uid for s in structures}
    if len(frames) > 1:
        notes.append(f"ROIs refer to several Frames of Reference: {sorted(frames)}")
    return StructureSet(
        structures=tuple(structures),
        frame_of_reference_uid=frame
        or (structures[0].frame_of_reference_uid if structures else ""),
        referenced_series_uid=series_uid,
        sop_instance_uid=str(require(dataset, "SOPInstanceUID", name)),
        warnings=tuple(notes),
        referenced_image_uids=frozenset(image_uids),
        study_instance_uid=text(dataset, "StudyInstanceUID"),
        patient_id=text(dataset, "PatientID"),
        label=text(dataset, "StructureSetLabel"),
    )


def _references(dataset: Dataset, notes: list[str], name: str) -> tuple[str, str | None, set[str]]:
    frames = list(dataset.get("ReferencedFrameOfReferenceSequence", []))
    if not frames:
        notes.append(f"{name}: no ReferencedFrameOfReferenceSequence")
        return "", None, set()
    frame = text(frames[0], "FrameOfReferenceUID")
    series: list[str] = []
    images: set[str] = set()
    for item in frames:
        for study in item.get("RTReferencedStudySequence", []):
            for ref in study.get("RTReferencedSeriesSequence", []):
                series.append(text(ref, "SeriesInstanceUID"))
                images.update(
                    text(img, "ReferencedSOPInstanceUID")
                    for img in ref.get("ContourImageSequence", [])
                )
    if not series:
        notes.append(f"{name}: no referenced image series (RTReferencedSeriesSequence missing)")
        return frame, None, images
    if len(set(series)) > 1:
        notes.append(f"{name}: several referenced series {sorted(set(series))}; using the first")
    return frame, series[0], images


def _colour(item: Dataset | None) -> tuple[int, int, int]:
    if item is None or "ROIDisplayColor" not in item:
        return (255, 0, 0)
    try:
        values = [int(float(v)) for v in item.ROIDisplayColor]
    except (TypeError, ValueError):
        return (255, 0, 0)
    if len(values) != 3 or any(not 0 <= v <= 255 for v in values):
        return (255, 0, 0)
    return (values[0], values[1], values[2])


def _polygons(item: Dataset, roi_name: str, notes: list[str]) -> tuple[PlanarContour, ...]:
    polygons: list[PlanarContour] = []
    skipped: dict[str, int] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # pydicom's value warnings, as in read_dataset
        kinds = [text(c, "ContourGeometricType").upper() for c in item.get("ContourSequence", [])]
    notes.extend(f"ROI '{roi_name}': {w.message}" for w in caught)
    contours = list(item.get("ContourSequence", []))
    # the closed contours' ContourData parsed in one pass, then used in the original order
    closed_items = [c for c, k in zip(contours, kinds, strict=True) if k in _CLOSED_TYPES]
    closed = iter(contour_points_of(closed_items))
    for kind in kinds:
        if kind not in _CLOSED_TYPES:
            skipped[kind or "(no type)"] = skipped.get(kind or "(no type)", 0) + 1
            continue
        points = next(closed)
        if points is None:
            skipped["malformed ContourData"] = skipped.get("malformed ContourData", 0) + 1
            continue
        try:
            polygon = PlanarContour(points)
        except InputError:
            skipped["closed with < 3 points"] = skipped.get("closed with < 3 points", 0) + 1
            continue
        if not polygon.is_planar(0.05):
            skipped["non-planar closed"] = skipped.get("non-planar closed", 0) + 1
            continue
        polygons.append(polygon)
    for kind, count in skipped.items():
        notes.append(
            f"ROI '{roi_name}': skipped {count} {kind} contour(s) (only closed planar used)"
        )
    return tuple(polygons)


def check_against_series(structure_set: StructureSet, series: Image) -> tuple[str, ...]:
    """Check that a structure set belongs to a CT series and return the warnings.

    Raises
    ------
    GeometryMismatchError
        When the Frames of Reference differ.
    """
    require_same_frame(
        structure_set.frame_of_reference_uid,
        series.grid.frame_of_reference_uid,
        f"RTSTRUCT {structure_set.sop_instance_uid} with CT series {series.series_instance_uid}",
    )
    notes: list[str] = []
    if structure_set.referenced_series_uid is None:
        notes.append(
            "the structure set names no image series; it was matched by Frame of Reference"
        )
    elif structure_set.referenced_series_uid != series.series_instance_uid:
        notes.append(
            f"the structure set references series {structure_set.referenced_series_uid}, "
            f"not the CT series given ({series.series_instance_uid})"
        )
    unknown = structure_set.referenced_image_uids - set(series.sop_instance_uids)
    if unknown:
        notes.append(
            f"{len(unknown)} referenced image(s) are not in the CT series "
            f"(e.g. {sorted(unknown)[0]})"
        )
    bounds = series.grid.bounds_mm()
    for structure in structure_set.structures:
        if structure.is_empty:
            continue
        points = structure.all_points_mm()
        inside = np.all((points >= bounds[0] - 1e-3) & (points <= bounds[1] + 1e-3), axis=1)
        if not np.all(inside):
            notes.append(
                f"ROI '{structure.name}': {int(np.sum(~inside))} contour point(s) lie outside the "
                "CT volume"
            )
    return tuple(notes)
