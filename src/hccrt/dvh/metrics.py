"""AAPM TG-263 DVH metric strings: parse, validate and evaluate on a DVH.

Supported forms (Mayo C et al., "AAPM TG-263: Standardizing nomenclatures in radiation
oncology", IJROBP 2018;100:1057-1066, section on DVH metrics); the unit of the *result* is in
brackets and may be omitted (default ``[Gy]`` for dose metrics and ``[%]`` for volume metrics):

====================  ==========================================================================
``D95%[Gy]``          minimum dose to the hottest 95 % of the structure volume
``D2cc[Gy]``          minimum dose to the hottest 2 cc (``D0.03cc`` = near-maximum)
``D95%[%]``           the same, in % of the prescription dose
``DC700cc[Gy]``       dose complement: maximum dose to the coldest 700 cc
``Dmean[Gy]``         mean dose (also ``Dmax``, ``Dmin``, ``Dmedian`` = ``D50%``)
``V20Gy[%]``          volume receiving at least 20 Gy, in % of the structure (``[cc]`` in cc)
``V95%[%]``           volume receiving at least 95 % of the prescription dose
``CV15Gy[cc]``        volume receiving *less* than 15 Gy (critical-volume metrics, 700 cc rule)
``gEUD(a=4)[Gy]``     generalised EUD with exponent ``a`` (``gEUD(n=0.97)`` uses ``a = 1/n``)
====================  ==========================================================================

Doses may be given in ``Gy`` or ``cGy``. A ``Dxcc`` larger than the structure volume yields NaN
with a warning (never 0 or the minimum dose).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.errors import InputError

EXPECTED_FORMS = (
    "D95%[Gy], D0.03cc[Gy], D2cc[Gy], DC700cc[Gy], Dmean[Gy], Dmax[Gy], Dmin[Gy], "
    "V20Gy[%], V20Gy[cc], V95%[%], CV15Gy[cc], gEUD(a=4)[Gy]"
)

_NUMBER = r"(?P<x>\d+(?:\.\d+)?)"
_PATTERNS = (
    ("dose_stat", re.compile(r"^D(?P<stat>mean|max|min|median)$", re.IGNORECASE)),
    ("dose_complement", re.compile(rf"^DC{_NUMBER}(?P<xu>%|cc)$", re.IGNORECASE)),
    ("dose_at_volume", re.compile(rf"^D{_NUMBER}(?P<xu>%|cc)$", re.IGNORECASE)),
    ("volume_below_dose", re.compile(rf"^CV{_NUMBER}(?P<xu>cGy|Gy|%)$", re.IGNORECASE)),
    ("volume_at_dose", re.compile(rf"^V{_NUMBER}(?P<xu>cGy|Gy|%)$", re.IGNORECASE)),
    (
        "geud",
        re.compile(r"^gEUD\((?P<param>a|n)=(?P<x>-?\d+(?:\.\d+)?)\)$", re.IGNORECASE),
    ),
)
_UNITS = {"gy": "Gy", "cgy": "cGy", "%": "%", "cc": "cc"}


@dataclass(frozen=True)
class DvhMetric:
    """A parsed DVH metric.

    Parameters
    ----------
    text
        The canonical string (e.g. ``"D95%[Gy]"``).
    kind
        ``dose_stat``, ``dose_at_volume``, ``dose_complement``, ``volume_at_dose``,
        ``volume_below_dose`` or ``geud``.
    value
        The number in the metric (95 in ``D95%``, 20 in ``V20Gy``, ``a`` for gEUD); NaN for stats.
    value_unit
        Unit of that number: ``%``, ``cc``, ``Gy``, ``cGy`` (``""`` for stats and gEUD).
    result_unit
        Unit of the result: ``Gy``, ``cGy``, ``%`` or ``cc``.
    statistic
        ``mean``, ``max``, ``min`` or ``median`` for ``dose_stat``.
    """

    text: str
    kind: str
    value: float
    value_unit: str
    result_unit: str
    statistic: str = ""

    @property
    def is_dose(self) -> bool:
        """True when the metric returns a dose."""
        return self.kind in ("dose_stat", "dose_at_volume", "dose_complement", "geud")

    @property
    def needs_prescription(self) -> bool:
        """True when the metric refers to the prescription dose (``V95%``, ``D95%[%]``)."""
        relative_input = self.kind.startswith("volume") and self.value_unit == "%"
        return relative_input or (self.is_dose and self.result_unit == "%")


@dataclass(frozen=True)
class MetricValue:
    """A metric evaluated on a DVH: value in ``unit``, NaN with a warning when undefined."""

    metric: str
    value: float
    unit: str
    warning: str = ""


def parse_metric(text: str) -> DvhMetric:
    """Parse a TG-263 DVH metric string.

    Raises
    ------
    InputError
        For any string that is not one of the supported forms (the message lists them).
    """
    raw = text.strip().replace(" ", "")
    match = re.match(r"^(?P<body>.+?)(?:\[(?P<unit>[^\]]*)\])?$", raw)
    body, unit = (match.group("body"), match.group("unit")) if match else (raw, None)
    for kind, pattern in _PATTERNS:
        found = pattern.match(body)
        if not found:
            continue
        groups = found.groupdict()
        is_dose = kind in ("dose_stat", "dose_at_volume", "dose_complement", "geud")
        result_unit = _result_unit(unit, is_dose, text)
        number = float(groups["x"]) if groups.get("x") else math.nan
        value_unit = _UNITS.get((groups.get("xu") or "").lower(), "")
        if kind == "geud":
            value_unit = ""
            if groups["param"].lower() == "n":
                if number == 0:
                    raise InputError("metric", "gEUD needs n != 0", text, "e.g. gEUD(n=0.97)")
                number = 1.0 / number
        if kind == "dose_at_volume" and value_unit == "%" and number > 100:
            raise InputError("metric", "a volume percentage must be <= 100", text, "e.g. D95%")
        statistic = (groups.get("stat") or "").lower()
        canonical = _canonical(kind, number, value_unit, result_unit, statistic)
        return DvhMetric(canonical, kind, number, value_unit, result_unit, statistic)
    raise InputError(
        "metric",
        "not a supported TG-263 DVH metric",
        text,
        f"use one of the forms {EXPECTED_FORMS}",
    )


def _result_unit(unit: str | None, is_dose: bool, text: str) -> str:
    if unit is None or unit == "":
        return "Gy" if is_dose else "%"
    key = unit.lower()
    allowed = ("gy", "cgy", "%") if is_dose else ("cc", "%")
    if key not in allowed:
        kind = "dose" if is_dose else "volume"
        raise InputError(
            "metric",
            f"a {kind} metric gives its result in {'/'.join(_UNITS[a] for a in allowed)}",
            text,
            f"use one of the forms {EXPECTED_FORMS}",
        )
    return _UNITS[key]


def _canonical(kind: str, number: float, value_unit: str, result_unit: str, stat: str) -> str:
    shown = f"{number:g}"
    prefix = {
        "dose_stat": f"D{stat}",
        "dose_at_volume": f"D{shown}{value_unit}",
        "dose_complement": f"DC{shown}{value_unit}",
        "volume_at_dose": f"V{shown}{value_unit}",
        "volume_below_dose": f"CV{shown}{value_unit}",
        "geud": f"gEUD(a={shown})",
    }[kind]
    return f"{prefix}[{result_unit}]"


def evaluate_metric(
    metric: DvhMetric | str, dvh: DoseVolumeHistogram, prescription_gy: float | None = None
) -> MetricValue:
    """Evaluate a metric on a DVH.

    Parameters
    ----------
    metric
        Parsed metric or metric string.
    dvh
        The structure's DVH (Gy).
    prescription_gy
        Prescription dose (Gy) for metrics relative to it (``V95%``, ``D95%[%]``).

    Raises
    ------
    InputError
        When the metric needs a prescription and none (or a non-positive one) is given.
    """
    parsed = parse_metric(metric) if isinstance(metric, str) else metric
    if parsed.needs_prescription and not (prescription_gy and prescription_gy > 0):
        raise InputError(
            "prescription_gy",
            f"metric {parsed.text} is relative to the prescription dose",
            prescription_gy,
            "give the prescription (RTPLAN or --prescription-gy)",
        )
    if dvh.is_empty:
        return MetricValue(
            parsed.text, math.nan, parsed.result_unit, f"{dvh.name}: no volume in the dose grid"
        )
    if parsed.is_dose:
        dose, warning = _dose_value(parsed, dvh)
        return MetricValue(parsed.text, _convert_dose(dose, parsed, prescription_gy),
                           parsed.result_unit, warning)  # fmt: skip
    threshold = parsed.value
    if parsed.value_unit == "cGy":
        threshold = parsed.value / 100.0
    elif parsed.value_unit == "%":
        threshold = parsed.value / 100.0 * float(prescription_gy or 0.0)
    volume = (
        dvh.volume_at_least_cc(threshold)
        if parsed.kind == "volume_at_dose"
        else dvh.volume_below_cc(threshold)
    )
    if parsed.result_unit == "%":
        volume = 100.0 * volume / dvh.covered_volume_cc
    return MetricValue(parsed.text, volume, parsed.result_unit)


def _dose_value(parsed: DvhMetric, dvh: DoseVolumeHistogram) -> tuple[float, str]:
    if parsed.kind == "dose_stat":
        stats = {"mean": dvh.dmean_gy, "max": dvh.dmax_gy, "min": dvh.dmin_gy}
        if parsed.statistic == "median":
            return dvh.dose_at_percent(50.0), ""
        return stats[parsed.statistic], ""
    if parsed.kind == "geud":
        return dvh.geud_gy(parsed.value), ""
    covered = dvh.covered_volume_cc
    volume = parsed.value if parsed.value_unit == "cc" else covered * parsed.value / 100.0
    if volume > covered * (1.0 + 1e-9):
        return math.nan, (
            f"{dvh.name}: {parsed.text} asks for {volume:g} cc but only {covered:.3f} cc of the "
            "structure is in the dose grid; value undefined"
        )
    if parsed.kind == "dose_complement":
        volume = covered - volume
    return dvh.dose_at_volume_cc(volume), ""


def _convert_dose(dose_gy: float, parsed: DvhMetric, prescription_gy: float | None) -> float:
    if parsed.result_unit == "cGy":
        return dose_gy * 100.0
    if parsed.result_unit == "%":
        return 100.0 * dose_gy / float(prescription_gy or math.nan)
    return dose_gy
