"""Write RT Structure Sets: a new one for a CT series, or a copy with ROIs added.

* :func:`build_rtstruct` - a new RTSTRUCT whose contours reference the images of a
  :class:`~hccrt.dicom.ct_writer.CTReference` (ContourImageSequence per contour, the full
  RTReferencedSeriesSequence, one Frame of Reference).
* :func:`add_structures` - a copy of an existing RTSTRUCT with new ROIs: new SOP Instance UID,
  same series, Frame of Reference and referenced images, original ROIs untouched, new ROI
  numbers unique (a structure keeps its own number when it is free, else gets the next free one).
* :func:`write_rtstruct` / :func:`add_rois` - save to disk.

Contour planes are matched to CT images by their distance along the slice normal (a quarter
of the slice gap by default). Without a CT reference, :func:`add_structures` matches new planes
to the images already referenced by contours of the same z (axial series); unmatched planes get
no ContourImageSequence (it is optional, PS3.3 C.8.8.6).

References
----------
DICOM PS3.3 A.19 (RT Structure Set IOD), C.8.8.5 (Structure Set), C.8.8.6 (ROI Contour),
C.8.8.8 (RT ROI Observations).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import Tag
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from hccrt.dicom._common import read_dataset
from hccrt.dicom.ct_writer import CTReference, PatientStudy
from hccrt.errors import DicomInputError, GeometryMismatchError, InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import require_same_frame

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
"""SOP Class UID of RT Structure Set Storage."""

STUDY_REFERENCE_SOP_CLASS = "1.2.840.10008.3.1.2.3.1"
"""Referenced SOP Class of RTReferencedStudySequence (Detached Study Management, as TPSs use)."""


_CONTOUR_DATA = Tag("ContourData")


def _decimal_texts(values: npt.NDArray[np.float64]) -> list[str]:
    """Coordinates as DS texts with 0.001 mm resolution, trailing zeros dropped."""
    texts = np.char.rstrip(np.char.rstrip(np.char.mod("%.3f", np.round(values, 3)), "0"), ".")
    return ["0" if t in ("-0", "") else str(t) for t in texts]


def _contour_item(
    contour: PlanarContour, number: int, image_uids: tuple[str, str] | None
) -> Dataset:
    item = Dataset()
    if image_uids is not None:
        image = Dataset()
        image.ReferencedSOPClassUID, image.ReferencedSOPInstanceUID = image_uids
        item.ContourImageSequence = DicomSequence([image])
    item.ContourGeometricType = "CLOSED_PLANAR"
    item.NumberOfContourPoints = len(contour.points_mm)
    item.ContourNumber = number
    # Stored as a raw DS value: pydicom would otherwise build one DSfloat per coordinate.
    text = "\\".join(_decimal_texts(contour.points_mm.ravel())).encode("ascii")
    if len(text) % 2:
        text += b" "
    item.set_original_encoding(False, True, item._character_set)  # keep the raw value raw
    item[_CONTOUR_DATA] = RawDataElement(
        _CONTOUR_DATA, "DS", len(text), text, 0, False, True, True, False
    )
    return item


def _check_structures(structures: Sequence[StructureContours], frame_uid: str) -> None:
    names = [s.name for s in structures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError("ROIName", "must be unique in a structure set", duplicates, "rename")
    for structure in structures:
        require_same_frame(
            structure.frame_of_reference_uid, frame_uid, f"ROI '{structure.name}' with the CT"
        )
        for contour in structure.contours:
            if not contour.is_planar():
                raise InputError(
                    f"ROI '{structure.name}'", "contours must be planar", None, "fix the contour"
                )


def _roi_items(
    structure: StructureContours,
    number: int,
    frame_uid: str,
    image_for: dict[float, tuple[str, str]] | CTReference | None,
    algorithm: str,
) -> tuple[Dataset, Dataset, Dataset]:
    roi = Dataset()
    roi.ROINumber = number
    roi.ReferencedFrameOfReferenceUID = frame_uid
    roi.ROIName = structure.name
    roi.ROIGenerationAlgorithm = algorithm
    contour_items = []
    for index, contour in enumerate(structure.contours, start=1):
        centre = contour.points_mm.mean(axis=0)
        uids: tuple[str, str] | None = None
        if isinstance(image_for, CTReference):
            image = image_for.image_at(centre)
            uids = None if image is None else (image.sop_class_uid, image.sop_instance_uid)
        elif image_for is not None:
            uids = image_for.get(round(float(centre[2]), 2))
        contour_items.append(_contour_item(contour, index, uids))
    roi_contour = Dataset()
    roi_contour.ROIDisplayColor = list(structure.color_rgb)
    roi_contour.ReferencedROINumber = number
    if contour_items:
        roi_contour.ContourSequence = DicomSequence(contour_items)
    observation = Dataset()
    observation.ObservationNumber = number
    observation.ReferencedROINumber = number
    observation.RTROIInterpretedType = structure.interpreted_type
    observation.ROIInterpreter = ""
    return roi, roi_contour, observation


def _referenced_frame(ct: CTReference) -> Dataset:
    images = []
    for image in ct.images:
        item = Dataset()
        item.ReferencedSOPClassUID = image.sop_class_uid
        item.ReferencedSOPInstanceUID = image.sop_instance_uid
        images.append(item)
    series = Dataset()
    series.SeriesInstanceUID = ct.series_instance_uid
    series.ContourImageSequence = DicomSequence(images)
    study = Dataset()
    study.ReferencedSOPClassUID = STUDY_REFERENCE_SOP_CLASS
    study.ReferencedSOPInstanceUID = ct.study_instance_uid
    study.RTReferencedSeriesSequence = DicomSequence([series])
    frame = Dataset()
    frame.FrameOfReferenceUID = ct.frame_of_reference_uid
    frame.RTReferencedStudySequence = DicomSequence([study])
    return frame


def build_rtstruct(
    ct: CTReference,
    structures: Sequence[StructureContours],
    *,
    label: str = "hccrt",
    series_instance_uid: str | None = None,
    sop_instance_uid: str | None = None,
    series_number: int = 100,
    series_description: str = "",
    structure_set_datetime: datetime | None = None,
    generation_algorithm: str = "AUTOMATIC",
    manufacturer: str = "hccrt",
) -> FileDataset:
    """A new RTSTRUCT with ``structures`` on the CT series ``ct``.

    Parameters
    ----------
    ct
        The referenced CT series (see :class:`~hccrt.dicom.ct_writer.CTReference`).
    structures
        ROIs in the CT's Frame of Reference; names and numbers must be unique.
    label
        StructureSetLabel (up to 16 characters).
    series_instance_uid, sop_instance_uid
        UIDs of the new object (new random UIDs by default).
    series_number, series_description
        Series attributes.
    structure_set_datetime
        StructureSetDate/Time (now by default; pass a value for reproducible files).
    generation_algorithm
        ROIGenerationAlgorithm: ``AUTOMATIC``, ``SEMIAUTOMATIC`` or ``MANUAL``.
    manufacturer
        Manufacturer of the General Equipment module.

    Raises
    ------
    InputError
        Duplicate ROI names or numbers, non-planar contours.
    GeometryMismatchError
        A structure in another Frame of Reference.
    """
    _check_structures(structures, ct.frame_of_reference_uid)
    numbers = [s.number for s in structures]
    if len(set(numbers)) != len(numbers):
        raise InputError("ROINumber", "must be unique in a structure set", numbers, "renumber")
    if generation_algorithm not in ("AUTOMATIC", "SEMIAUTOMATIC", "MANUAL"):
        raise InputError("generation_algorithm", "not a DICOM value", generation_algorithm, "")
    moment = structure_set_datetime or datetime.now()
    sop_uid = sop_instance_uid or str(generate_uid())
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(RT_STRUCTURE_SET_STORAGE)
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("", Dataset(), file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = RT_STRUCTURE_SET_STORAGE
    ds.SOPInstanceUID = sop_uid
    ds.InstanceCreationDate = moment.strftime("%Y%m%d")
    ds.InstanceCreationTime = moment.strftime("%H%M%S")
    ct.patient.apply(ds)
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = series_instance_uid or str(generate_uid())
    ds.SeriesNumber = series_number
    ds.SeriesDescription = series_description
    ds.OperatorsName = ""
    ds.Manufacturer = manufacturer
    ds.StructureSetLabel = label[:16]
    ds.StructureSetDate = moment.strftime("%Y%m%d")
    ds.StructureSetTime = moment.strftime("%H%M%S")
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([_referenced_frame(ct)])
    rois, contours, observations = [], [], []
    for structure in structures:
        items = _roi_items(
            structure, structure.number, ct.frame_of_reference_uid, ct, generation_algorithm
        )
        rois.append(items[0])
        contours.append(items[1])
        observations.append(items[2])
    ds.StructureSetROISequence = DicomSequence(rois)
    ds.ROIContourSequence = DicomSequence(contours)
    ds.RTROIObservationsSequence = DicomSequence(observations)
    return ds


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


def _images_by_z(dataset: Dataset) -> dict[float, tuple[str, str]]:
    found: dict[float, tuple[str, str]] = {}
    for roi_contour in dataset.get("ROIContourSequence") or []:
        for item in roi_contour.get("ContourSequence") or []:
            images = item.get("ContourImageSequence") or []
            data = item.get("ContourData") or []
            if len(images) == 1 and len(data) >= 3:
                image = images[0]
                key = round(float(data[2]), 2)
                found[key] = (str(image.ReferencedSOPClassUID), str(image.ReferencedSOPInstanceUID))
    return found


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
    result = copy.deepcopy(source)
    frame_uid, series_uid = _frame_and_series(result)
    _check_structures(structures, frame_uid)
    existing = {
        str(roi.ROIName): int(roi.ROINumber) for roi in result.get("StructureSetROISequence") or []
    }
    clashes = sorted(set(existing) & {s.name for s in structures})
    if clashes:
        raise InputError("ROIName", "already in the structure set", clashes, "choose new names")
    image_for: dict[float, tuple[str, str]] | CTReference = _images_by_z(result)
    if ct is not None:
        require_same_frame(ct.frame_of_reference_uid, frame_uid, "CT with RTSTRUCT")
        if series_uid and ct.series_instance_uid != series_uid:
            raise GeometryMismatchError(
                "SeriesInstanceUID",
                "the CT is not the series the RTSTRUCT references",
                f"{ct.series_instance_uid} vs {series_uid}",
                "pass the CT series the structures were drawn on",
            )
        image_for = ct
    used = set(existing.values())
    for name in ("StructureSetROISequence", "ROIContourSequence", "RTROIObservationsSequence"):
        if name not in result:
            setattr(result, name, DicomSequence([]))
    for structure in structures:
        number = structure.number
        if number in used or number < 1:
            number = max(used, default=0) + 1
        used.add(number)
        roi, roi_contour, observation = _roi_items(
            structure, number, frame_uid, image_for, generation_algorithm
        )
        result.StructureSetROISequence.append(roi)
        result.ROIContourSequence.append(roi_contour)
        result.RTROIObservationsSequence.append(observation)
    new_uid = sop_instance_uid or str(generate_uid())
    result.SOPInstanceUID = new_uid
    if hasattr(result, "file_meta"):
        result.file_meta.MediaStorageSOPInstanceUID = UID(new_uid)
    moment = datetime.now()
    result.InstanceCreationDate = moment.strftime("%Y%m%d")
    result.InstanceCreationTime = moment.strftime("%H%M%S")
    return result


def write_rtstruct(dataset: Dataset, path: str | Path) -> Path:
    """Save an RTSTRUCT as a DICOM Part 10 file (preamble and File Meta); return the path."""
    if str(dataset.get("Modality", "")) != "RTSTRUCT":
        raise InputError("Modality", "must be RTSTRUCT", dataset.get("Modality"), "")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(dataset, FileDataset) or not hasattr(dataset, "file_meta"):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = UID(RT_STRUCTURE_SET_STORAGE)
        meta.MediaStorageSOPInstanceUID = UID(str(dataset.SOPInstanceUID))
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        dataset = FileDataset("", dataset, file_meta=meta, preamble=b"\0" * 128)
    dataset.save_as(target, enforce_file_format=True)
    return target


def add_rois(
    rtstruct_path: str | Path,
    structures: Sequence[StructureContours],
    out_path: str | Path,
    ct: CTReference | None = None,
) -> str:
    """Write a copy of the RTSTRUCT at ``rtstruct_path`` with ``structures`` added to
    ``out_path``; return the new SOP Instance UID."""
    dataset = add_structures(rtstruct_path, structures, ct)
    write_rtstruct(dataset, out_path)
    return str(dataset.SOPInstanceUID)


__all__ = [
    "RT_STRUCTURE_SET_STORAGE",
    "PatientStudy",
    "add_rois",
    "add_structures",
    "build_rtstruct",
    "write_rtstruct",
]
