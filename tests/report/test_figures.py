"""Dose slices: isodose lines, threshold wash, contours on three planes, colours, captions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from hccrt.report.colours import (
    default_colour,
    evaluation_colours,
    hex_colour,
    structure_colours,
)
from hccrt.report.figures import (
    CT_LEVEL_HU,
    CT_WINDOW_HU,
    ISODOSE_PERCENT,
    NO_PRESCRIPTION_NOTE,
    dose_figures,
    isodose_levels_gy,
)
from tests.report.cases import RX_GY, ct_on, evaluation, plan_structures, smooth_dose


def test_isodose_lines_and_contours_on_all_three_planes(tmp_path: Path) -> None:
    dose, grid = smooth_dose()
    figures = dose_figures(dose, grid, plan_structures(), tmp_path, ct=ct_on(grid),
                           preferred=["PTV"], prescription_gy=RX_GY)  # fmt: skip
    assert [f.view for f in figures] == ["axial", "coronal", "sagittal"]
    for figure in figures:
        drawn = [level.percent for level in figure.isodose_levels if level.drawn]
        assert drawn == list(ISODOSE_PERCENT)  # the dose peaks at 108 %: every level is there
        assert {"GTV", "CTV", "PTV"} <= set(figure.structures_drawn)
        assert figure.wash_threshold_gy == 0.3 * RX_GY
        assert f"window {CT_WINDOW_HU:g} HU / level {CT_LEVEL_HU:g} HU" in figure.caption
        assert "95 % (47.5 Gy)" in figure.caption
        assert "scale bar 50 mm" in figure.caption
        with PILImage.open(figure.path) as png:
            pixels = np.asarray(png.convert("RGB"), dtype=float)
        assert pixels.std() > 20  # not blank
    assert [level.dose_gy for level in figures[0].isodose_levels] == [
        p / 100 * RX_GY for p in ISODOSE_PERCENT
    ]


def test_no_prescription_draws_no_isodose_line_and_says_why(tmp_path: Path) -> None:
    dose, grid = smooth_dose()
    figures = dose_figures(dose, grid, plan_structures(), tmp_path, preferred=["PTV"])
    assert isodose_levels_gy(None) == ()
    assert isodose_levels_gy(0.0) == ()
    for figure in figures:
        assert figure.isodose_levels == ()
        assert figure.isodose_note == NO_PRESCRIPTION_NOTE
        assert "prescription dose is unknown" in figure.caption
        assert figure.window_hu is None
        assert "dose grid (no CT)" in figure.caption
        # the wash starts at 30 % of the maximum without a prescription
        assert np.isclose(figure.wash_threshold_gy, 0.3 * float(dose.max()))


def test_targets_get_distinct_colours_even_when_the_rtstruct_gives_them_one() -> None:
    red = (255, 0, 0)
    names = ["PTV", "GTV", "CTV", "LIVER"]
    colours = structure_colours(names, dict.fromkeys(names, red))
    assert colours["GTV"] == hex_colour(red)  # the GTV keeps the RTSTRUCT's colour
    assert len(set(colours.values())) == 4
    assert colours["PTV"] == hex_colour(default_colour("PTV"))
    # the same names give the same colours in another call (the web DVH, the PDF)
    assert structure_colours(["GTV", "CTV", "LIVER", "PTV"], dict.fromkeys(colours, red)) == colours
    # ROI Display Colours that differ are kept; one too close to a colour taken is not
    assert structure_colours(["GTV", "PTV"], {"GTV": (10, 20, 200), "PTV": (200, 100, 0)}) == {
        "GTV": "#0a14c8", "PTV": "#c86400"
    }  # fmt: skip
    close = structure_colours(["Stomach", "Duodenum"], {"Stomach": (255, 160, 80),
                              "Duodenum": (240, 150, 70)})  # fmt: skip
    assert close["Duodenum"] == "#f09646"  # placed first (targets, then by name)
    assert close["Stomach"] == hex_colour(default_colour("Stomach"))


def test_the_report_colours_a_protocol_structure_as_its_plan_structure() -> None:
    colours = evaluation_colours(evaluation(), ["Liver-GTV"])
    assert colours["Stomach"] == structure_colours(["Stomach"], None)["Stomach"]
    assert {"GTV", "CTV", "PTV", "LIVER", "Liver-GTV"} <= set(colours)
    assert len({colours[n] for n in ("GTV", "CTV", "PTV", "LIVER", "Liver-GTV")}) == 5


def test_an_oblique_grid_gives_no_slice(tmp_path: Path) -> None:
    from hccrt.geometry.grid import Grid

    dose, grid = smooth_dose()
    affine = grid.affine.copy()
    affine[:3, :3] = affine[:3, :3] @ np.array([[1, 0, 0], [0, 0.8, -0.6], [0, 0.6, 0.8]])
    oblique = Grid(grid.shape, affine, grid.frame_of_reference_uid)
    assert dose_figures(dose, oblique, plan_structures(), tmp_path, prescription_gy=RX_GY) == []
