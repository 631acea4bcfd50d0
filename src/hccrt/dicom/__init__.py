"""DICOM input/output (the only package that imports pydicom).

Readers return typed, validated objects in LPS mm with their Frame of Reference:
:func:`read_ct_series`, :func:`read_rtstruct`, :func:`read_rtdose`, :func:`read_rtplan`.
"""

from hccrt.dicom.ct import CTSeries, read_ct_series
from hccrt.dicom.rtdose import DoseDistribution, StoredDVH, read_rtdose
from hccrt.dicom.rtplan import BeamSummary, DoseReference, PlanSummary, read_rtplan
from hccrt.dicom.rtstruct import RTStructSet, check_against_series, read_rtstruct

__all__ = [
    "BeamSummary",
    "CTSeries",
    "DoseDistribution",
    "DoseReference",
    "PlanSummary",
    "RTStructSet",
    "StoredDVH",
    "check_against_series",
    "read_ct_series",
    "read_rtdose",
    "read_rtplan",
    "read_rtstruct",
]
