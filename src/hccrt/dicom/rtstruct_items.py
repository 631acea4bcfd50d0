"""Building blocks of RT Structure Set datasets shared by the writers.

Items of the Structure Set ROI, ROI Contour and RT ROI Observations sequences for one ROI
(:func:`roi_items`), the Referenced Frame of Reference item of a CT series
(:func:`referenced_frame`) and the checks every new ROI passes (:func:`check_structures`).
ContourData is stored as a raw DS value with 0.001 mm resolution.

References
----------
DICOM PS3.3 C.8.8.5 (Structure Set), C.8.8.6 (ROI Contour), C.8.8.8 (RT ROI Observations).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import Tag

from hccrt.dicom.ct_reference import CTReference
from hccrt.errors import InputError
from hccrt.geometry.contours import PlanarContour, StructureContours
from hccrt.geometry.grid import require_same_frame

RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
"""SOP Class UID of RT Structure Set Storage."""

STUDY_REFERENCE_SOP_CLASS = "1.2.840.10008.3.1.2.3.1"
"""Referenced SOP Class of RTReferencedStudySequence (Detached Study Management, as TPSs use)."""


CONTOUR_DATA = Tag("ContourData")
"""Tag of ContourData (3006,0050)."""


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
    item[CONTOUR_DATA] = RawDataElement(
        CONTOUR_DATA, "DS", len(text), text, 0, False, True, True, False
    )
    return item


def check_structures(structures: Sequence[StructureContours], frame_uid: str) -> None:
    """Raise unless ROI names are unique, ROIs share ``frame_uid`` and contours are planar."""
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


def roi_items(
    structure: StructureContours,
    number: int,
    frame_uid: str,
    image_for: dict[float, tuple[str, str]] | CTReference | None,
    algorithm: str,
) -> tuple[Dataset, Dataset, Dataset]:
    """The StructureSetROI, ROIContour and RTROIObservations items of one ROI.

    ``image_for`` links each contour to its CT image: a :class:`CTReference` (matched along the
    slice normal), a mapping from plane z (mm, rounded to 0.01) to (SOP Class, SOP Instance UID),
    or ``None`` (no ContourImageSequence).
    """
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


def referenced_frame(ct: CTReference) -> Dataset:
    """The ReferencedFrameOfReferenceSequence item listing every image of ``ct``."""
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


__all__ = [
    "CONTOUR_DATA",
    "RT_STRUCTURE_SET_STORAGE",
    "STUDY_REFERENCE_SOP_CLASS",
    "check_structures",
    "referenced_frame",
    "roi_items",
]
