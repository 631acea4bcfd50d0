"""Write ROIs derived by hccrt (propagated through a registration, lipiodol suggestions) with
their provenance: ROI Generation Algorithm, ROI Generation Description and ROI Description.

ROIs are written into a new RTSTRUCT on the CT, or added to a copy of an existing one
(:func:`hccrt.dicom.rtstruct_append.add_structures`, original ROIs untouched).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pydicom.dataset import Dataset

from hccrt.dicom.ct_reference import CTReference
from hccrt.dicom.rtstruct_append import add_structures
from hccrt.dicom.rtstruct_writer import build_rtstruct, write_rtstruct
from hccrt.geometry.contours import StructureContours


def write_derived_rtstruct(
    ct: CTReference,
    structures: Sequence[StructureContours],
    out_path: str | Path,
    descriptions: Mapping[str, str],
    *,
    algorithm: str = "SEMIAUTOMATIC",
    into: str | Path | None = None,
    label: str = "hccrt derived",
) -> str:
    """Write ``structures`` with their provenance; return the new SOP Instance UID.

    Parameters
    ----------
    ct
        The planning CT the contours lie on.
    structures
        New ROIs (CT Frame of Reference).
    out_path
        File to write.
    descriptions
        ROI name -> provenance text (ROI Description and ROI Generation Description, 64 chars).
    algorithm
        ROIGenerationAlgorithm (``AUTOMATIC``, ``SEMIAUTOMATIC`` or ``MANUAL``).
    into
        Existing RTSTRUCT on the same CT to add the ROIs to (a copy is written).
    label
        StructureSetLabel of a new structure set.
    """
    dataset: Dataset
    if into is None:
        dataset = build_rtstruct(ct, structures, label=label, generation_algorithm=algorithm)
    else:
        dataset = add_structures(into, structures, ct)
    names = {s.name for s in structures}
    for roi in dataset.StructureSetROISequence:
        name = str(roi.ROIName)
        if name in names and name in descriptions:
            roi.ROIGenerationAlgorithm = algorithm
            roi.ROIDescription = descriptions[name][:64]
            roi.ROIGenerationDescription = descriptions[name][:64]
    write_rtstruct(dataset, out_path)
    return str(dataset.SOPInstanceUID)
