"""PET and CBCT options of the phantom: defaults unchanged, limits, grids, the SUV factor."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.phantom import PhantomOptions
from hccrt.phantom import cbct as cbct_model
from hccrt.phantom import pet as pet_model


def test_new_options_leave_the_default_key_unchanged() -> None:
    key = json.loads(PhantomOptions().key())
    assert not {"pet", "pet_tumor_to_liver", "cbct"} & set(key)
    assert PhantomOptions(pet=True).digest() != PhantomOptions().digest()
    assert PhantomOptions(cbct=True).digest() != PhantomOptions(pet=True).digest()


def test_bad_pet_options_are_refused() -> None:
    with pytest.raises(InputError, match=r"--pet-tumor-to-liver=3.0: needs --pet"):
        PhantomOptions(pet_tumor_to_liver=3.0)
    with pytest.raises(InputError, match=r"--pet-tumor-to-liver=20\.0: must be 0.5-10"):
        PhantomOptions(pet=True, pet_tumor_to_liver=20.0)
    with pytest.raises(InputError, match="--pet-tumor-to-liver=nan"):
        PhantomOptions(pet=True, pet_tumor_to_liver=float("nan"))


@pytest.mark.parametrize("seed", range(10))
def test_pet_and_cbct_transforms_stay_within_their_limits(seed: int) -> None:
    for transform, rotation, shift in (
        (pet_model.draw_pet_transform(seed), 3.0, 15.0),
        (cbct_model.draw_cbct_transform(seed), 2.0, 15.0),
    ):
        assert not transform.deformable
        assert max(abs(v) for v in transform.rotation_deg) <= rotation
        assert np.linalg.norm(transform.shift_mm) <= shift + 1e-9
    assert pet_model.draw_pet_transform(seed) != cbct_model.draw_cbct_transform(seed)


def test_pet_grid_is_4_mm_and_covers_the_scan() -> None:
    grid = pet_model.pet_grid("f")
    assert grid.spacing_mm == pytest.approx((4.0, 4.0, 4.0))
    assert grid.shape == (80, 128, 128)  # (110 - (-210)) / 4 slices, 512 mm field of view


def test_cbct_grid_holds_its_cylindrical_field_of_view() -> None:
    grid = cbct_model.cbct_grid("f")
    low, high = grid.bounds_mm()
    centre = np.asarray(cbct_model.FOV_CENTRE_MM)
    np.testing.assert_allclose((low + high) / 2, centre, atol=1e-9)
    assert grid.shape == (68, 208, 208)  # 170 mm / 2.5 mm; 208 x 1.25 mm = 260 mm > 240 mm
    assert np.all(high[:2] - low[:2] >= cbct_model.FOV_DIAMETER_MM)


def test_suv_factor_of_the_phantom_pet() -> None:
    # SUVbw = C / (D 2^(-t/T) / W): 70 kg, 250 MBq, t = 3600 s, T = 6586.2 s (F-18):
    # 2^(-3600/6586.2) = 0.68466 (hand calculation), 70 000 g / (250e6 Bq x 0.68466)
    assert pet_model.suv_per_bq_ml() == pytest.approx(4.0897e-4, rel=1e-4)
    assert pet_model.suv_per_bq_ml(uptake_s=0.0) == pytest.approx(70000 / 250e6)
