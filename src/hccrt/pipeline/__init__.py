"""The main job, ``hccrt run``, and the planning stage (``hccrt plan``): the one orchestrator."""

from hccrt.pipeline._isotoxic import IsotoxicPlan, IsotoxicRequest, plan_isotoxic
from hccrt.pipeline._plan_case_dir import plan_case_dir
from hccrt.pipeline._planning import (
    DEFAULT_GANTRY_DEG,
    EvaluationContext,
    PlannedCase,
    PlanRequest,
    parse_prescriptions,
    plan_in_memory,
)
from hccrt.pipeline.main import run_case
from hccrt.pipeline.results import RunOptions, RunResult, StageOutcome, summary_text
from hccrt.planning import Technique

__all__ = [
    "DEFAULT_GANTRY_DEG",
    "EvaluationContext",
    "IsotoxicPlan",
    "IsotoxicRequest",
    "PlanRequest",
    "PlannedCase",
    "RunOptions",
    "RunResult",
    "StageOutcome",
    "Technique",
    "parse_prescriptions",
    "plan_case_dir",
    "plan_in_memory",
    "plan_isotoxic",
    "run_case",
    "summary_text",
]
