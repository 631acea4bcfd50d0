"""Dose engine physics: depth dose, inverse square, profiles, heterogeneity, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry.grid import Grid
from hccrt.planning.beam_model import load_generic_6mv
from hccrt.planning.beams import Beam
from hccrt.planning.dij import Bixels, compute_dose_influence, select_bixels
from hccrt.planning.raytrace import radiological_depth


def _square_field(beam: Beam, field_mm: float) -> Bixels:
    half = field_mm / 2
    centres = np.arange(-half + 2.5, half, 5.0)
    uu, vv = np.meshgrid(centres, centres, indexing="ij")
    return Bixels(np.zeros(uu.size, dtype=np.int64), uu.ravel(), vv.ravel(), 5.0)


def _axis_dose(grid: Grid, density: np.ndarray, field_mm: float, mu: float = 100.0):
    beam = Beam(0.0, (0.0, 0.0, 0.0))  # source at y = -1000; surface at y = -100 (SSD 900)
    bixels = _square_field(beam, field_mm)
    k, _j, i = np.indices(grid.shape)
    column = (i == 24) & (k == 24)
    voxels = np.flatnonzero(column.ravel())
    dij = compute_dose_influence(density, grid, grid, voxels, (beam,), bixels)
    dose = dij.dose_gy(np.full(bixels.count, mu)).ravel()[voxels]
    y = grid.index_to_world(np.stack(np.unravel_index(voxels, grid.shape), 1).astype(float))[:, 1]
    return y + 100.0, dose  # geometric depth below the surface (mm)


def test_depth_dose_matches_published_model_within_2_percent(water_cube):
    grid, density = water_cube
    model = load_generic_6mv()
    for field in (40.0, 100.0):
        depth, dose = _axis_dose(grid, density, field)
        reference = (
            model.central_axis_dose_per_fluence(field, 900.0, depth)
            * model.calibration_per_fluence
            * 100.0
        )
        beyond_buildup = depth > 10
        assert np.all(np.abs(dose[beyond_buildup] / reference[beyond_buildup] - 1) < 0.02)


def test_pdd_shape_dmax_and_falloff(water_cube):
    grid, density = water_cube
    depth, dose = _axis_dose(grid, density, 100.0)
    d_max_depth = depth[np.argmax(dose)]
    assert 6.0 <= d_max_depth <= 22.0  # 6 MV: dmax about 1.3-1.6 cm
    pdd = np.interp(100.0, depth, dose) / dose.max()
    assert 0.62 < pdd < 0.70  # 6 MV %dd(10) at SSD 90-100 cm (AAPM TG-51 range for 6 MV)
    assert dose[0] < dose.max() * 0.9  # build-up at the surface


def test_calibration_one_cgy_per_mu_at_dmax():
    model = load_generic_6mv()
    depths = np.arange(0.0, 60.0, 0.5)
    dose = (
        model.central_axis_dose_per_fluence(100.0, 1000.0, depths) * model.calibration_per_fluence
    )
    assert dose.max() == pytest.approx(0.01, rel=1e-9)


def test_inverse_square_in_vacuum_like_medium():
    model = load_generic_6mv()
    at_900 = model.central_axis_dose_per_fluence(100.0, 900.0, np.array([50.0]))
    at_1100 = model.central_axis_dose_per_fluence(100.0, 1100.0, np.array([50.0]))
    expected = ((1000 / 950) / (1000 / 1150)) ** 2
    assert at_900[0] / at_1100[0] == pytest.approx(expected, rel=0.02)


def test_lower_density_slab_increases_downstream_dose(water_cube):
    grid, density = water_cube
    lung = density.copy()
    lung[:, 10:20, :] = 0.25  # 40 mm slab of lung-like density, 40-80 mm below the surface
    depth, water_dose = _axis_dose(grid, density, 100.0)
    _, lung_dose = _axis_dose(grid, lung, 100.0)
    downstream = depth > 90
    assert np.all(lung_dose[downstream] > water_dose[downstream] * 1.05)
    upstream = depth < 35
    assert np.allclose(lung_dose[upstream], water_dose[upstream], rtol=1e-3)


def test_radiological_depth_scales_with_density(water_cube):
    grid, density = water_cube
    beam = Beam(90.0, (0.0, 0.0, 0.0))  # source on the patient's left (+x)
    point = np.array([[0.0, 0.0, 0.0]])
    water = radiological_depth(density, grid, beam, point)[0]
    half = radiological_depth(density * 0.5, grid, beam, point)[0]
    assert water == pytest.approx(100.0, abs=2.5)
    assert half == pytest.approx(water / 2, rel=0.02)


def test_profile_penumbra_and_field_edge(water_cube):
    grid, density = water_cube
    beam = Beam(0.0, (0.0, 0.0, 0.0))
    bixels = _square_field(beam, 100.0)
    k, j, _i = np.indices(grid.shape)
    row = (j == 24) & (k == 24)  # depth 98 mm, through the isocentre plane
    voxels = np.flatnonzero(row.ravel())
    dose = compute_dose_influence(density, grid, grid, voxels, (beam,), bixels).dose_gy(
        np.full(bixels.count, 100.0)
    )
    profile = dose.ravel()[voxels]
    x = grid.index_to_world(np.stack(np.unravel_index(voxels, grid.shape), 1).astype(float))[:, 0]
    relative = profile / np.interp(0.0, x, profile)
    edge = np.interp(0.5, relative[x > 0][::-1], x[x > 0][::-1])
    assert edge == pytest.approx(50.0, abs=2.0)  # 50 % at the geometric edge (2 mm)


def test_beam_through_nothing_is_an_error(water_cube):
    grid, density = water_cube
    beam = Beam(0.0, (400.0, 0.0, 0.0))  # isocentre far outside the CT
    bixels = _square_field(beam, 20.0)
    voxels = np.arange(10)
    with pytest.raises(GeometryMismatchError, match="passes through no tissue"):
        compute_dose_influence(density, grid, grid, voxels, (beam,), bixels)


def test_empty_target_is_an_error():
    beam = Beam(0.0, (0.0, 0.0, 0.0))
    with pytest.raises(InputError, match="nothing to plan"):
        select_bixels((beam,), np.zeros((0, 3)), 5.0, 0.0)
