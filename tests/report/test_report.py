"""Report files: evaluation.json contract, self-contained HTML, PDF, figures."""

from __future__ import annotations

import json
from pathlib import Path

from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.report import write_report
from tests.evaluation.liver_plan import FAST, step_dose, structures


def test_report_files_and_contract(tmp_path: Path) -> None:
    dose, grid = step_dose()
    plan = PlanFacts(fractions=25, prescription_gy=50.0, technique="3dcrt", label="Liver 1")
    evaluation = evaluate_plan(
        structures(), dose, grid, plan, child_pugh_class="B", settings=FAST,
        assessment_text="Child-Pugh B7 (synthetic)",
    )  # fmt: skip
    files = write_report(evaluation, tmp_path / "out")
    payload = json.loads(files["evaluation_json"].read_text())
    assert payload["verdict"] == "fail"
    for item in payload["constraints"]:
        assert {"structure", "metric", "limit", "value", "passed", "source"} <= set(item)
    assert payload["ntcp"][0]["parameter_set"] == "tai2009_child_pugh_b"
    assert payload["plan"]["technique"] == "3dcrt"
    html = files["report_html"].read_text()
    assert "Verdict: FAIL" in html
    assert "Re-plan with IMRT" in html
    assert "seed 000" in html
    assert "data:image/png;base64," in html  # self-contained figures
    assert "Child-Pugh B7 (synthetic)" in html
    assert files["report_pdf"].read_bytes()[:5] == b"%PDF-"
    assert files["figure_dose_axial"].stat().st_size > 10_000
    assert {"figure_dose_coronal", "figure_dose_sagittal"} <= set(files)
