"""The collapsed-cone kernel: tabulated Monte Carlo data and its two-exponential fit."""

from __future__ import annotations

import numpy as np

from hccrt.dose._kernel import cone_kernel, read_edk


def test_the_table_is_the_48_cone_24_shell_edk_normalised_to_one() -> None:
    angles, radii_mm, values = read_edk()
    assert angles.size == 48
    assert radii_mm.size == 24
    assert np.isclose(values.sum(), 1.0)
    assert radii_mm[0] == 0.5
    assert radii_mm[-1] == 600.0


def test_directions_are_unit_vectors_and_forward_energy_dominates() -> None:
    kernel = cone_kernel()
    assert kernel.size == 78
    assert np.allclose(np.linalg.norm(kernel.directions, axis=1), 1.0)
    forward = kernel.directions[:, 2] > 0
    total = kernel.fraction_a + kernel.fraction_b
    assert total[forward].sum() > 3 * total[~forward].sum()
    # Primary (short-range) attenuation exceeds the scatter one in every cone.
    assert np.all(kernel.attenuation_a_per_mm > 10 * kernel.attenuation_b_per_mm)


def test_the_fit_reproduces_the_cumulative_table_within_a_few_percent() -> None:
    _angles, radii_mm, values = read_edk()
    kernel = cone_kernel()
    # First polar bin (0-15 degrees = cones 1-4), summed over its azimuthal sectors.
    cumulative = np.cumsum(values[:4].sum(axis=0))
    members = kernel.directions[:, 2] > np.cos(np.deg2rad(15.0))
    fa, a = kernel.fraction_a[members].sum(), kernel.attenuation_a_per_mm[members][0]
    fb, b = kernel.fraction_b[members].sum(), kernel.attenuation_b_per_mm[members][0]
    fitted = fa * -np.expm1(-a * radii_mm) + fb * -np.expm1(-b * radii_mm)
    beyond_1cm = radii_mm >= 10.0
    assert np.max(np.abs(fitted[beyond_1cm] / cumulative[beyond_1cm] - 1.0)) < 0.06
