"""Small water phantoms shared by the planning tests."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.geometry.grid import Grid


@pytest.fixture(scope="module")
def water_cube() -> tuple[Grid, np.ndarray]:
    """A 200 mm water cube (4 mm voxels) centred on the origin, density 1."""
    grid = Grid.from_spacing((50, 50, 50), (4.0, 4.0, 4.0), (-98.0, -98.0, -98.0), "1.2.826.0.1")
    return grid, np.ones(grid.shape, dtype=np.float32)


@pytest.fixture(scope="session")
def pvtt_phantom_files(tmp_path_factory: pytest.TempPathFactory):
    """A reduced phantom (128 x 128, 6 mm slices, no noise): one 3 cm GTV and a GTV_PVTT."""
    from hccrt.phantom import PhantomOptions, generate_phantom

    options = PhantomOptions(
        seed=3,
        tumor_diameter_cm=3.0,
        portal_vein_thrombus=True,
        matrix_size=128,
        slice_thickness_mm=6.0,
        noise_sd_hu=0.0,
    )
    return generate_phantom(tmp_path_factory.mktemp("pvtt"), options)


@pytest.fixture(scope="session")
def pvtt_phantom(pvtt_phantom_files):
    """The CT and structure set of :func:`pvtt_phantom_files`."""
    from hccrt.dicom import read_ct_series, read_rtstruct

    result = pvtt_phantom_files
    return read_ct_series(result.ct_dir), read_rtstruct(result.rtstruct_path)
