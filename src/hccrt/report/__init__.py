"""Plan-evaluation reports: ``evaluation.json``, self-contained HTML and PDF with figures."""

from hccrt.report.writer import render_html, write_report

__all__ = ["render_html", "write_report"]
