"""Treatment planning: 6 MV pencil-beam dose engine, beams, 3DCRT, constrained IMRT, sequencing.

See ``docs/planning.md`` for the physics, the data sources and the "3DCRT first" rule of seed 000.
The names below are the package's public API; they are imported on first use, so importing one
planning module does not load the others (and ``hccrt.dicom`` may import the plan records).
"""

from __future__ import annotations

from typing import Any

_PUBLIC = {
    "AutoPlanResult": "hccrt.planning.outcomes",
    "Beam": "hccrt.planning.beams",
    "DoseConstraint": "hccrt.planning.objectives",
    "DoseInfluence": "hccrt.planning.dij",
    "InfeasiblePlanError": "hccrt.planning.objectives",
    "MlcModel": "hccrt.planning.mlc",
    "PlanningProblem": "hccrt.planning.problem",
    "TargetGoal": "hccrt.planning.objectives",
    "auto_plan": "hccrt.planning.auto",
    "compute_dose_influence": "hccrt.planning.dij",
    "equispaced_beams": "hccrt.planning.beams",
    "millennium_like_mlc": "hccrt.planning.mlc",
    "optimise_imrt": "hccrt.planning.imrt",
    "plan_conformal": "hccrt.planning.conformal",
    "sequence_beam": "hccrt.planning.sequencing",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _PUBLIC:
        raise AttributeError(f"module 'hccrt.planning' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
