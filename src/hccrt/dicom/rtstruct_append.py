"""Add ROIs to an existing RT Structure Set without copying or decoding what does not change.

:func:`add_structures` returns a new dataset that shares the unchanged data elements (and the
existing sequence items) with its source; only the elements that differ are new objects: SOP
Instance UID, instance creation date/time, the File Meta and the three ROI sequences (new
sequences holding the original items followed by the new ones). The source is never modified.

Without a CT reference, new contour planes are matched to the images that existing contours of
the same z reference (axial series); only the first plane coordinate of each existing contour is
parsed, not the whole ContourData.

References
----------
DICOM PS3.3 C.8.8.5 (Structure Set), C.8.8.6 (ROI Contour), C.8.8.8 (RT ROI Observations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID, generate_uid

from hccrt.dicom._common import read_dataset
from hccrt.dicom.ct_reference import CTReference
from hccrt.dicom.rtstruct_items import CONTOUR_DATA, check_structures, roi_items
from hccrt.errors import DicomInputError, GeometryMismatchError, InputError
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import require_same_frame

_ROI_SEQUENCES = ("StructureSetROISequence", "ROIContourSequence", "RTROIObservationsSequence")


def _frame_and_series(dataset: Dataset) -> tuple[str, str]:
    frames = dataset.get("ReferencedFrameOfReferenceSequence") or []
    if len(frames) != 1 or "FrameOfReferenceUID" not in frames[0]:
        raise DicomInputError(
            "ReferencedFrameOfReferenceSequence",
            "must hold exactly one Frame of Reference",
            len(frames),
            "use an RTSTRUCT drawn on one CT series",
        )
    series_uid = ""
    for study in frames[0].get("RTReferencedStudySequence") or []:
        for series in study.get("RTReferencedSeriesSequence") or []:
            series_uid = str(series.get("SeriesInstanceUID", ""))
    return str(frames[0].FrameOfReferenceUID), series_uid


def _third_value(item: Dataset) -> float | None:
    """ContourData[2] (z of the first point, mm) without decoding the whole value."""
    if CONTOUR_DATA not in item:
        return None
    element: Any = item.get_item(CONTOUR_DATA)  # RawDataElement until something decodes it
    if isinstance(element, RawDataElement):
        parts = (element.value or b"").split(b"\\", 3)
        return float(parts[2]) if len(parts) >= 3 else None
    data = element.value
    if data is None or isinstance(data, (str, bytes, float, int)) or len(data) < 3:
        return None
    return float(data[2])


def _images_by_z(dataset: Dataset) -> dict[float, tuple[str, str]]:
    """Plane z (mm, rounded to 0.01) -> (SOP Class, SOP Instance UID) of existing contours."""
    found: dict[float, tuple[str, str]] = {}
    for roi_contour in dataset.get("ROIContourSequence") or []:
        for item in roi_contour.get("ContourSequence") or []:
            images = item.get("ContourImageSequence") or []
            if len(images) != 1:
                continue
            z_mm = _third_value(item)
            if z_mm is not None:
                image = images[0]
                found[round(z_mm, 2)] = (
                    str(image.ReferencedSOPClassUID),
                    str(image.ReferencedSOPInstanceUID),
                )
    return found


def _elements(dataset: Dataset) -> dict[Any, Any]:
    """The elements of ``dataset`` as stored (raw values stay raw)."""
    tags = list(dataset.keys())  # iterating a Dataset would decode every element
    return {tag: dataset.get_item(tag) for tag in tags}


def _replace(dataset: Dataset, keyword: str, value: Any) -> None:
    """Set ``keyword`` with a new element, leaving a possibly shared old element untouched."""
    if keyword in dataset:
        del dataset[keyword]
    setattr(dataset, keyword, value)


def _shallow_copy(source: Dataset) -> Dataset:
    """A dataset with its own element mapping whose elements are those of ``source``."""
    is_implicit, is_little = source.original_encoding
    result: Dataset
    if isinstance(source, FileDataset):
        result = FileDataset(
            "",
            Dataset(_elements(source)),
            preamble=source.preamble,
            is_implicit_VR=bool(is_implicit),
            is_little_endian=True if is_little is None else bool(is_little),
        )
    else:
        result = Dataset(_elements(source))
    meta = getattr(source, "file_meta", None)
    if meta is not None:
        result.file_meta = FileMetaDataset(_elements(meta))
    result.set_original_encoding(is_implicit, is_little, source.original_character_set)
    return result


def _check_ct(ct: CTReference, frame_uid: str, series_uid: str) -> None:
    require_same_frame(ct.frame_of_reference_uid, frame_uid, "CT with RTSTRUCT")
    if series_uid and ct.series_instance_uid != series_uid:
        raise GeometryMismatchError(
            "SeriesInstanceUID",
            "the CT is not the series the RTSTRUCT references",
            f"{ct.series_instance_uid} vs {series_uid}",
            "pass the CT series the structures were drawn on",
        )


def add_structures(
    rtstruct: str | Path | Dataset,
    structures: Sequence[StructureContours],
    ct: CTReference | None = None,
    *,
    sop_instance_uid: str | None = None,
    generation_algorithm: str = "SEMIAUTOMATIC",
) -> Dataset:
    """A copy of ``rtstruct`` with ``structures`` appended (the input is not modified).

    Parameters
    ----------
    rtstruct
        Path of an RTSTRUCT file or a dataset.
    structures
        New ROIs, in the RTSTRUCT's Frame of Reference; their names must be new.
    ct
        The referenced CT series, to link contours to images exactly; it must be the series
        the RTSTRUCT references.
    sop_instance_uid
        SOP Instance UID of the copy (a new random UID by default).
    generation_algorithm
        ROIGenerationAlgorithm of the new ROIs.

    Returns
    -------
    Dataset
        New SOP Instance UID and creation date/time; same series, Frame of Reference (written
        at the top level with PositionReferenceIndicator when the source lacks them) and
        referenced images; original ROIs untouched; each new ROI keeps its number when it is
        free, else gets the next free one.

    Raises
    ------
    InputError
        A new ROI name already in the structure set.
    GeometryMismatchError
        Another Frame of Reference, or a CT that is not the referenced series.
    """
    if isinstance(rtstruct, Dataset):
        source = rtstruct
    else:
        source, _notes = read_dataset(rtstruct, "RTSTRUCT")
    frame_uid, series_uid = _frame_and_series(source)
    check_structures(structures, frame_uid)
    existing = {
        str(roi.ROIName): int(roi.ROINumber) for roi in source.get("StructureSetROISequence") or []
    }
    clashes = sorted(set(existing) & {s.name for s in structures})
    if clashes:
        raise InputError("ROIName", "already in the structure set", clashes, "choose new names")
    image_for: dict[float, tuple[str, str]] | CTReference
    if ct is not None:
        _check_ct(ct, frame_uid, series_uid)
        image_for = ct
    else:
        image_for = _images_by_z(source)
    sequences = {name: list(source.get(name) or []) for name in _ROI_SEQUENCES}
    used = set(existing.values())
    for structure in structures:
        number = structure.number
        if number in used or number < 1:
            number = max(used, default=0) + 1
        used.add(number)
        items = roi_items(structure, number, frame_uid, image_for, generation_algorithm)
        for name, item in zip(_ROI_SEQUENCES, items, strict=True):
            sequences[name].append(item)
    result = _shallow_copy(source)
    for name, items_of_sequence in sequences.items():
        _replace(result, name, DicomSequence(items_of_sequence))
    # The RT Structure Set IOD includes the Frame of Reference module: a source that states its
    # frame only in ReferencedFrameOfReferenceSequence gets it at the top level in the copy.
    if "FrameOfReferenceUID" not in result:
        _replace(result, "FrameOfReferenceUID", frame_uid)
    if "PositionReferenceIndicator" not in result:
        _replace(result, "PositionReferenceIndicator", "")
    new_uid = sop_instance_uid or str(generate_uid())
    _replace(result, "SOPInstanceUID", new_uid)
    if getattr(result, "file_meta", None) is not None:
        _replace(result.file_meta, "MediaStorageSOPInstanceUID", UID(new_uid))
    moment = datetime.now()
    _replace(result, "InstanceCreationDate", moment.strftime("%Y%m%d"))
    _replace(result, "InstanceCreationTime", moment.strftime("%H%M%S"))
    return result


__all__ = ["add_structures"]
