"""The generated MR/lipiodol phantom, rigid registration TRE and lipiodol detection on it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hccrt.dicom import read_ct_series, read_rtstruct
from hccrt.dicom.ct import CTSeries
from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.phantom import PhantomResult
from hccrt.phantom.tumors import couinaud_segment
from hccrt.registration import register_rigid
from hccrt.registration.lipiodol import find_lipiodol
from tests.dciodvfy import dciodvfy_errors
from tests.registration.conftest import truth

pytestmark = pytest.mark.slow


def test_mr_series_has_its_own_frame_and_the_ct_its_deposit(fusion_phantom: PhantomResult) -> None:
    ct = read_ct_series(fusion_phantom.ct_dir)
    mr = read_ct_series(fusion_phantom.mr_dir)
    assert mr.grid.frame_of_reference_uid != ct.grid.frame_of_reference_uid
    assert mr.grid.spacing_mm == pytest.approx((4.0, 1.5625, 1.5625))
    (deposit,) = fusion_phantom.summary["lipiodol"]
    index = np.round(ct.grid.world_to_index(deposit["center_mm"])).astype(int)
    assert ct.hu[tuple(index)] > 800
    assert dciodvfy_errors(sorted(fusion_phantom.mr_dir.glob("*.dcm"))[10]) == []
    manifest = json.loads((fusion_phantom.out_dir / "phantom.json").read_text())
    assert "mr_transform.json" in manifest["files"]


def test_rigid_registration_recovers_the_known_transform(fusion_phantom: PhantomResult) -> None:
    ct = read_ct_series(fusion_phantom.ct_dir)
    mr = read_ct_series(fusion_phantom.mr_dir)
    result = register_rigid(ct, mr)
    k, j, i = np.nonzero(mr.hu[:, ::8, ::8] > 150)
    points = mr.grid.index_to_world(np.column_stack([k, j * 8, i * 8]))
    error = np.linalg.norm(
        result.moving_to_fixed_points(points) - truth(fusion_phantom).mr_to_ct(points), axis=1
    )
    assert error.mean() < 1.5
    assert error.max() < 3.0
    assert result.metric_value < result.initial_metric_value


def test_images_that_do_not_overlap_are_refused(fusion_phantom: PhantomResult) -> None:
    ct = read_ct_series(fusion_phantom.ct_dir)
    mr = read_ct_series(fusion_phantom.mr_dir)
    far = CTSeries(
        Grid(mr.grid.shape, _shifted(mr.grid.affine), mr.grid.frame_of_reference_uid),
        mr.hu,
        mr.series_instance_uid,
        mr.study_instance_uid,
        mr.sop_instance_uids,
    )
    with pytest.raises(InputError, match="does not overlap"):
        register_rigid(ct, far)


def _shifted(affine: np.ndarray) -> np.ndarray:
    moved = np.array(affine)
    moved[2, 3] += 900.0
    return moved


def test_lipiodol_deposit_is_found_with_its_volume(fusion_phantom: PhantomResult) -> None:
    ct = read_ct_series(fusion_phantom.ct_dir)
    structures = read_rtstruct(fusion_phantom.rtstruct_path)
    report = find_lipiodol(
        ct,
        structures.get("Liver"),
        gtv=structures.get("GTV"),
        others=[s for s in structures.structures if s.name not in ("Liver", "BODY")],
        segment_of=lambda p: couinaud_segment(list(p)),
    )
    (deposit,) = fusion_phantom.summary["lipiodol"]
    (candidate,) = report.candidates
    assert np.linalg.norm(np.subtract(candidate.centroid_mm, deposit["center_mm"])) < 2.0
    assert candidate.volume_cc == pytest.approx(deposit["volume_cc"], rel=0.25)
    assert candidate.segment == fusion_phantom.summary["tumors"][0]["segment"]
    assert report.outside_gtv_cc == pytest.approx(0.0, abs=0.5)
    assert report.poor_deposition is True  # the deposit fills 0.6^3 = 22 % of the tumour
    with pytest.raises(InputError, match="--threshold-hu"):
        find_lipiodol(ct, structures.get("Liver"), threshold_hu=float("nan"))
