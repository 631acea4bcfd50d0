"""Collapsed-cone transport: energy balance and the density-scaling theorem."""

from __future__ import annotations

import numpy as np

from hccrt.dose._ccc import collapse_cones
from hccrt.dose._kernel import cone_kernel


def test_density_scaling_theorem_holds_exactly() -> None:
    """Water of density 0.5 on a grid twice as coarse gives the same voxel doses (O'Connor)."""
    rng = np.random.default_rng(3)
    terma = rng.random((12, 10, 10)).astype(np.float32)
    water = collapse_cones(terma, np.ones_like(terma), (2.0, 2.0, 2.0), cone_kernel())
    thin = collapse_cones(terma, np.full_like(terma, 0.5), (4.0, 4.0, 4.0), cone_kernel())
    assert np.allclose(water, thin, rtol=2e-4)


def test_a_point_release_deposits_its_short_range_energy_nearby() -> None:
    kernel = cone_kernel()
    terma = np.zeros((41, 41, 41), dtype=np.float32)
    terma[20, 20, 20] = 1.0
    dose = collapse_cones(terma, np.ones_like(terma), (2.5, 2.5, 2.5), kernel)
    # Within +-50 mm all of the primary part and part of the scatter part are absorbed.
    expected_low = kernel.fraction_a.sum()
    assert expected_low < dose.sum() < (kernel.fraction_a + kernel.fraction_b).sum()
    # Forward of the release gets more than backward (the kernel is forward-peaked).
    assert dose[24, 20, 20] > 5 * dose[16, 20, 20]


def test_no_energy_no_dose_and_air_stays_cold() -> None:
    terma = np.zeros((8, 8, 8), dtype=np.float32)
    terma[:4] = 1.0
    density = np.ones_like(terma)
    density[:4] = 0.0
    dose = collapse_cones(terma, density, (2.5, 2.5, 2.5), cone_kernel())
    assert float(dose.max()) < 1e-6
