"""One template, two outputs: a Jinja page is the HTML file, and the PDF is drawn from that HTML.

The PDF is the ``<body>`` of the very HTML document written to disk, laid out by fpdf2's
``write_html`` (pure Python, a base dependency) with the DejaVu fonts that matplotlib ships, so
the PDF and the HTML cannot drift: same sections, same identity header, same tables. The
templates keep to the HTML that ``write_html`` lays out: headings, paragraphs, lists, ``<pre>``,
tables whose cells hold one run of text (or one ``<img>``), ``colspan``, and
``style="break-before: page"``. The ``<style>`` in ``<head>`` is for browsers only.

Every report with a PDF goes through :func:`html_to_pdf`: the plan evaluation
(:mod:`hccrt.report.writer`), the tumour-board page (:mod:`hccrt.report.board`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Literal

import jinja2
import matplotlib
from fpdf import FPDF
from fpdf.fonts import TextStyle

from hccrt.errors import InputError

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FONTS = (
    ("DejaVu", "", "DejaVuSans.ttf"),
    ("DejaVu", "B", "DejaVuSans-Bold.ttf"),
    ("DejaVu", "I", "DejaVuSans-Oblique.ttf"),
    ("DejaVu", "BI", "DejaVuSans-BoldOblique.ttf"),
    ("DejaVuMono", "", "DejaVuSansMono.ttf"),
)
_BODY = re.compile(r"<body[^>]*>(?P<body>.*)</body>", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hccrt.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(template: str, **context: Any) -> str:
    """Render a template of ``hccrt/report/templates`` to one self-contained HTML document."""
    return _environment().get_template(template).render(**context)


class _Page(FPDF):
    """A4 page with a running identity line on top and a footer with the page number."""

    def __init__(self, orientation: Literal["P", "L"], running_header: str, footer: str) -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.running_header = running_header
        self.footer_text = footer

    def header(self) -> None:
        if not self.running_header:
            return
        self.set_font("DejaVu", "", 6.5)
        self.set_text_color(90)
        self.cell(0, 3.5, self.running_header, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-9)
        self.set_font("DejaVu", "", 6.5)
        self.set_text_color(110)
        self.cell(0, 4, f"{self.footer_text}   page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def _styles(body_pt: float) -> dict[str, TextStyle]:
    def heading(size: float, top: float) -> TextStyle:
        return TextStyle(font_family="DejaVu", font_style="B", font_size_pt=size,
                         color="#1a1a1a", t_margin=top, b_margin=1.5)  # fmt: skip

    mono = TextStyle(font_family="DejaVuMono", font_size_pt=body_pt - 1, t_margin=1.5)
    return {
        "h1": heading(body_pt + 7, 0),
        "h2": heading(body_pt + 3, 4),
        "h3": heading(body_pt + 1, 2),
        "pre": mono,
        "code": TextStyle(font_family="DejaVuMono", font_size_pt=body_pt - 1),
        "p": TextStyle(t_margin=1, b_margin=1),
        "li": TextStyle(l_margin=4, t_margin=0.6),
    }


def html_body(html: str) -> str:
    """The ``<body>`` of an HTML document, without comments (what :func:`html_to_pdf` lays out).

    Raises
    ------
    InputError
        If the document has no ``<body>``.
    """
    found = _BODY.search(html)
    if found is None:
        raise InputError("html", "has no <body> element", html[:60], "render a full page")
    return _COMMENT.sub("", found.group("body"))


def html_to_pdf(
    html: str,
    path: Path,
    *,
    title: str,
    running_header: str = "",
    footer: str = "",
    orientation: Literal["P", "L"] = "P",
    body_pt: float = 8.0,
) -> Path:
    """Lay out the body of ``html`` as an A4 PDF at ``path`` and return ``path``.

    Parameters
    ----------
    html
        The HTML document (as written to the ``.html`` file).
    path
        Output PDF.
    title
        PDF document title (metadata).
    running_header
        One line repeated on top of every page (the patient identity of a report).
    footer
        Text beside the page number at the bottom of every page.
    orientation
        ``"P"`` portrait or ``"L"`` landscape.
    body_pt
        Body font size (points); headings scale from it.
    """
    pdf = _Page(orientation, running_header, footer)
    for family, style, file in _FONTS:
        pdf.add_font(family, style, str(_FONT_DIR / file))
    pdf.set_title(title)
    pdf.set_creator("hccrt")
    pdf.set_margins(11, 9, 11)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "", body_pt)
    pdf.write_html(html_body(html), font_family="DejaVu", table_line_separators=True,
                   tag_styles=_styles(body_pt), li_prefix_color=(60, 60, 60))  # fmt: skip
    pdf.output(str(path))
    return path
