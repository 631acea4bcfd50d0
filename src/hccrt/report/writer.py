"""Write ``evaluation.json``, ``report.html`` and ``report.pdf`` from one template.

:func:`write_report` is the one entry point used by ``hccrt evaluate``, ``hccrt run`` and
``hccrt plan``. ``templates/report.html.j2`` is rendered once to ``report.html``; ``report.pdf``
is that same HTML laid out by :func:`hccrt.report.render.html_to_pdf`, so both show the same
identity header, sections and tables.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hccrt import __version__
from hccrt.core import Image
from hccrt.core.identity import DEIDENTIFIED, PatientIdentity, person_name
from hccrt.dvh.names import is_target
from hccrt.evaluation.evaluate import Evaluation
from hccrt.report.colours import evaluation_colours
from hccrt.report.dvh_points import dvh_point_tables
from hccrt.report.figures import DoseFigure, dose_figures, dvh_figure
from hccrt.report.render import html_to_pdf, render_page
from hccrt.serialize import dumps

_PREFERRED_TARGETS = ("PTV", "GTV", "CTV")
SIGN_OFF_ROLES = ("Prepared by (physicist)", "Reviewed by (physicist)",
                  "Approved by (radiation oncologist)")  # fmt: skip


def _ruleset() -> str:
    from hccrt.clinical.assess import RULESET

    return RULESET


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@dataclass(frozen=True)
class ReportHeader:
    """The identity and sign-off header of a report (the same on the HTML and the PDF)."""

    identity: PatientIdentity
    report_date: str
    version: str
    ruleset: str

    @property
    def rows(self) -> tuple[tuple[str, str, str, str, str, str], ...]:
        """The identity table: three label/value pairs per row."""
        i = self.identity
        plan_date = i.plan_date or "not recorded"
        if i.plan_date_source:
            plan_date += f" ({i.plan_date_source})"
        return (
            ("Patient", i.shown("patient_name"), "Patient ID", i.shown("patient_id"),
             "Birth date", i.shown("birth_date")),
            ("Plan", i.plan_label or "-", "Plan date", plan_date, "Report date", self.report_date),
            ("Institution", i.institution or "-", "hccrt", self.version, "Rule set", self.ruleset),
        )  # fmt: skip

    @property
    def running_line(self) -> str:
        """One line on top of every PDF page."""
        i = self.identity
        who = i.patient_name or (DEIDENTIFIED if i.is_deidentified else "")
        parts = [who, f"ID {i.patient_id}" if i.patient_id else "",
                 f"born {i.birth_date}" if i.birth_date else "",
                 f"plan {i.plan_label}" if i.plan_label else "",
                 f"report {self.report_date}", f"hccrt {self.version}"]  # fmt: skip
        return " · ".join(p for p in parts if p)


def report_identity(
    evaluation: Evaluation, ct: Image | None, identity: PatientIdentity | None
) -> PatientIdentity:
    """The identity given, completed from the CT's patient fields, the record and the plan."""
    result = identity or PatientIdentity()
    if ct is not None:
        result = result.merged(
            PatientIdentity(patient_name=person_name(ct.patient_name), patient_id=ct.patient_id)
        )
    record_id = str((evaluation.patient or {}).get("patient_id") or "")
    return result.merged(PatientIdentity(patient_id=record_id, plan_label=evaluation.plan.label))


def render_html(context: dict[str, Any]) -> str:
    """The report page (``templates/report.html.j2``) from :func:`report_context`'s context."""
    return render_page("report.html.j2", **context)


def _figure_rows(figures: list[DoseFigure]) -> list[list[dict[str, str]]]:
    cells = [{"uri": _data_uri(f.path), "caption": f.caption, "view": f.view} for f in figures]
    return [cells[i : i + 2] for i in range(0, len(cells), 2)]


