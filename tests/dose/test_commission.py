"""Commissioning: the fit recovers known parameters, held-out fields are flagged, report renders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hccrt.dose import (
    Curve,
    FactorTable,
    MeasuredBeamData,
    commission,
    default_model,
    evaluate,
    phantom_dose,
    write_commissioning_report,
)

pytestmark = pytest.mark.slow
SPACING_MM = 5.0


def _synthetic(true_attenuation: float) -> MeasuredBeamData:
    """'Measurements' made with the engine itself, from a model with a known attenuation."""
    truth = default_model().with_values(attenuation_per_mm=true_attenuation)
    depths = np.array([15.0, 50.0, 100.0, 150.0, 200.0])
    pdds, factors = [], []
    for side in (60.0, 100.0):
        dose = phantom_dose(truth, side, side, spacing_mm=SPACING_MM)
        d, values = dose.depth_dose()
        pdds.append(
            Curve(
                "pdd",
                (side, side),
                1000.0,
                None,
                depths,
                np.interp(depths, d, values / values.max()),
            )
        )
        factors.append(float(dose.at(15.0)))
    profile_x = np.linspace(0.0, 70.0, 36)
    dose = phantom_dose(truth, 100.0, 100.0, spacing_mm=SPACING_MM)
    profile = Curve(
        "profile",
        (100.0, 100.0),
        1000.0,
        100.0,
        profile_x,
        dose.at(100.0, profile_x) / dose.at(100.0),
    )
    table = FactorTable(
        "output_factor",
        ((60.0, 60.0), (100.0, 100.0)),
        np.array(factors) / factors[1],
        15.0,
        1000.0,
    )
    return MeasuredBeamData("Linac2", "6MV", tuple(pdds), (profile,), table, source="synthetic")


def test_the_fit_removes_a_known_pdd_error_and_the_report_renders(tmp_path: Path) -> None:
    start = default_model()
    data = _synthetic(start.attenuation_per_mm * 1.06)
    before = evaluate(start, data, held_out=[(60.0, 60.0)], spacing_mm=SPACING_MM)
    result = commission(data, start, held_out=[(60.0, 60.0)], spacing_mm=SPACING_MM)
    assert result.model.machine == "Linac2"
    # Attenuation, hardening and scatter weight trade off on one fitted field: check the doses.
    assert before.worst("pdd", held_out=False) > 3.0
    assert result.worst("pdd", held_out=False) < 1.0
    assert result.worst("pdd", held_out=True) < 1.5
    assert any(r.held_out for r in result.residuals)
    json_path, html_path = write_commissioning_report(result, data, tmp_path)
    report = json.loads(json_path.read_text())
    assert report["model"]["machine"] == "Linac2"
    assert set(report["worst_difference_percent"]) == {"output_factor", "pdd", "profile"}
    page = html_path.read_text()
    assert page.count("<img") == 3
    assert "data:image/png;base64," in page
