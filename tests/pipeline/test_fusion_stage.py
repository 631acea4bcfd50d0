"""``hccrt run`` on a case with an MR and its REG shows the fused view in the report (issue 17
item 6: "The report ... show[s] a fused view ... with the propagated contours. A clinician must
be able to look and confirm")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hccrt.dicom.case import inventory_case
from hccrt.dicom.spatial_registration import (
    SeriesReference,
    SpatialRegistration,
    write_spatial_registration,
)
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from hccrt.pipeline import RunOptions, run_case
from hccrt.pipeline._fusion import fusion_stage
from hccrt.pipeline.results import Workspace


@pytest.fixture(scope="module")
def fused_case(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """A reduced phantom with its MR and a REG holding the known MR -> CT transform."""
    options = PhantomOptions(seed=5, matrix_size=128, slice_thickness_mm=6.0, mr=True)
    result = generate_phantom(tmp_path_factory.mktemp("run_fusion"), options)
    matrix = json.loads(result.mr_transform_path.read_text())["moving_to_fixed"]
    registration = SpatialRegistration(
        SeriesReference.from_directory(result.ct_dir),
        SeriesReference.from_directory(result.mr_dir),
        np.asarray(matrix),
    )
    write_spatial_registration(registration, result.out_dir / "REG.dcm")
    return result


def test_the_fused_view_is_rendered_for_review(fused_case: PhantomResult, tmp_path: Path) -> None:
    work = Workspace(tmp_path)
    figure = fusion_stage(inventory_case(fused_case.out_dir), work)
    assert figure is not None
    path, caption = figure
    assert "Rigid registration REG.dcm: planning CT and MR" in caption
    assert "GTV contours drawn" in caption
    with Image.open(path) as image:
        assert image.size[0] > 500
        assert np.asarray(image.convert("L")).std() > 10  # an image, not a blank canvas
    (stage,) = work.stages
    assert (stage.name, stage.status, stage.outputs) == ("fusion", "done", ("fusion.png",))


def test_no_registration_no_fusion_stage(fused_case: PhantomResult, tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(fused_case.ct_dir, case / "CT")
    shutil.copy(fused_case.rtstruct_path, case / "RTSTRUCT.dcm")
    work = Workspace(tmp_path)
    assert fusion_stage(inventory_case(case), work) is None
    assert work.stages == []


@pytest.mark.slow
def test_run_puts_the_fused_view_in_the_report(fused_case: PhantomResult, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_case(fused_case.out_dir, out, options=RunOptions(final_dose="pencil_beam"))
    assert ("fusion", "done") in {(s.name, s.status) for s in result.stages}
    assert (out / "fusion.png").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Images for review" in report
    assert "Rigid registration REG.dcm" in report
