"""Key DVH points of the report, evaluated by :func:`hccrt.dvh.metrics.evaluate_metric`.

Targets (GTV/ITV/CTV/PTV): D98 %, D95 %, D50 %, D2 %, V100 % (with a prescription) and Dmean.
Normal liver (names with ``LIVER``): Dmean, V15 Gy, V20 Gy, V30 Gy and the volume below 15 Gy
(the 700 cc rule). Other organs at risk: Dmax, D0.03 cc, D1 cc and Dmean. Nothing is computed
here: each value is the DVH engine's metric on the evaluation's own DVHs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.dvh.metrics import evaluate_metric
from hccrt.dvh.names import is_target

TARGET_METRICS = ("D98%[Gy]", "D95%[Gy]", "D50%[Gy]", "D2%[Gy]", "V100%[%]", "Dmean[Gy]")
LIVER_METRICS = ("Dmean[Gy]", "V15Gy[%]", "V20Gy[%]", "V30Gy[%]", "CV15Gy[cc]")
OAR_METRICS = ("Dmax[Gy]", "D0.03cc[Gy]", "D1cc[Gy]", "Dmean[Gy]")


@dataclass(frozen=True)
class DvhPointTable:
    """One group of structures (targets, normal liver, organs at risk) and its metric values."""

    title: str
    metrics: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[str, ...] = ()


def _group(name: str) -> str:
    if is_target(name):
        return "targets"
    return "liver" if "LIVER" in name.upper() else "oar"


def _value(metric: str, dvh: DoseVolumeHistogram, prescription_gy: float | None,
           notes: list[str]) -> str:  # fmt: skip
    if metric.startswith("V100%") and not prescription_gy:
        return "no Rx"
    result = evaluate_metric(metric, dvh, prescription_gy)
    if result.warning:
        notes.append(result.warning)
    if not math.isfinite(result.value):
        return "-"
    return f"{result.value:.2f}" if result.unit == "Gy" else f"{result.value:.1f}"


def dvh_point_tables(
    dvhs: Mapping[str, DoseVolumeHistogram], prescription_gy: float | None
) -> list[DvhPointTable]:
    """The key DVH points of every non-empty DVH, grouped; groups without a structure left out."""
    groups: dict[str, tuple[str, Sequence[str]]] = {
        "targets": ("Targets", TARGET_METRICS),
        "liver": ("Normal liver", LIVER_METRICS),
        "oar": ("Organs at risk", OAR_METRICS),
    }
    tables = []
    for key, (title, metrics) in groups.items():
        notes: list[str] = []
        rows = tuple(
            (name, tuple(_value(m, dvh, prescription_gy, notes) for m in metrics))
            for name, dvh in dvhs.items()
            if _group(name) == key and not dvh.is_empty
        )
        if rows:
            tables.append(DvhPointTable(title, tuple(metrics), rows, tuple(dict.fromkeys(notes))))
    return tables
