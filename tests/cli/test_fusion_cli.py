"""``hccrt register`` / ``propagate`` / ``lipiodol`` end to end on a small MR + lipiodol phantom."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom import read_rtstruct
from hccrt.dicom.spatial_registration import (
    SeriesReference,
    SpatialRegistration,
    write_spatial_registration,
)
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from tests.conftest import invoke
from tests.dciodvfy import dciodvfy_errors

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    options = PhantomOptions(
        seed=5, matrix_size=128, slice_thickness_mm=6.0, mr=True, lipiodol=True
    )
    return generate_phantom(tmp_path_factory.mktemp("fusion_cli"), options)


@pytest.fixture(scope="module")
def true_reg(case: PhantomResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A REG holding the phantom's known transform (no registration error)."""
    matrix = json.loads(case.mr_transform_path.read_text())["moving_to_fixed"]
    registration = SpatialRegistration(
        SeriesReference.from_directory(case.ct_dir),
        SeriesReference.from_directory(case.mr_dir),
        np.asarray(matrix),
    )
    return write_spatial_registration(registration, tmp_path_factory.mktemp("reg") / "REG.dcm")


def test_register_refuses_bad_input_and_writes_nothing(case: PhantomResult, tmp_path: Path) -> None:
    out = tmp_path / "REG.dcm"
    same = invoke(
        ["register", "--fixed", str(case.ct_dir), "--moving", str(case.ct_dir), "--out", str(out)]
    )
    assert same.exit_code == 2
    assert "shares the fixed series' Frame of Reference" in same.stderr
    assert len(same.stderr.strip().splitlines()) == 1
    masked = invoke(
        [
            "register",
            "--fixed",
            str(case.ct_dir),
            "--moving",
            str(case.mr_dir),
            "--out",
            str(out),
            "--mask",
            "Liver",
        ]
    )
    assert masked.exit_code == 2
    assert "--mask=Liver: needs --rtstruct" in masked.stderr
    assert not any(tmp_path.iterdir())


def test_register_writes_reg_json_and_fused_view(case: PhantomResult, tmp_path: Path) -> None:
    out = tmp_path / "REG.dcm"
    result = invoke(
        [
            "register",
            "--fixed",
            str(case.ct_dir),
            "--moving",
            str(case.mr_dir),
            "--out",
            str(out),
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    truth = np.asarray(json.loads(case.mr_transform_path.read_text())["moving_to_fixed"])
    matrix = np.asarray(payload["moving_to_fixed"])
    assert np.abs(matrix[:3, 3] - truth[:3, 3]).max() < 3.0
    assert payload["iterations"] > 0
    assert payload["metric_value"] < payload["initial_metric_value"]
    assert dciodvfy_errors(out) == []
    assert (tmp_path / "REG_fused.png").read_bytes()[:4] == b"\x89PNG"


def test_propagate_maps_the_mr_gtv_onto_the_ct(
    case: PhantomResult, true_reg: Path, tmp_path: Path
) -> None:
    out = tmp_path / "RS.dcm"
    result = invoke(
        [
            "propagate",
            "--reg",
            str(true_reg),
            "--rtstruct",
            str(case.mr_rtstruct_path),
            "--to-ct",
            str(case.ct_dir),
            "--out",
            str(out),
            "--moving",
            str(case.mr_dir),
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    (structure,) = json.loads(result.stdout)["structures"]
    assert structure["volume_cc"] == pytest.approx(4 / 3 * np.pi * 20.0**3 / 1000, rel=0.05)
    written = read_rtstruct(out)
    assert written.names == ("GTV_MR",)
    assert (tmp_path / "RS_fused.png").is_file()
    wrong = invoke(
        [
            "propagate",
            "--reg",
            str(true_reg),
            "--rtstruct",
            str(case.rtstruct_path),
            "--to-ct",
            str(case.ct_dir),
            "--out",
            str(tmp_path / "X.dcm"),
        ]
    )
    assert wrong.exit_code == 2
    assert "not in the registration's moving Frame of Reference" in wrong.stderr
    assert not (tmp_path / "X.dcm").exists()


def test_lipiodol_suggests_the_deposit(case: PhantomResult, tmp_path: Path) -> None:
    out = tmp_path / "RS_lip.dcm"
    result = invoke(
        [
            "lipiodol",
            "--ct",
            str(case.ct_dir),
            "--rtstruct",
            str(case.rtstruct_path),
            "--liver",
            "Liver",
            "--out",
            str(out),
            "--couinaud-phantom",
            "--format",
            "json",
        ]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    (candidate,) = payload["candidates"]
    assert candidate["name"] == "GTV_lipiodol"
    assert candidate["mean_hu"] > 700
    assert "UNCONFIRMED" in payload["threshold_source"]
    assert payload["gtv"] == "GTV"
    assert "GTV_lipiodol" in read_rtstruct(out).names
    bad = invoke(
        [
            "lipiodol",
            "--ct",
            str(case.ct_dir),
            "--rtstruct",
            str(case.rtstruct_path),
            "--liver",
            "Liver",
            "--out",
            str(tmp_path / "Y.dcm"),
            "--threshold-hu",
            "50",
        ]
    )
    assert bad.exit_code == 2
    assert "--threshold-hu=50.0: must be 150-3000" in bad.stderr
    assert not (tmp_path / "Y.dcm").exists()
