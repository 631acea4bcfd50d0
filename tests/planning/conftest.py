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
