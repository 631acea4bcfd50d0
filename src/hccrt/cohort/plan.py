"""The default cohort evaluator: hccrt's plan evaluation of one case folder, as one table row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hccrt.evaluation import evaluate_files, files_from_case

NORMAL_LIVER = "Liver-GTV"


def plan_evaluation_row(case_dir: Path, protocol: str | None) -> dict[str, Any]:
    """Evaluate the plan of ``case_dir`` (RTSTRUCT, RTDOSE, optional RTPLAN/CT/patient.json).

    Returns
    -------
    dict
        ``verdict``, ``mean_normal_liver_dose_gy`` (Liver-GTV Dmean, Gy; ``None`` without a
        liver), ``ntcp`` (RILD NTCP as a fraction; ``None`` when it cannot be computed, e.g.
        Child-Pugh class unknown), ``constraints_total``, ``constraints_failed``,
        ``ruleset_version`` (protocol id and version) and ``parameters``.

    Raises
    ------
    InputError
        Whatever the plan evaluation refuses; the cohort runner records it for this case.
    """
    evaluation, _ct = evaluate_files(files_from_case(case_dir), protocol=protocol)
    liver = next((s for s in evaluation.structures if s.name == NORMAL_LIVER), None)
    estimate = next((n for n in evaluation.ntcp if n.ntcp is not None), None)
    mean_dose = liver.dmean_gy if liver is not None else None
    if mean_dose is None and estimate is not None:
        mean_dose = estimate.mean_dose_gy
    return {
        "verdict": evaluation.verdict,
        "mean_normal_liver_dose_gy": mean_dose,
        "ntcp": estimate.ntcp if estimate is not None else None,
        "constraints_total": len(evaluation.constraints),
        "constraints_failed": sum(1 for c in evaluation.constraints if c.passed is False),
        "protocol": evaluation.protocol.id,
        "ruleset_version": f"{evaluation.protocol.id} {evaluation.protocol.version}",
        "parameters": {
            "protocol_requested": protocol or "automatic",
            "protocol_selection": evaluation.protocol_selection,
            "fractions": evaluation.plan.fractions,
            "prescription_gy": evaluation.plan.prescription_gy,
            "child_pugh_class": evaluation.child_pugh_class,
            "ntcp_parameter_set": estimate.parameter_set if estimate is not None else None,
        },
    }
