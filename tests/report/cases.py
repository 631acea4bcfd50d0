"""A synthetic liver plan for report tests: boxes (liver, GTV, CTV, PTV, stomach), a smooth dose
peaking at 108 % of a 50 Gy prescription, a CT on the dose grid, and a PDF page reader."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from hccrt.core import Image
from hccrt.evaluation import PlanFacts, evaluate_plan
from hccrt.evaluation.results import Evaluation
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid
from tests.dvh.helpers import box_structure
from tests.evaluation.liver_plan import FAST, UID, structures

RX_GY = 50.0


def plan_structures() -> list[StructureContours]:
    """The liver plan's boxes plus a CTV between the GTV and the PTV (all ROI colours red)."""
    boxes = structures()
    ctv = box_structure("CTV", (-42.5, -17.5), (-12.5, 12.5), np.arange(-11.25, 11.26, 2.5), UID, 5)
    return [*boxes[:2], ctv, *boxes[2:]]


def smooth_dose(peak_gy: float = 1.08 * RX_GY) -> tuple[npt.NDArray[np.float64], Grid]:
    """A Gaussian dose (sigma 22 mm) centred on the GTV, on a 2.5 mm grid."""
    grid = Grid.from_spacing((45, 85, 85), (2.5, 2.5, 2.5), (-105.0, -105.0, -55.0), UID)
    z, y, x = grid.axis_coordinates_mm()
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    r2 = (xx + 30.0) ** 2 + yy**2 + zz**2
    return peak_gy * np.exp(-r2 / (2 * 22.0**2)), grid


def ct_on(grid: Grid) -> Image:
    """A CT on ``grid``: water (0 HU) in a body ellipse, air outside, patient TEST01."""
    z, y, x = grid.axis_coordinates_mm()
    _, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    hu = np.where((xx / 100.0) ** 2 + (yy / 80.0) ** 2 <= 1.0, 0.0, -1000.0)
    uids = tuple(f"1.2.3.4.5.{k}" for k in range(grid.shape[0]))
    return Image(grid, hu.astype(np.float32), "1.2.3.4.6", "1.2.3.4.7", uids,
                 patient_id="TEST01", patient_name="DOE^Jane")  # fmt: skip


def evaluation(prescription_gy: float | None = RX_GY) -> Evaluation:
    """The plan evaluated in memory (25 fractions, Child-Pugh B).

    With ``prescription_gy=None`` the plan is evaluated at 50 Gy and its facts then lose the
    prescription, as a report of a plan without a known prescription sees them.
    """
    dose, grid = smooth_dose()
    plan = PlanFacts(fractions=25, prescription_gy=RX_GY, technique="3dcrt", label="Liver 1")
    result = evaluate_plan(plan_structures(), dose, grid, plan, child_pugh_class="B",
                           settings=FAST, assessment_text="Child-Pugh B7 (synthetic)")  # fmt: skip
    if prescription_gy == RX_GY:
        return result
    facts = dataclasses.replace(result.plan, prescription_gy=prescription_gy)
    return dataclasses.replace(result, plan=facts)


def with_cumulative_liver(result: Evaluation) -> Evaluation:
    """``result`` with a cumulative normal-liver check as ``hccrt evaluate --course`` adds."""
    from hccrt.evaluation.prior_courses import CumulativeLiverCheck

    check = CumulativeLiverCheck(
        alpha_beta_gy=8.0, plan_mean_gy=8.0, plan_mean_eqd2_gy=7.9,
        prior=({"course": "RT 2024", "fractions": 5, "mean_gy": 10.0, "mean_eqd2_gy": 14.2,
                "method": "mean_dose", "how": "mean dose from the course record"},),
        cumulative_mean_eqd2_gy=22.1, method="mean_dose", limit_gy=28.0,
        limit_id="COURSE-CUM-LIMIT", status="pass", notes=("no recovery assumed",),
    )  # fmt: skip
    return dataclasses.replace(result, cumulative_liver=check)


def pdf_pages(path: Path, out_dir: Path) -> list[tuple[str, Any]]:
    """Each page of a PDF as (its text, its PNG rendered at 100 dpi as a PIL image).

    The PNGs are written to ``out_dir/page-N.png`` so a failing test leaves them to look at.
    """
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) renders the PDF")
    document = pdfium.PdfDocument(str(path))
    pages = []
    try:
        for number in range(len(document)):
            page = document[number]
            text = page.get_textpage().get_text_bounded()
            image = page.render(scale=100 / 72).to_pil()
            image.save(out_dir / f"page-{number + 1}.png")
            pages.append((text, image))
    finally:
        document.close()
    return pages
