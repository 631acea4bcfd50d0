"""The one-page secondary-check report of ``hccrt dose``: HTML, and the PDF drawn from that HTML.

It names the plan, the CT, the beams (delivery, MU, angles, beam model and its source), the
dose grid, the gamma pass rates and the DVH differences, and every note; the header says what
it is: an independent calculation to be reviewed by a physicist, not a plan approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

if TYPE_CHECKING:
    from hccrt.dose.check import DoseCheckInputs, DoseCheckResult

__all__ = ["write_reports"]

_TITLE = "hccrt secondary dose check"
_DISCLAIMER = (
    "Independent dose calculation for review by a medical physicist; it does not approve a plan."
)
_TEMPLATE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:sans-serif;font-size:12px;margin:24px;max-width:1000px}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #bbb;padding:2px 6px}
th{background:#eee}.small{color:#555;font-size:11px}
</style></head><body>
<h1>{{ title }}</h1><p class="small">{{ disclaimer }}</p>
{% for heading, header, rows in sections %}
<h2>{{ heading }}</h2>
<table border="1" width="100%"><tr>{% for h in header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>
{% endfor %}
<h2>Notes</h2><ul>{% for note in notes %}<li>{{ note }}</li>{% endfor %}</ul>
</body></html>
""",
    autoescape=True,
)

Section = tuple[str, Sequence[str], Sequence[Sequence[str]]]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _sections(result: DoseCheckResult, inputs: DoseCheckInputs) -> list[Section]:
    plan = [
        ("plan", f"{result.plan_label} ({inputs.rtplan_path.name})"),
        ("plan UID", result.plan_uid),
        ("patient", inputs.plan.patient_id),
        ("fractions", str(result.fractions)),
        ("prescription (Gy)", _fmt(result.prescription_gy)),
        ("MU per fraction", _fmt(result.total_mu_per_fraction, 1)),
        ("CT", f"{inputs.ct.series_instance_uid} {inputs.ct.grid.shape}"),
        ("dose grid", f"{result.dose_grid_mm:g} mm {result.dose_grid_shape}"),
        ("max dose hccrt (Gy)", _fmt(result.max_dose_gy)),
        ("max dose reference (Gy)", _fmt(result.reference_max_dose_gy)),
        ("RTDOSE written", result.rtdose),
    ]
    beams = [
        (
            str(b.number), b.name, b.machine, b.energy, b.delivery, _fmt(b.monitor_units, 1),
            str(b.control_points), f"{b.gantry_deg:g}", f"{b.collimator_deg:g}",
            f"{b.couch_deg:g}", str(b.directions), b.model_source,
        )
        for b in result.beams
    ]  # fmt: skip
    gamma = [
        (
            f"{g.dose_percent:g} %/{g.distance_mm:g} mm",
            _fmt(g.pass_rate_percent, 1),
            str(g.evaluated_points),
            f"{g.low_dose_cutoff_percent:g} % of {g.normalisation_gy:.2f} Gy",
        )
        for g in result.gamma
    ]
    dvh = [
        (
            d.name,
            _fmt(d.volume_cc, 1),
            *(
                f"{d.hccrt_gy[k]:.2f} / {d.reference_gy[k]:.2f} "
                f"({_fmt(d.difference_percent[k], 1)} %)"
                for k in ("dmean", "d95", "d2", "dmax")
            ),
        )
        for d in result.dvh
    ]
    beam_header = (
        "#", "name", "machine", "energy", "delivery", "MU/fx", "CPs", "gantry", "coll", "couch",
        "directions", "beam model",
    )  # fmt: skip
    sections: list[Section] = [
        ("Plan", ("item", "value"), plan),
        ("Beams", beam_header, beams),
    ]
    if gamma:
        sections.append(
            ("Gamma (global, vs planning system)", ("criterion", "pass %", "points", "cut-off"),
             gamma)
        )  # fmt: skip
    if dvh:
        sections.append(
            (
                "DVH: hccrt / reference (difference)",
                ("structure", "cc", "Dmean Gy", "D95 Gy", "D2 Gy", "Dmax Gy"),
                dvh,
            )
        )
    return sections


def write_reports(
    result: DoseCheckResult, inputs: DoseCheckInputs, folder: Path
) -> tuple[Path, Path]:
    """Write ``dose_check.html`` and ``dose_check.pdf`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    sections = _sections(result, inputs)
    html = folder / "dose_check.html"
    html.write_text(
        _TEMPLATE.render(
            title=_TITLE, disclaimer=_DISCLAIMER, sections=sections, notes=result.notes
        ),
        encoding="utf-8",
    )
    from hccrt.report.render import html_to_pdf  # the reports' one HTML-to-PDF path

    path = html_to_pdf(
        html.read_text(encoding="utf-8"), folder / "dose_check.pdf", title=_TITLE,
        footer=_DISCLAIMER, orientation="L", body_pt=6.5,
    )  # fmt: skip
    return html, path
