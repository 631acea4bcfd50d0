"""DICOM input/output (the only package that imports pydicom).

Readers return the core value types of :mod:`hccrt.core` in LPS mm with their Frame of
Reference: :func:`read_ct_series` (:class:`~hccrt.core.Image`), :func:`read_rtstruct`
(:class:`~hccrt.core.StructureSet`), :func:`read_rtdose` (:class:`~hccrt.core.Dose`),
:func:`read_rtplan` (:class:`~hccrt.core.PlanSummary`). The historical names ``CTSeries``,
``RTStructSet`` and ``DoseDistribution`` are the same classes.
"""

import hccrt.dicom._pydicom  # noqa: F401  (first: pydicom without its download stack)
from hccrt.core import BeamSummary, DoseReference, PlanSummary, StoredDVH
from hccrt.dicom.ct import CTSeries, read_ct_series
from hccrt.dicom.rtdose import DoseDistribution, read_doses_gy, read_rtdose
from hccrt.dicom.rtplan import read_rtplan
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
    "read_doses_gy",
    "read_rtdose",
    "read_rtplan",
    "read_rtstruct",
]
