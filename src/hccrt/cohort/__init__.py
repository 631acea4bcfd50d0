"""Cohort evaluation with Dask: many case folders, resumable, one row per case."""

from hccrt.cohort.runner import CohortResult, discover_cases, run_cohort

__all__ = ["CohortResult", "discover_cases", "run_cohort"]
