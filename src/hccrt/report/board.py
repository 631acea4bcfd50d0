"""Render the tumour-board summary (:class:`hccrt.clinical.board.BoardSummary`) as HTML or PDF.

One template, ``templates/board.html.j2``: the HTML page is that template, and the PDF is the
same HTML laid out by :func:`hccrt.report.render.html_to_pdf`, as the evaluation report is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hccrt import __version__
from hccrt.clinical.board import BoardSummary, sources_of
from hccrt.errors import InputError
from hccrt.report.render import html_to_pdf, render_page

FOOTER = "hccrt tumour-board summary - decision support; the board decides"


Decision = dict[str, Any]
"""A signed board decision as the store gives it (``BoardDecisionRow.as_json``)."""


def render_board_html(summary: BoardSummary, last_decision: Decision | None = None) -> str:
    """The board page as one self-contained HTML document, with the last signed decision."""
    return render_page(
        "board.html.j2",
        s=summary,
        sources=sources_of(summary),
        version=__version__,
        last_decision=last_decision,
    )


def render_board_pdf(
    summary: BoardSummary, path: Path, last_decision: Decision | None = None
) -> Path:
    """Write the board page as a PDF (A4 portrait, from the same HTML) and return ``path``."""
    who = summary.patient_id or "patient"
    return html_to_pdf(
        render_board_html(summary, last_decision), path, title=f"hccrt tumour board - {who}",
        running_header=f"Tumour board · {who} · {summary.board_date} · hccrt {__version__}",
        footer=FOOTER, body_pt=7.0,
    )  # fmt: skip


def write_board(
    summary: BoardSummary, path: Path | str, last_decision: Decision | None = None
) -> Path:
    """Write the board page to ``path``: ``.html`` or ``.pdf`` by its suffix.

    Parameters
    ----------
    summary
        The board summary (:func:`hccrt.clinical.board.board_summary`).
    path
        Output file.
    last_decision
        The patient's last signed decision from the store, shown on the page (none: the page
        says that no decision is recorded with it).
    """
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise InputError("--out", "must end in .html or .pdf", str(out), "e.g. --out board.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        return render_board_pdf(summary, out, last_decision)
    out.write_text(render_board_html(summary, last_decision), encoding="utf-8")
    return out
