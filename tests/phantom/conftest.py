"""A reduced-size phantom (128 x 128, 6 mm slices) generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom

SMALL = {"matrix_size": 128, "slice_thickness_mm": 6.0}


@pytest.fixture(scope="session")
def small_phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """Seed 7, two 3 cm tumours, Child-Pugh B, portal vein thrombus."""
    out: Path = tmp_path_factory.mktemp("phantom_small")
    options = PhantomOptions(
        seed=7,
        tumor_diameter_cm=3.0,
        tumor_count=2,
        child_pugh="B",
        portal_vein_thrombus=True,
        **SMALL,  # type: ignore[arg-type]
    )
    return generate_phantom(out, options)
