"""Write ``evaluation.json``, ``report.html`` (jinja2, self-contained) and ``report.pdf`` (fpdf2).

:func:`write_report` is the one entry point used by ``hccrt evaluate`` and ``hccrt run``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jinja2

from hccrt import __version__
from hccrt.core import Image
from hccrt.dvh.names import is_target
from hccrt.evaluation.evaluate import Evaluation
from hccrt.report.figures import colourwash_figures, dvh_figure
from hccrt.report.pdf import render_pdf
from hccrt.serialize import dumps

_PREFERRED_TARGETS = ("PTV", "GTV", "CTV")


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(payload: dict[str, Any], images: dict[str, Any], assessment_text: str = "") -> str:
    """The HTML report from the evaluation payload and figure data URIs."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hccrt.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    return template.render(
        **payload,
        images=images,
        assessment_text=assessment_text,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(
    evaluation: Evaluation, out_dir: Path | str, ct: Image | None = None
) -> dict[str, Path]:
    """Write the evaluation and its report into ``out_dir`` (created if needed).

    Parameters
    ----------
    evaluation
        Result of :func:`hccrt.evaluation.evaluate_plan`.
    out_dir
        Output folder.
    ct
        Optional planning CT (:class:`hccrt.core.Image`) for the colour-wash background.

    Returns
    -------
    dict
        Paths of ``evaluation_json``, ``report_html``, ``report_pdf`` and the figures.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = evaluation.to_json()
    json_path = out / "evaluation.json"
    json_path.write_text(dumps(payload) + "\n", encoding="utf-8")
    figures: dict[str, Path] = {}
    # Protocol structures under their TG-263 names, plus the plan's targets (coverage).
    shown = {k: v for k, v in evaluation.dvhs.items() if not k.startswith("plan:")}
    shown.update(
        {k[5:]: v for k, v in evaluation.dvhs.items() if k.startswith("plan:") and is_target(k[5:])}
    )
    figures["dvh"] = dvh_figure(shown, out / "dvh.png", evaluation.plan.prescription_gy)
    slices: list[Path] = []
    if evaluation.dose_gy is not None and evaluation.dose_grid is not None:
        used = set(shown) | {n for s in evaluation.structures for n in s.plan_names}
        outlined = [s for s in evaluation.plan_structures if s.name in used]
        preferred = [s.name for s in evaluation.plan_structures if s.name.upper().startswith(
            _PREFERRED_TARGETS)]  # fmt: skip
        slices = colourwash_figures(
            evaluation.dose_gy, evaluation.dose_grid, outlined or evaluation.plan_structures,
            out, ct=ct, preferred=preferred,
        )  # fmt: skip
    for path in slices:
        figures[path.stem] = path
    images = {"dvh": _data_uri(figures["dvh"]), "slices": [_data_uri(p) for p in slices]}
    html_path = out / "report.html"
    html_path.write_text(
        render_html(json.loads(dumps(payload)), images, evaluation.assessment_text),
        encoding="utf-8",
    )
    pdf_path = render_pdf(json.loads(dumps(payload)), figures["dvh"], slices, out / "report.pdf",
                          evaluation.assessment_text)  # fmt: skip
    return {
        "evaluation_json": json_path,
        "report_html": html_path,
        "report_pdf": pdf_path,
        **{f"figure_{k}": v for k, v in figures.items()},
    }
