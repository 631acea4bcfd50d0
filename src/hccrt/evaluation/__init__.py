"""Plan evaluation: HCC protocols as data, constraint checks, NTCP, verdict and recommendation.

Entry points: :func:`evaluate_plan` (objects in memory) and :func:`evaluate_files` (DICOM files
or a case folder). Reports: :func:`hccrt.report.write_report`.
"""

from hccrt.evaluation._plan_limits import ConvertedLimit, converted_limits
from hccrt.evaluation.evaluate import ConstraintResult, Evaluation, NtcpEstimate, evaluate_plan
from hccrt.evaluation.inputs import PlanFiles, evaluate_files, files_from_case
from hccrt.evaluation.protocol import (
    PROTOCOL_NAMES,
    Protocol,
    load_packaged_protocol,
    load_protocol,
    packaged_protocol_names,
    select_protocol,
)
from hccrt.evaluation.results import ConstraintStatus, NtcpStatus, Verdict
from hccrt.evaluation.technique import PlanFacts

__all__ = [
    "PROTOCOL_NAMES",
    "ConstraintResult",
    "ConstraintStatus",
    "ConvertedLimit",
    "Evaluation",
    "NtcpEstimate",
    "NtcpStatus",
    "PlanFacts",
    "PlanFiles",
    "Protocol",
    "Verdict",
    "converted_limits",
    "evaluate_files",
    "evaluate_plan",
    "files_from_case",
    "load_packaged_protocol",
    "load_protocol",
    "packaged_protocol_names",
    "select_protocol",
]
