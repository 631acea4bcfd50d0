"""Dose-volume histograms: engine, TG-263 metrics, structure names, dose summation.

Public API: :func:`compute_dvh`, :class:`DoseVolumeHistogram`, :class:`DvhSettings`,
:func:`parse_metric`, :func:`evaluate_metric`, :func:`tg263_name`.
"""

from hccrt.dvh.engine import compute_dvh, union_dvh
from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.metrics import DvhMetric, MetricValue, evaluate_metric, parse_metric
from hccrt.dvh.names import find_structure, tg263_name
from hccrt.dvh.sampling import DvhSettings

__all__ = [
    "DoseVolumeHistogram",
    "DvhMetric",
    "DvhSettings",
    "MetricValue",
    "compute_dvh",
    "evaluate_metric",
    "find_structure",
    "parse_metric",
    "tg263_name",
    "union_dvh",
]
