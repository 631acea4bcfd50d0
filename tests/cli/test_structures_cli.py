"""``hccrt structures`` on generated and shared DICOM: JSON contract, volumes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import invoke
from tests.dicom.factory import circle, write_ct_series, write_rtstruct


def sphere_rois(radius_mm: float, slice_mm: float) -> list[tuple[str, np.ndarray]]:
    count = int(np.floor(radius_mm / slice_mm))
    return [
        ("CLOSED_PLANAR", circle(np.sqrt(radius_mm**2 - (n * slice_mm) ** 2), n * slice_mm))
        for n in range(-count, count + 1)
    ]


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    slices = [(-32.0, -32.0, z) for z in np.arange(-20.0, 20.1, 2.5)]
    write_ct_series(tmp_path / "ct", slices, shape=(65, 65), pixel_spacing=(1.0, 1.0))
    rtstruct = write_rtstruct(
        tmp_path / "rs.dcm",
        {
            "GTV": sphere_rois(10.0, 2.5),
            "Marker": [("POINT", np.array([[0.0, 0.0, 0.0]]))],
        },
    )
    return rtstruct, tmp_path / "ct"


def test_structures_json_contract(case: tuple[Path, Path]) -> None:
    rtstruct, ct = case
    result = invoke(
        ["structures", "--rtstruct", str(rtstruct), "--ct", str(ct), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    gtv, marker = payload["structures"]
    assert (gtv["name"], gtv["number"]) == ("GTV", 1)
    # 9 circles 2.5 mm apart (exact end caps at +-11.25 mm would give 4.19 cc for r = 10 mm)
    assert gtv["volume_cc"] == pytest.approx(4.19, rel=0.03)
    assert gtv["volume_cc_mask"] == pytest.approx(gtv["volume_cc"], rel=0.005)
    assert marker["volume_cc"] == 0.0
    assert any("skipped 1 POINT" in w for w in payload["warnings"])
    assert set(payload) >= {"structures", "frame_of_reference_uid", "sop_instance_uid", "warnings"}


def test_structures_without_ct_and_text_output(case: tuple[Path, Path]) -> None:
    rtstruct, _ = case
    result = invoke(["structures", "--rtstruct", str(rtstruct)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[0] == "GTV"
    payload = json.loads(
        invoke(["structures", "--rtstruct", str(rtstruct), "--format", "json"]).stdout
    )
    assert payload["structures"][0]["volume_cc_mask"] is None


def test_structures_other_frame_of_reference_is_exit_2(shared_data: Path) -> None:
    mock = shared_data / "dicom_edge_cases" / "mock_data"
    result = invoke(["structures", "--rtstruct", str(mock / "rt.dcm"), "--ct", str(mock)])
    assert result.exit_code == 2
    assert "one Frame of Reference" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_structures_reports_missing_references(shared_data: Path) -> None:
    mock = shared_data / "dicom_edge_cases" / "mock_data"
    rtstruct = mock / "invalid_reference_rt.dcm"
    result = invoke(
        ["structures", "--rtstruct", str(rtstruct), "--ct", str(mock), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert len(payload["structures"]) == 4
    assert any("not in the CT series" in w for w in payload["warnings"])
    assert any("outside the CT volume" in w for w in payload["warnings"])
    missing = invoke(["structures", "--rtstruct", str(mock / "nothing.dcm")])
    assert missing.exit_code == 2
    assert "file not found" in missing.stderr


def test_margin_and_derive_write_new_rtstructs(case: tuple[Path, Path], tmp_path: Path) -> None:
    from hccrt.dicom import read_rtstruct

    rtstruct, ct = case
    out = tmp_path / "ctv.dcm"
    result = invoke(
        [
            "margin", "--rtstruct", str(rtstruct), "--source", "gtv", "--margins-mm",
            "5,5,5,5,10,10", "--name", "CTV", "--out", str(out), "--ct", str(ct),
            "--format", "json",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["margins_mm"] == {"R": 5.0, "L": 5.0, "A": 5.0, "P": 5.0, "S": 10.0, "I": 10.0}
    original = read_rtstruct(rtstruct)
    written = read_rtstruct(out)
    assert written.sop_instance_uid != original.sop_instance_uid
    assert written.frame_of_reference_uid == original.frame_of_reference_uid
    assert written.referenced_series_uid == original.referenced_series_uid
    assert written.names == (*original.names, "CTV")
    assert payload["sop_instance_uid"] == written.sop_instance_uid
    listed = json.loads(
        invoke(["structures", "--rtstruct", str(out), "--ct", str(ct), "--format", "json"]).stdout
    )
    ctv = next(s for s in listed["structures"] if s["name"] == "CTV")
    assert ctv["volume_cc"] == pytest.approx(payload["volume_cc"], rel=0.01)
    derived = invoke(
        [
            "derive", "--rtstruct", str(out), "--expr", "CTV - GTV", "--name", "CTV-GTV",
            "--out", str(tmp_path / "shell.dcm"), "--format", "json",
        ]
    )  # fmt: skip
    assert derived.exit_code == 0, derived.stderr
    bad = invoke(
        [
            "derive", "--rtstruct", str(out), "--expr", "(CTV - GTV", "--name", "X",
            "--out", str(tmp_path / "x.dcm"),
        ]
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "position 11" in bad.stderr


def test_margin_from_breathing(case: tuple[Path, Path], tmp_path: Path) -> None:
    rtstruct, _ = case
    base = ["margin", "--rtstruct", str(rtstruct), "--source", "GTV", "--name", "PTV"]
    result = invoke(
        [
            *base, "--out", str(tmp_path / "p.dcm"), "--breathing", "free",
            "--systematic-sd-mm", "2,2,3", "--random-sd-mm", "2",
            "--breathing-amplitude-mm", "3,2,8", "--format", "json",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    expected_si = 2.5 * 3 + 0.7 * np.hypot(2.0, 8 / (2 * np.sqrt(2)))
    assert payload["margins_mm"]["S"] == pytest.approx(expected_si)
    assert payload["ptv_margin"]["method"] == "van_herk"
    assert payload["ptv_margin"]["sources"][0]["status"] == "seed"
    missing = invoke([*base, "--out", str(tmp_path / "q.dcm"), "--breathing", "free"])
    assert missing.exit_code == 2
    assert "insufficient_data" in missing.stderr
    both = invoke(
        [*base, "--out", str(tmp_path / "r.dcm"), "--breathing", "abc", "--margin-mm", "5"]
    )
    assert both.exit_code == 2
    assert "exactly one of" in both.stderr
