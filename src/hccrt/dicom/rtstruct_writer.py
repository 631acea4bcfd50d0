"""Write RT Structure Sets: a new one for a CT series, or a copy with ROIs added.

* :func:`build_rtstruct` - a new RTSTRUCT whose contours reference the images of a
  :class:`~hccrt.dicom.ct_writer.CTReference` (ContourImageSequence per contour, the full
  RTReferencedSeriesSequence, one Frame of Reference).
* :func:`add_structures` - a copy of an existing RTSTRUCT with new ROIs: new SOP Instance UID,
  same series, Frame of Reference and referenced images, original ROIs untouched, new ROI
  numbers unique (a structure keeps its own number when it is free, else gets the next free one).
* :func:`write_rtstruct` / :func:`add_rois` - save to disk.

:func:`add_structures` lives in :mod:`hccrt.dicom.rtstruct_append` and the dataset items in
:mod:`hccrt.dicom.rtstruct_items`; both are re-exported here.

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

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydicom.dataset import Dataset, FileDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from hccrt.dicom._common import file_meta
from hccrt.dicom.ct_reference import CTReference, PatientStudy
from hccrt.dicom.rtstruct_append import add_structures
from hccrt.dicom.rtstruct_items import (
    RT_STRUCTURE_SET_STORAGE,
    STUDY_REFERENCE_SOP_CLASS,
    check_structures,
    referenced_frame,
    roi_items,
)
from hccrt.errors import InputError
from hccrt.geometry.contours import StructureContours


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
    check_structures(structures, ct.frame_of_reference_uid)
    numbers = [s.number for s in structures]
    if len(set(numbers)) != len(numbers):
        raise InputError("ROINumber", "must be unique in a structure set", numbers, "renumber")
    if generation_algorithm not in ("AUTOMATIC", "SEMIAUTOMATIC", "MANUAL"):
        raise InputError("generation_algorithm", "not a DICOM value", generation_algorithm, "")
    moment = structure_set_datetime or datetime.now()
    sop_uid = sop_instance_uid or str(generate_uid())
    meta = file_meta(RT_STRUCTURE_SET_STORAGE, sop_uid)
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
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([referenced_frame(ct)])
    rois, contours, observations = [], [], []
    for structure in structures:
        items = roi_items(
            structure, structure.number, ct.frame_of_reference_uid, ct, generation_algorithm
        )
        rois.append(items[0])
        contours.append(items[1])
        observations.append(items[2])
    ds.StructureSetROISequence = DicomSequence(rois)
    ds.ROIContourSequence = DicomSequence(contours)
    ds.RTROIObservationsSequence = DicomSequence(observations)
    return ds


def write_rtstruct(dataset: Dataset, path: str | Path) -> Path:
    """Save an RTSTRUCT as a DICOM Part 10 file (preamble and File Meta); return the path."""
    if str(dataset.get("Modality", "")) != "RTSTRUCT":
        raise InputError("Modality", "must be RTSTRUCT", dataset.get("Modality"), "")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(dataset, FileDataset) or not hasattr(dataset, "file_meta"):
        meta = file_meta(RT_STRUCTURE_SET_STORAGE, str(dataset.SOPInstanceUID))
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
    "STUDY_REFERENCE_SOP_CLASS",
    "CTReference",
    "PatientStudy",
    "add_rois",
    "add_structures",
    "build_rtstruct",
    "write_rtstruct",
]
