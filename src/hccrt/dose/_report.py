"""Commissioning report: JSON (parameters and every residual) and HTML with matplotlib plots."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from hccrt.dose._commission import CommissioningResult
from hccrt.dose._measured import MeasuredBeamData


def report_dict(result: CommissioningResult) -> dict[str, Any]:
    """JSON-ready report: model, held-out fields, worst residuals and all residuals."""
    kinds = sorted({r.kind for r in result.residuals})
    return {
        "model": result.model.to_dict(),
        "held_out_fields_mm": [list(f) for f in result.held_out],
        "worst_difference_percent": {
            kind: {
                "fitted": result.worst(kind, held_out=False),
                "held_out": result.worst(kind, held_out=True),
            }
            for kind in kinds
        },
        "residuals": [
            {
                "kind": r.kind,
                "field_mm": list(r.field_mm),
                "depth_mm": r.depth_mm,
                "position_mm": r.position_mm,
                "measured": r.measured,
                "model": r.model,
                "difference_percent": r.difference_percent,
                "held_out": r.held_out,
            }
            for r in result.residuals
        ],
    }


def _png(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(result: CommissioningResult, data: MeasuredBeamData) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for curve in data.pdds:
        depths, values = result.model_pdds[curve.field_mm]
        line = axis.plot(depths, [100 * v for v in values], lw=1)[0]
        axis.plot(curve.positions_mm, 100 * curve.values, "o", ms=3, color=line.get_color())
        line.set_label(f"{curve.field_mm[0]:g}x{curve.field_mm[1]:g} mm")
    axis.set(xlabel="depth (mm)", ylabel="PDD (%)", title="Depth dose: model (line), measured (o)")
    axis.legend(fontsize=7)
    plots.append(("Depth doses", _png(figure)))
    for table in (data.output_factors, data.sc):
        if table is None:
            continue
        rows = [r for r in result.residuals if r.kind == table.kind]
        figure, axis = plt.subplots(figsize=(7, 4))
        sides = [r.field_mm[0] for r in rows]
        axis.plot(sides, [r.measured for r in rows], "o", label="measured")
        axis.plot(sides, [r.model for r in rows], "x-", label="model")
        axis.set(xlabel="field side (mm)", ylabel=table.kind, title=f"{table.kind} factors")
        axis.legend()
        plots.append((f"{table.kind} factors", _png(figure)))
    if data.profiles:
        figure, axis = plt.subplots(figsize=(7, 4.5))
        for curve in data.profiles:
            assert curve.depth_mm is not None
            x, y = result.model_profiles[(curve.field_mm, curve.depth_mm)]
            line = axis.plot(x, y, lw=1)[0]
            axis.plot(curve.positions_mm, curve.values, "o", ms=2, color=line.get_color())
        axis.set(xlabel="off-axis (mm)", ylabel="relative dose", title="Profiles")
        plots.append(("Profiles", _png(figure)))
    return plots


def write_commissioning_report(
    result: CommissioningResult, data: MeasuredBeamData, out_dir: Path
) -> tuple[Path, Path]:
    """Write ``commissioning.json`` and ``commissioning.html``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    content = report_dict(result)
    json_path = out_dir / "commissioning.json"
    json_path.write_text(json.dumps(content, indent=2) + "\n")
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v['fitted']:.2f}</td><td>{v['held_out']:.2f}</td></tr>"
        for k, v in content["worst_difference_percent"].items()
    )
    params = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
        for k, v in content["model"].items()
    )
    residual_rows = "".join(
        f"<tr><td>{r.kind}</td><td>{r.field_mm[0]:g}x{r.field_mm[1]:g}</td><td>{r.depth_mm:g}</td>"
        f"<td>{r.position_mm:g}</td><td>{r.measured:.4f}</td><td>{r.model:.4f}</td>"
        f"<td>{r.difference_percent:+.2f}</td><td>{'yes' if r.held_out else ''}</td></tr>"
        for r in result.residuals
    )
    figures = "".join(
        f'<h2>{html.escape(title)}</h2><img alt="{html.escape(title)}" '
        f'src="data:image/png;base64,{png}">'
        for title, png in _plots(result, data)
    )
    title = html.escape(f"{result.model.machine} {result.model.energy}")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hccrt beam model commissioning</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}td,th{{padding:0 .6em;
border-bottom:1px solid #ddd;font-size:90%}}</style></head><body>
<h1>Beam model commissioning: {title}</h1>
<p>Research software, not for clinical use. Source: {html.escape(result.model.source)}</p>
<h2>Worst differences (%)</h2><table><tr><th>kind</th><th>fitted</th><th>held out</th></tr>
{rows}</table>{figures}
<h2>Model parameters</h2><table>{params}</table>
<h2>All residuals</h2><table><tr><th>kind</th><th>field (mm)</th><th>depth (mm)</th>
<th>position (mm)</th><th>measured</th><th>model</th><th>difference (%)</th><th>held out</th></tr>
{residual_rows}</table></body></html>
"""
    html_path = out_dir / "commissioning.html"
    html_path.write_text(page)
    return json_path, html_path
