"""JSON payloads of a planned case: ``plan.json`` and ``evaluation.json``.

Written by :func:`hccrt.pipeline.plan_case_dir` (``hccrt plan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from hccrt.evaluation import Evaluation
from hccrt.planning.case import PlanningCase
from hccrt.planning.outcomes import AutoPlanResult, PlanOutcome
from hccrt.planning.quality import PlanQuality


def plan_payload(
    result: AutoPlanResult,
    case: PlanningCase,
    prescription_gy: float,
    fractions: int,
    files: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """The ``plan.json`` payload: choice, beams, segments and MU of every plan."""
    return {
        "chosen_technique": result.chosen.technique,
        "reason": result.reason,
        "infeasibility": result.infeasibility,
        "prescription_gy": prescription_gy,
        "fractions": fractions,
        "target": case.target,
        "isocenter_mm": list(case.isocenter_mm),
        "notes": list(case.notes),
        "timings_s": {k: round(v, 2) for k, v in result.timings_s.items()},
        "dose_grid": {
            "shape": list(case.dose_grid.shape),
            "spacing_mm": list(case.dose_grid.spacing_mm),
            "origin_mm": list(case.dose_grid.origin_mm),
        },
        "plans": [
            {
                "technique": p.technique,
                "passes": p.passes,
                "total_mu": round(p.total_mu, 1),
                "mu_per_fraction": round(p.total_mu / fractions, 1),
                "targets": _targets(p),
                "files": files.get(p.technique, {}),
                "beams": [
                    {
                        "name": d.beam.name,
                        "gantry_deg": d.beam.gantry_deg,
                        "couch_deg": d.beam.couch_deg,
                        "segments": len(d.segments),
                        "mu_per_fraction": round(d.mu / fractions, 2),
                    }
                    for d in p.deliveries
                ],
            }
            for p in result.plans
        ],
    }


def cumulative_dvh(dose: npt.NDArray[np.floating], step_gy: float = 0.5) -> dict[str, list[float]]:
    """Cumulative DVH of dose samples: volume (%) at or above each dose level (Gy)."""
    if dose.size == 0:
        return {"dose_gy": [], "volume_pct": []}
    levels = np.arange(0.0, float(dose.max()) + step_gy, step_gy)
    ordered = np.sort(dose)
    above = dose.size - np.searchsorted(ordered, levels, side="left")
    return {
        "dose_gy": [round(float(v), 3) for v in levels],
        "volume_pct": [round(float(v), 3) for v in above / dose.size * 100],
    }


def evaluation_payload(
    result: AutoPlanResult,
    case: PlanningCase,
    masks: Mapping[str, npt.NDArray[np.bool_]],
    evaluations: Mapping[str, Evaluation],
) -> dict[str, Any]:
    """The ``evaluation.json`` payload: every plan's constraints, protocol verdict and DVHs."""
    plans = []
    for p in result.plans:
        protocol = evaluations[p.technique].to_json()
        dvhs = {
            name: cumulative_dvh(p.dose_gy[mask])
            for name, mask in masks.items()
            if np.any(mask) and name != case.body
        }
        plans.append(
            {
                "technique": p.technique,
                "passes": p.passes,
                "protocol_verdict": protocol["verdict"],
                "protocol_reasons": protocol["verdict_reasons"],
                "coverage_pct": round(p.coverage_pct, 2),
                "coverage_goal_pct": p.coverage_goal_pct,
                "targets": _targets(p),
                "target_metrics": {k: round(v, 3) for k, v in p.target_metrics.items()},
                "constraints": [
                    {
                        "label": c.label,
                        "structure": c.structure,
                        "value": round(c.value, 3),
                        "limit": c.limit,
                        "unit": c.unit,
                        "met": c.met,
                        "hard": c.hard,
                        "source": c.source,
                    }
                    for c in p.constraints
                ],
                "quality": _quality(p.quality),
                "ntcp": protocol["ntcp"],
                "protocol_evaluation": protocol,
                "dvh": dvhs,
            }
        )
    return {
        "chosen_technique": result.chosen.technique,
        "reason": result.reason,
        "target": case.target,
        "prescription_gy": result.goal.prescription_gy,
        "plans": plans,
    }


def _targets(plan: PlanOutcome) -> list[dict[str, Any]]:
    """Every target's coverage at its own prescription (primary first)."""
    return [
        {
            "structure": t.structure,
            "prescription_gy": t.prescription_gy,
            "coverage_pct": round(t.coverage_pct, 2),
            "goal_pct": t.goal_pct,
            "d95_gy": round(t.d95_gy, 3),
            "met": t.met,
            "on": t.on,
        }
        for t in plan.targets
    ]


def _quality(quality: PlanQuality | None) -> dict[str, Any] | None:
    """Plan-quality metrics and criteria of one plan (``None`` when not assessed)."""
    if quality is None:
        return None
    return {
        "acceptable": quality.acceptable,
        "metrics": {k: round(v, 3) for k, v in quality.metrics.items()},
        "checks": [
            {
                "name": c.name,
                "value": round(c.value, 3),
                "limit": round(c.limit, 3),
                "met": c.met,
                "source": c.source,
            }
            for c in quality.checks
        ],
        "table": quality.table_note,
    }
