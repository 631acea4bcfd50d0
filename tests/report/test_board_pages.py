"""The tumour-board PDF is its HTML laid out: same headings and rows, every page rendered."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pytest

from hccrt.clinical import load_patient
from hccrt.clinical.board import board_summary
from hccrt.errors import InputError
from hccrt.report.board import render_board_html, write_board
from tests.clinical.test_board import BOARD_PATIENT
from tests.report.cases import pdf_pages


def test_board_pdf_shows_the_html_sections(tmp_path: Path) -> None:
    summary = board_summary(load_patient(BOARD_PATIENT))
    html = render_board_html(summary)
    pages = pdf_pages(write_board(summary, tmp_path / "board.pdf"), tmp_path)
    text = " ".join(" ".join(t.split()) for t, _ in pages)
    headings = [" ".join(unescape(h).split()) for h in re.findall(r"<h[12]>(.*?)</h[12]>", html)]
    assert "Options, ranked (beyond the seeds marked *)" in headings
    for heading in headings:
        assert heading in text, heading
    for option in summary.options:
        assert option.name in text
    for _, image in pages:
        assert np.asarray(image.convert("L"), dtype=float).std() > 5


def test_board_refuses_another_suffix(tmp_path: Path) -> None:
    summary = board_summary(load_patient(BOARD_PATIENT))
    with pytest.raises(InputError, match=r"--out.*must end in \.html or \.pdf"):
        write_board(summary, tmp_path / "board.docx")


def test_board_page_shows_the_last_signed_decision(tmp_path: Path) -> None:
    """Issue 16: "A later assessment shows the last decision" — the board page too."""
    summary = board_summary(load_patient(BOARD_PATIENT))
    decision = {
        "id": 7,
        "board_date": "2026-11-30",
        "decision": "SBRT 45 Gy in 3 fractions",
        "rationale": "single 3 cm tumour, Child-Pugh A, not suitable for ablation",
        "decided_by": ["Dr A (radiation oncology)", "Dr B (hepatology)"],
        "dissent": [{"member": "Dr C (surgery)", "reason": "prefers resection"}],
        "signed_by": "clinician",
        "signed_at": "2026-11-30T16:05:00+00:00",
    }
    page = unescape(render_board_html(summary, decision))
    assert "Last signed board decision" in page
    assert "SBRT 45 Gy in 3 fractions" in page
    assert "Dr C (surgery): prefers resection" in page
    assert "immutable, id 7" in page
    pdf = write_board(summary, tmp_path / "board.pdf", decision)
    text = " ".join(" ".join(t.split()) for t, _ in pdf_pages(pdf, tmp_path))
    assert "SBRT 45 Gy in 3 fractions" in text
    without = unescape(render_board_html(summary))
    assert "No signed decision is shown with this page" in without
