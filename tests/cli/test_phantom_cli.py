"""``hccrt phantom`` end to end: full-size series read by SimpleITK and pydicom, cache, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from tests.conftest import invoke

ROIS = [
    "BODY",
    "Liver",
    "GTV",
    "Stomach",
    "Duodenum",
    "Bowel_Small",
    "Kidney_L",
    "Kidney_R",
    "SpinalCord",
    "Lung_L",
    "Lung_R",
    "Heart",
]


@pytest.fixture(scope="module")
def phantom_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("phantom_cli") / "case"
    result = invoke(["phantom", "--out", str(out), "--seed", "2", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return out, json.loads(result.stdout)


@pytest.mark.slow
def test_full_size_series_loads_in_simpleitk(phantom_dir: tuple[Path, dict[str, object]]) -> None:
    out, payload = phantom_dir
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(out / "CT")))
    image = reader.Execute()
    assert image.GetSize() == (512, 512, 106)
    np.testing.assert_allclose(image.GetSpacing(), (500 / 512, 500 / 512, 3.0))
    np.testing.assert_allclose(image.GetOrigin(), (-249.51171875, -249.51171875, -208.5))
    assert payload["n_slices"] == 106
    # A liver voxel far from the tumour (segment 7/8 dome region of the right lobe).
    index = image.TransformPhysicalPointToIndex((-80.0, 0.0, -40.0))
    liver_hu = float(
        np.mean(
            sitk.GetArrayFromImage(image)[
                index[2], index[1] - 2 : index[1] + 3, index[0] - 2 : index[0] + 3
            ]
        )
    )
    assert 50.0 <= liver_hu <= 70.0


@pytest.mark.slow
def test_rtstruct_names_and_references(phantom_dir: tuple[Path, dict[str, object]]) -> None:
    out, payload = phantom_dir
    ds = pydicom.dcmread(out / "RTSTRUCT.dcm")
    assert [r.ROIName for r in ds.StructureSetROISequence] == ROIS
    ct_uids = {
        pydicom.dcmread(f, stop_before_pixels=True).SOPInstanceUID
        for f in (out / "CT").glob("*.dcm")
    }
    frame = ds.ReferencedFrameOfReferenceSequence[0]
    series = frame.RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
    assert {i.ReferencedSOPInstanceUID for i in series.ContourImageSequence} == ct_uids
    assert frame.FrameOfReferenceUID == payload["frame_of_reference_uid"]
    for roi_contour in ds.ROIContourSequence:
        for item in roi_contour.ContourSequence:
            assert item.ContourImageSequence[0].ReferencedSOPInstanceUID in ct_uids
    volumes = {s["name"]: s["volume_cc"] for s in payload["structures"]}  # type: ignore[attr-defined]
    assert 1200.0 <= volumes["Liver"] <= 1800.0
    assert volumes["GTV"] == pytest.approx(4 / 3 * np.pi * 2.0**3, rel=0.03)


@pytest.mark.slow
def test_second_run_is_a_cached_no_op(phantom_dir: tuple[Path, dict[str, object]]) -> None:
    out, _ = phantom_dir
    result = invoke(["phantom", "--out", str(out), "--seed", "2", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["cached"] is True
    refused = invoke(["phantom", "--out", str(out), "--seed", "3"])
    assert refused.exit_code == 2
    assert "--force" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tumor-diameter-cm", "0"], "--tumor-diameter-cm=0.0: must be 0.5-10 cm"),
        (["--tumor-diameter-cm", "25"], "--tumor-diameter-cm=25.0: must be 0.5-10 cm"),
        (["--tumor-count", "0"], "--tumor-count=0: must be 1-8"),
        (["--tumor-count", "9"], "--tumor-count=9: must be 1-8"),
        (["--child-pugh", "C"], "--child-pugh=C: must be one of A, B"),
        (["--pet-tumor-to-liver", "3"], "--pet-tumor-to-liver=3.0: needs --pet"),
        (["--pet", "--pet-tumor-to-liver", "0.1"], "--pet-tumor-to-liver=0.1: must be 0.5-10"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(["phantom", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_project_readers_accept_the_phantom(phantom_dir: tuple[Path, dict[str, object]]) -> None:
    from hccrt.dicom import check_against_series, read_ct_series, read_rtstruct

    out, _ = phantom_dir
    series = read_ct_series(out / "CT")
    structure_set = read_rtstruct(out / "RTSTRUCT.dcm")
    assert series.grid.shape == (106, 512, 512)
    assert check_against_series(structure_set, series) == ()
    assert structure_set.warnings == ()
    assert series.warnings == ()
