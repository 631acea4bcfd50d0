"""Slab phantoms (water / lung 0.2 / water and water / bone 1.8 / water), 6 MV, SSD 100 cm.

Reference behaviour (Fogliata et al., Phys Med Biol 2007;52:1363-1385; Krieger & Sauer, Phys Med
Biol 2005;50:859-868; Miften et al., J Appl Clin Med Phys 2001;2:21-31): in lung the small-field
central-axis dose falls below the homogeneous one (lateral electronic disequilibrium) while a
large field gains (less attenuation), and the penumbra widens. The published Monte Carlo curves
could not be read here, so the numbers below test that behaviour and its size, not a point-by-
point agreement (see docs/validation/dose.md).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from hccrt.dose import PhantomDose, Slab, default_model, phantom_dose

LUNG = (Slab(30.0, 1.0), Slab(70.0, 0.2))
BONE = (Slab(30.0, 1.0), Slab(20.0, 1.8))
MID_LUNG_MM = 65.0

pytestmark = pytest.mark.slow


@cache
def _dose(field_mm: float, phantom: str) -> PhantomDose:
    slabs = {"water": (), "lung": LUNG, "bone": BONE}[phantom]
    return phantom_dose(default_model(), field_mm, field_mm, slabs=slabs)


def _ratio(field_mm: float, phantom: str, depth_mm: float) -> float:
    return float(_dose(field_mm, phantom).at(depth_mm) / _dose(field_mm, "water").at(depth_mm))


def _penumbra_mm(dose: PhantomDose, depth_mm: float) -> float:
    x = np.linspace(0.0, 120.0, 4801)
    profile = dose.at(depth_mm, x) / dose.at(depth_mm, 0.0)
    return float(x[np.argmin(np.abs(profile - 0.2))] - x[np.argmin(np.abs(profile - 0.8))])


def test_small_fields_lose_dose_in_lung_and_large_fields_gain() -> None:
    small, medium, large = (_ratio(f, "lung", MID_LUNG_MM) for f in (30.0, 50.0, 130.0))
    assert small < medium < large
    assert small < 0.97
    assert large > 1.0


def test_the_penumbra_widens_in_lung() -> None:
    in_water = _penumbra_mm(_dose(50.0, "water"), MID_LUNG_MM)
    in_lung = _penumbra_mm(_dose(50.0, "lung"), MID_LUNG_MM)
    assert in_lung > in_water + 1.5


def test_dose_behind_lung_rises_and_behind_bone_falls() -> None:
    # Beyond the slab the water-equivalent depth is 56 mm less (lung) or 16 mm more (bone).
    assert _ratio(130.0, "lung", 130.0) > 1.1
    assert 0.88 < _ratio(130.0, "bone", 80.0) < 0.97
