"""Plain-text summaries of radiobiology results: every number with its model, parameters, source.

Used by the ``hccrt bed``, ``hccrt fractionation compare`` and ``hccrt ntcp`` commands and
available to reports: the text always names the model, every parameter with its status, the
source, and every structured warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hccrt.radiobiology.comparison import SchemeComparison
from hccrt.radiobiology.ntcp import NtcpResult
from hccrt.radiobiology.ntcp_parameters import NtcpParameterSet
from hccrt.radiobiology.records import ModelWarning
from hccrt.radiobiology.schemes import BedResult


def describe_bed(result: BedResult) -> str:
    """BED and EQD2 of one scheme with the model, parameters, source and warnings.

    Examples
    --------
    >>> from hccrt.radiobiology.schemes import scheme_bed
    >>> print(describe_bed(scheme_bed(5.0, 10, 10.0)))  # seed 000: 5 Gy x 10
    10 x 5 Gy = 50 Gy, α/β 10 Gy, model lq
    BED  75.00 Gy
    EQD2 62.50 Gy
    parameters: alpha_beta_gy=10, status=V
    source: linear-quadratic model (clinical-facts §3.1)
    """
    lines = [
        f"{result.fractions} x {result.dose_per_fraction_gy:g} Gy = {result.total_dose_gy:g} Gy, "
        f"α/β {result.alpha_beta_gy:g} Gy, model {result.model.value}",
        f"BED  {result.bed_gy:.2f} Gy",
        f"EQD2 {result.eqd2_gy:.2f} Gy",
        f"parameters: {_parameter_text(result.parameters)}",
        f"source: {result.parameters.get('source', '')}",
    ]
    return _with_warnings(lines, result.warnings)


def describe_comparison(rows: Sequence[SchemeComparison]) -> str:
    """Table of BED and EQD2 per scheme and α/β, then the model, its parameters and sources.

    Warnings shared by several schemes are printed once, naming the schemes.
    """
    if not rows:
        return "no schemes"
    ratios = [entry.alpha_beta_gy for entry in rows[0].by_alpha_beta]
    header = ["scheme", "total Gy"]
    for ab in ratios:
        header += [f"BED{ab:g}", f"EQD2({ab:g})"]
    table = [header]
    notes: dict[str, list[str]] = {}
    for row in rows:
        cells = [row.scheme, f"{row.total_dose_gy:g}"]
        for entry in row.by_alpha_beta:
            cells += [f"{entry.bed_gy:.1f}", f"{entry.eqd2_gy:.1f}"]
            for warning in entry.warnings:
                schemes = notes.setdefault(warning.message, [])
                if row.scheme not in schemes:
                    schemes.append(row.scheme)
        table.append(cells)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in table]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append(f"model: {rows[0].model.value} (doses in Gy; EQD2 in 2 Gy fractions)")
    sources: list[str] = []
    for entry in rows[0].by_alpha_beta:
        shown = _parameter_text(entry.parameters, skip=("source", "alpha_beta_gy"))
        lines.append(f"parameters (α/β {entry.alpha_beta_gy:g} Gy): {shown}")
        source = str(entry.parameters.get("source", ""))
        if source not in sources:
            sources.append(source)
    lines += [f"source: {source}" for source in sources]
    lines += [f"warning ({', '.join(where)}): {message}" for message, where in notes.items()]
    return "\n".join(lines)


def describe_ntcp(result: NtcpResult) -> str:
    """NTCP, gEUD and mean doses with the parameter set (n, m, TD50, fractionation, status)."""
    p = result.parameter_set
    lines = [
        f"NTCP {result.ntcp:.3f} ({result.model}, {p.name}: n {p.n:g}, m {p.m:g}, "
        f"TD50 {p.td50_gy:g} Gy at {p.reference_dose_per_fraction_gy:g} Gy/fraction, "
        f"α/β {p.alpha_beta_gy:g} Gy; status {p.status.value})",
        f"gEUD {result.geud_gy:.2f} Gy (in {p.reference_dose_per_fraction_gy:g} Gy fractions)",
        f"mean dose {result.mean_dose_gy:.2f} Gy physical, {result.eqd2_mean_dose_gy:.2f} Gy EQD2",
        f"volume {result.total_volume_cc:.1f} cc, {result.fractions} fractions",
        f"source: {p.source}",
    ]
    return _with_warnings(lines, result.warnings)


def describe_parameter_sets(parameter_sets: Iterable[NtcpParameterSet]) -> str:
    """One block per NTCP parameter set: values, fitting fractionation, status and source."""
    lines = []
    for p in parameter_sets:
        lines.append(
            f"{p.name}: n {p.n:g}, m {p.m:g}, TD50 {p.td50_gy:g} Gy, fitted at "
            f"{p.reference_dose_per_fraction_gy:g} Gy/fraction, α/β {p.alpha_beta_gy:g} Gy "
            f"[{p.status.value}]"
        )
        lines.append(f"    {p.label}; {p.endpoint}")
        lines.append(f"    source: {p.source}")
    return "\n".join(lines)


def _parameter_text(parameters: Mapping[str, Any], skip: Iterable[str] = ("source",)) -> str:
    excluded = set(skip)
    return ", ".join(
        f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in parameters.items()
        if key not in excluded
    )


def _with_warnings(lines: list[str], warnings: Iterable[ModelWarning]) -> str:
    return "\n".join([*lines, *(f"warning: {warning.message}" for warning in warnings)])