def report_context(
    evaluation: Evaluation,
    payload: dict[str, Any],
    figures: dict[str, Any],
    header: ReportHeader,
) -> dict[str, Any]:
    """Everything the template shows: the payload, header, DVH points, figures and notes."""
    slices: list[DoseFigure] = figures["slices"]
    isodose_note = next((f.isodose_note for f in slices if f.isodose_note), "")
    if not slices:
        isodose_note = "no dose slice: no dose grid, or an oblique CT/dose grid"
    return {
        **payload,
        "header": header,
        "sign_off": SIGN_OFF_ROLES,
        "dvh_tables": dvh_point_tables(figures["dvhs"], evaluation.plan.prescription_gy),
        "dvh_image": _data_uri(figures["dvh"]),
        "figure_rows": _figure_rows(slices),
        "isodose_note": isodose_note,
        "cumulative_liver": payload.get("cumulative_liver"),
        "assessment_text": evaluation.assessment_text,
        "version": __version__,
    }


def write_report(
    evaluation: Evaluation,
    out_dir: Path | str,
    ct: Image | None = None,
    identity: PatientIdentity | None = None,
    review: Sequence[tuple[Path, str]] = (),
) -> dict[str, Path]:
    """Write the evaluation and its report into ``out_dir`` (created if needed).

    Parameters
    ----------
    evaluation
        Result of :func:`hccrt.evaluation.evaluate_plan`.
    out_dir
        Output folder.
    ct
        Optional planning CT (:class:`hccrt.core.Image`) for the dose-slice background; its
        patient name and ID complete the identity header.
    identity
        Patient identity and plan date (:func:`hccrt.dicom.identity.read_identity`); without
        one, the CT's and the patient record's fields are used, and absent fields show the
        de-identified label.
    review
        Figures the clinician reviews before signing, as ``(PNG path, caption)`` (e.g. the
        fused CT/MR view of ``hccrt run``); shown in an "Images for review" section.

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
    # Protocol structures under their TG-263 names, plus the plan's targets (coverage).
    shown = {k: v for k, v in evaluation.dvhs.items() if not k.startswith("plan:")}
    shown.update(
        {k[5:]: v for k, v in evaluation.dvhs.items() if k.startswith("plan:") and is_target(k[5:])}
    )
    colours = evaluation_colours(evaluation, shown)
    rx = evaluation.plan.prescription_gy
    files: dict[str, Path] = {"dvh": dvh_figure(shown, out / "dvh.png", rx, colours)}
    slices: list[DoseFigure] = []
    if evaluation.dose_gy is not None and evaluation.dose_grid is not None:
        used = set(shown) | {n for s in evaluation.structures for n in s.plan_names}
        outlined = [s for s in evaluation.plan_structures if s.name in used or is_target(s.name)]
        preferred = [s.name for s in evaluation.plan_structures if s.name.upper().startswith(
            _PREFERRED_TARGETS)]  # fmt: skip
        slices = dose_figures(
            evaluation.dose_gy, evaluation.dose_grid, outlined or evaluation.plan_structures,
            out, ct=ct, preferred=preferred, prescription_gy=rx, colours=colours,
        )  # fmt: skip
    for figure in slices:
        files[figure.path.stem] = figure.path
    header = ReportHeader(
        report_identity(evaluation, ct, identity),
        dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        __version__,
        _ruleset(),
    )
    context = report_context(
        evaluation, json.loads(dumps(payload)),
        {"dvh": files["dvh"], "slices": slices, "dvhs": shown}, header,
    )  # fmt: skip
    context["review_figures"] = [{"uri": _data_uri(p), "caption": c} for p, c in review]
    html = render_html(context)
    html_path = out / "report.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = html_to_pdf(
        html, out / "report.pdf", title=f"hccrt plan evaluation - {header.identity.plan_label}",
        running_header=header.running_line,
        footer="hccrt plan evaluation - decision support, to be checked by a physicist",
    )  # fmt: skip
    return {
        "evaluation_json": json_path,
        "report_html": html_path,
        "report_pdf": pdf_path,
        **{f"figure_{k}": v for k, v in files.items()},
    }
