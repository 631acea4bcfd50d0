"""Render the tumour-board summary (:class:`hccrt.clinical.board.BoardSummary`) as HTML or PDF.

The HTML page comes from ``templates/board.html.j2`` (jinja2, self-contained); the PDF is drawn
with fpdf2 and the DejaVu fonts, as the evaluation report (:mod:`hccrt.report.pdf`) is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2
import matplotlib
from fpdf import FPDF

from hccrt import __version__
from hccrt.clinical.board import BoardSummary, sources_of
from hccrt.errors import InputError
from hccrt.report.pdf import _table as table

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_RED = {"contraindicated", "relative_contraindication"}


def render_board_html(summary: BoardSummary) -> str:
    """The board page as one self-contained HTML document."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hccrt.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("board.html.j2").render(s=summary, version=__version__)


class _Board(FPDF):
    def footer(self) -> None:
        self.set_y(-9)
        self.set_font("DejaVu", "", 6)
        self.set_text_color(110)
        self.cell(0, 4, "hccrt tumour-board summary - decision support; the board decides",
                  align="C")  # fmt: skip
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(1)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)


def _lines(pdf: FPDF, lines: Sequence[str]) -> None:
    pdf.set_font("DejaVu", "", 7)
    for line in lines or ("none",):
        pdf.multi_cell(0, 3.3, f"- {line}", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[int]) -> None:  # fmt: skip
    table(pdf, header, rows, widths, font_pt=6, line_height_mm=2.8, body_font_pt=7)


def render_board_pdf(summary: BoardSummary, path: Path) -> Path:
    """Write the board page as a PDF (A4 portrait) and return ``path``."""
    s = summary
    pdf = _Board(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(_FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(_FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(10, 8, 10)
    pdf.set_auto_page_break(True, margin=10)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 7, f"Tumour board summary - {s.patient_id or 'patient'} - {s.board_date}",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "", 6)
    pdf.multi_cell(0, 3, f"{s.disclaimer} Rule set: {s.ruleset}. hccrt {__version__}.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    _heading(pdf, "Stages and liver function")
    rows = [(name, stage, "; ".join(s.stage_reasons[name])) for name, stage in s.stages.items()]
    b = s.assessment.beyond_seeds
    if b is not None:
        bclc = b.bclc_2022
        first = (bclc.first_option or "undecided") + (
            f" ({bclc.subgroup})" if bclc.subgroup else ""
        )
        if bclc.migrated_to:
            first += f"; stage migration to {bclc.migrated_to}"
        rows.append(("BCLC 2022 treatment (beyond the seeds)", first, "; ".join(bclc.reasons)))
    rows += [(name, value, "") for name, value in s.liver_function.items()]
    _table(pdf, ("Item", "Value", "Reasons"), rows, (45, 40, 105))
    if s.liver_trend.points:
        _lines(pdf, [f"Trend: {line}" for line in s.liver_trend.summary])
    _heading(pdf, "Options, ranked (beyond the seeds marked *)")
    option_rows = [
        (
            str(o.rank),
            o.name + (" *" if o.group != "seed" else ""),
            o.verdict.value.replace("_", " "),
            "; ".join(o.reasons),
            "; ".join(f"{src.rule_id} ({src.status.value})" for src in o.sources),
        )
        for o in s.options
    ]
    _table(pdf, ("#", "Option", "Verdict", "Reasons", "Rules (status)"), option_rows,
           (6, 38, 22, 92, 32))  # fmt: skip
    _heading(pdf, "Radiotherapy")
    _lines(pdf, s.radiotherapy)
    if s.transplant:
        _heading(pdf, "Transplant criteria (up-to-seven and AFP model beyond the seeds)")
        _lines(pdf, s.transplant)
    _heading(pdf, "Open questions (insufficient data)")
    _lines(pdf, [f"{q.topic}: {q.question} [{', '.join(q.rule_ids)}]" for q in s.open_questions])
    _heading(pdf, "Prior treatment timeline")
    if s.timeline:
        events = [(e.date.isoformat(), e.text, e.origin) for e in s.timeline]
        _table(pdf, ("Date", "Event", "From"), events, (20, 145, 25))
    else:
        _lines(pdf, ["no prior treatment recorded"])
    if s.warnings:
        _heading(pdf, "Warnings")
        _lines(pdf, [f"{w.text} [{', '.join(w.rule_ids)}]" for w in s.warnings])
    _heading(pdf, "Sources")
    _lines(pdf, [f"{src.rule_id}: {src.document} ({src.status.value})" for src in sources_of(s)])
    pdf.output(str(path))
    return path


def write_board(summary: BoardSummary, path: Path | str) -> Path:
    """Write the board page to ``path``: ``.html`` or ``.pdf`` by its suffix."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise InputError("--out", "must end in .html or .pdf", str(out), "e.g. --out board.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        return render_board_pdf(summary, out)
    out.write_text(render_board_html(summary), encoding="utf-8")
    return out
