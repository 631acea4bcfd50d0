"""A reduced phantom with MR and lipiodol (128 x 128 CT, 6 mm slices), once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from hccrt.phantom.mr import MRTransform


@pytest.fixture(scope="session")
def fusion_phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """Seed 3, one 4 cm tumour, post-TACE CT and a whole-trunk MR (rigid transform)."""
    out: Path = tmp_path_factory.mktemp("fusion_phantom")
    options = PhantomOptions(
        seed=3, matrix_size=128, slice_thickness_mm=6.0, mr=True, lipiodol=True
    )
    return generate_phantom(out, options)


def truth(result: PhantomResult) -> MRTransform:
    """The phantom's known MR -> CT transform."""
    return MRTransform.from_json(json.loads(result.mr_transform_path.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def pet_cbct_phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """Seed 3, one 4 cm tumour, post-TACE CT, an FDG PET and a small-field-of-view CBCT."""
    out: Path = tmp_path_factory.mktemp("pet_cbct_phantom")
    options = PhantomOptions(
        seed=3, matrix_size=128, slice_thickness_mm=6.0, pet=True, cbct=True, lipiodol=True
    )
    return generate_phantom(out, options)


def known(path: Path) -> MRTransform:
    """A known moving -> CT transform saved by the phantom (MR, PET or CBCT)."""
    return MRTransform.from_json(json.loads(path.read_text(encoding="utf-8")))
