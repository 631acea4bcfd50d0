"""Core value types of hccrt, below every IO package (validated, immutable records).

The DICOM readers return them and the writers take them; every package passes them across its
seams: :class:`Image` (CT/MR/PET series), :class:`Dose` (absolute or relative dose on its grid),
:class:`StructureSet`, :class:`Plan` with beams and control points, and :class:`PlanSummary`;
and the one accessor of clinical dose limits, :func:`protocol_limit` (the protocol data).
"""

from hccrt.core._dose import Dose, DoseUnit, StoredDVH, dose_in_gy
from hccrt.core._image import Image
from hccrt.core._limits import CONVENTIONAL, SourcedLimit, planning_defaults, protocol_limit
from hccrt.core._plan_summary import BeamSummary, DoseReference, PlanSummary, summarize_plan
from hccrt.core._status import Status
from hccrt.core._structures import StructureSet
from hccrt.core.plan import Beam, ControlPoint, LeafBank, MlcGeometry, Plan, RotationDirection

__all__ = [
    "CONVENTIONAL",
    "Beam",
    "BeamSummary",
    "ControlPoint",
    "Dose",
    "DoseReference",
    "DoseUnit",
    "Image",
    "LeafBank",
    "MlcGeometry",
    "Plan",
    "PlanSummary",
    "RotationDirection",
    "SourcedLimit",
    "Status",
    "StoredDVH",
    "StructureSet",
    "dose_in_gy",
    "planning_defaults",
    "protocol_limit",
    "summarize_plan",
]
