"""The main job, ``hccrt run``: every stage hccrt has, for what a case folder contains."""

from hccrt.pipeline.main import run_case
from hccrt.pipeline.results import RunOptions, RunResult, StageOutcome, Technique, summary_text

__all__ = ["RunOptions", "RunResult", "StageOutcome", "Technique", "run_case", "summary_text"]
