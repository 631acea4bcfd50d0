"""PDF version of the evaluation report (fpdf2, DejaVu Sans from matplotlib for Unicode text)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


class _Report(FPDF):
    def header(self) -> None:
        self.set_font("DejaVu", "", 7)
        self.set_text_color(110)
        self.cell(0, 4, "hccrt plan evaluation - decision support, to be checked by a physicist",
                  new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"page {self.page_no()}", align="C")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[int], *, font_pt: float = 7, line_height_mm: float = 3.6,
           body_font_pt: float = 8) -> None:  # fmt: skip
    """Write a header row and the rows as a left-aligned table, then restore the body font."""
    pdf.set_font("DejaVu", "", font_pt)
    with pdf.table(
        col_widths=tuple(widths), text_align="LEFT", line_height=line_height_mm
    ) as table:
        head = table.row()
        for text in header:
            head.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)
    pdf.set_font("DejaVu", "", body_font_pt)


def render_pdf(
    payload: dict[str, Any],
    dvh_png: Path,
    slice_pngs: Sequence[Path],
    path: Path,
    assessment_text: str = "",
) -> Path:
    """Write the PDF report from the ``evaluation.json`` payload and the figures."""
    pdf = _Report(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(_FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(0, 9, "Plan evaluation report", new_x="LMARGIN", new_y="NEXT")
    verdict = str(payload["verdict"])
    pdf.set_text_color(17, 105, 30) if verdict == "pass" else pdf.set_text_color(176, 0, 32)
    pdf.cell(0, 8, f"Verdict: {verdict.upper()}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font("DejaVu", "", 8)
    for reason in payload["verdict_reasons"]:
        pdf.multi_cell(0, 4, f"- {reason}", new_x="LMARGIN", new_y="NEXT")
    for recommendation in payload["recommendations"]:
        pdf.set_font("DejaVu", "B", 8)
        pdf.multi_cell(0, 4, f"Recommendation: {recommendation}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
    plan, protocol = payload["plan"], payload["protocol"]
    _heading(pdf, "Patient and plan")
    rx = plan.get("prescription_gy")
    facts = [
        ("Child-Pugh class", f"{payload['child_pugh_class'] or 'unknown'} "
                             f"({payload['child_pugh_source']})"),
        ("Plan", f"{plan['label']} - beams: {', '.join(plan['beams'])}"),
        ("Prescription", f"{_fmt(rx)} Gy in {plan['fractions']} fractions"
                         if rx else f"unknown; {plan['fractions']} fractions"),
        ("Technique", f"{plan['technique']} ({plan['technique_source']})"),
        ("Dose", f"{' + '.join(plan['dose_files'])}; max {_fmt(plan['dose_max_gy'])} Gy"),
        ("Protocol", f"{protocol['title']} v{protocol['version']} - {protocol['selection']}"),
        ("Protocol identity", f"sha256 {protocol['sha256'][:16]}... ({protocol['origin']})"),
    ]  # fmt: skip
    _table(pdf, ("Item", "Value"), facts, (30, 150))
    _heading(pdf, "Constraints")
    rows = []
    for c in payload["constraints"]:
        limit = f"{c['comparator']} {c['limit']:g} {c['unit']}"
        if c.get("conversion"):
            conv = c["conversion"]
            limit += f" (from {conv['original_metric']} {conv['original_limit']:g} at "
            limit += f"{conv['reference']})"
        value = "-" if c["value"] is None else f"{c['value']:.2f} {c['unit']}"
        rows.append((c["structure"], c["metric"], limit, value, c["status"], c["priority"],
                     f"{c['source']} ({c['source_status']})"))  # fmt: skip
    _table(pdf, ("Structure", "Metric", "Limit", "Value", "Result", "Priority", "Source"),
           rows, (20, 22, 34, 18, 17, 16, 53))  # fmt: skip
    _heading(pdf, "NTCP (radiation-induced liver disease)")
    ntcp_rows = [
        (n["structure"], n["status"],
         "-" if n["ntcp_percent"] is None else f"{n['ntcp_percent']:.1f} %",
         n["parameter_label"] or n["parameter_set"] or "-", n["note"] or n["source"])
        for n in payload["ntcp"]
    ]  # fmt: skip
    _table(pdf, ("Structure", "Status", "NTCP", "Parameter set", "Note"), ntcp_rows,
           (22, 22, 16, 40, 80))  # fmt: skip
    _heading(pdf, "Dose-volume histograms")
    pdf.image(str(dvh_png), w=170)
    if slice_pngs:
        pdf.add_page()
        _heading(pdf, "Dose distribution")
        for number, png in enumerate(slice_pngs):
            x = 10 if number % 2 == 0 else 105
            if number % 2 == 0 and number > 0:
                pdf.ln(2)
            pdf.image(str(png), x=x, y=pdf.get_y(), w=92)
            if number % 2 == 1 or number == len(slice_pngs) - 1:
                pdf.set_y(pdf.get_y() + 82)
    if assessment_text:
        pdf.add_page()
        _heading(pdf, "Clinical assessment")
        pdf.set_font("DejaVu", "", 7)
        pdf.multi_cell(0, 3.5, assessment_text, new_x="LMARGIN", new_y="NEXT")
    if payload["warnings"]:
        _heading(pdf, "Warnings")
        pdf.set_font("DejaVu", "", 7)
        for warning in payload["warnings"]:
            pdf.multi_cell(0, 3.5, f"- {warning}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
