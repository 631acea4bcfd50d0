"""Render the tumour-board summary (:class:`hccrt.clinical.board.BoardSummary`) as HTML or PDF.

One template, ``templates/board.html.j2``: the HTML page is that template, and the PDF is the
same HTML laid out by :func:`hccrt.report.render.html_to_pdf`, as the evaluation report is.
"""

from __future__ import annotations

from pathlib import Path

from hccrt import __version__
from hccrt.clinical.board import BoardSummary, sources_of
from hccrt.errors import InputError
from hccrt.report.render import html_to_pdf, render_page

FOOTER = "hccrt tumour-board summary - decision support; the board decides"


def render_board_html(summary: BoardSummary) -> str:
    """The board page as one self-contained HTML document."""
    return render_page("board.html.j2", s=summary, sources=sources_of(summary), version=__version__)


def render_board_pdf(summary: BoardSummary, path: Path) -> Path:
    """Write the board page as a PDF (A4 portrait, from the same HTML) and return ``path``."""
    who = summary.patient_id or "patient"
    return html_to_pdf(
        render_board_html(summary), path, title=f"hccrt tumour board - {who}",
        running_header=f"Tumour board · {who} · {summary.board_date} · hccrt {__version__}",
        footer=FOOTER, body_pt=7.0,
    )  # fmt: skip


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
