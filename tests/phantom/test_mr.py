"""MR and lipiodol options of the phantom: known transform, default output unchanged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.phantom import PhantomOptions
from hccrt.phantom.lipiodol import place_deposits
from hccrt.phantom.mr import MAX_ROTATION_DEG, MAX_SHIFT_MM, MRTransform, draw_transform, mr_grid
from hccrt.phantom.tumors import PlacedTumor


def test_new_options_leave_the_default_key_and_uids_unchanged() -> None:
    key = json.loads(PhantomOptions().key())
    assert not {"mr", "mr_field_of_view", "mr_deformable", "lipiodol"} & set(key)
    assert PhantomOptions(mr=True).digest() != PhantomOptions().digest()


def test_bad_mr_options_are_refused() -> None:
    with pytest.raises(InputError, match="--mr-fov"):
        PhantomOptions(mr=True, mr_field_of_view="head")
    with pytest.raises(InputError, match="--mr-deformable=True: needs --mr"):
        PhantomOptions(mr_deformable=True)


@pytest.mark.parametrize("seed", range(20))
def test_drawn_transforms_stay_within_5_deg_and_15_mm(seed: int) -> None:
    transform = draw_transform(seed, deformable=False)
    assert max(abs(v) for v in transform.rotation_deg) <= MAX_ROTATION_DEG
    assert np.linalg.norm(transform.shift_mm) <= MAX_SHIFT_MM + 1e-9
    matrix = transform.matrix
    np.testing.assert_allclose(matrix[:3, :3] @ matrix[:3, :3].T, np.eye(3), atol=1e-12)
    points = np.array([[10.0, -20.0, 30.0], [-100.0, 50.0, -150.0]])
    np.testing.assert_allclose(
        transform.mr_to_ct(points), points @ matrix[:3, :3].T + matrix[:3, 3]
    )


def test_deformation_is_smooth_invertible_and_round_trips() -> None:
    transform = draw_transform(4, deformable=True)
    again = MRTransform.from_json(json.loads(json.dumps(transform.to_json())))
    rng = np.random.default_rng(0)
    points = rng.uniform([-150, -120, -200], [150, 120, 100], (2000, 3))
    np.testing.assert_allclose(again.mr_to_ct(points), transform.mr_to_ct(points), atol=1e-5)
    step = 0.5
    jacobians = []
    for point in points[:300]:
        columns = [
            (
                transform.displacement_mm(point + step * e)
                - transform.displacement_mm(point - step * e)
            )[0]
            / (2 * step)
            for e in np.eye(3)
        ]
        jacobians.append(np.linalg.det(np.eye(3) + np.column_stack(columns)))
    assert min(jacobians) > 0.85
    assert max(jacobians) < 1.15
    assert np.linalg.norm(transform.displacement_mm(points), axis=1).max() <= 6.0 + 1e-9


def test_mr_grids_coarse_and_liver_field_of_view_smaller() -> None:
    trunk, liver = mr_grid("trunk", "f"), mr_grid("liver", "f")
    assert trunk.spacing_mm == pytest.approx((4.0, 1.5625, 1.5625))
    assert liver.shape[0] == 45
    assert trunk.shape[0] == 80


def test_deposits_lie_inside_their_tumour() -> None:
    tumors = [PlacedTumor("GTV", (-80.0, 10.0, -90.0), 40.0, 7)]
    (deposit,) = place_deposits(tumors, 3)
    distance = np.linalg.norm(np.subtract(deposit.center_mm, tumors[0].center_mm))
    assert distance + deposit.radius_mm < 20.0
    assert deposit.volume_cc == pytest.approx(4 / 3 * np.pi * 12.0**3 / 1000)
