"""Plan-evaluation reports: ``evaluation.json``, and one template rendered to HTML and to PDF."""

from hccrt.report.writer import render_html, write_report

__all__ = ["render_html", "write_report"]
