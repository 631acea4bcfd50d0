"""Structure workflows: volume table, CTV = expand(GTV) within Liver, names and types."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.dicom import read_rtstruct
from hccrt.dicom.structure_ops import (
    check_new_name,
    derive_structure,
    interpreted_type_for,
    margin_expression,
    reach_mm,
    structure_table,
)
from hccrt.errors import InputError
from hccrt.geometry.derive import parse_expression
from hccrt.geometry.margins import Margins
from hccrt.geometry.rasterize import structure_volume_cc_from_polygons
from tests.dicom.factory import circle, write_ct_series, write_rtstruct


def sphere(
    radius_mm: float, slice_mm: float, centre: tuple[float, float, float] = (0, 0, 0)
) -> list:
    count = int(np.floor(radius_mm / slice_mm))
    return [
        (
            "CLOSED_PLANAR",
            circle(
                np.sqrt(radius_mm**2 - (n * slice_mm) ** 2),
                centre[2] + n * slice_mm,
                centre=(centre[0], centre[1]),
            ),
        )
        for n in range(-count, count + 1)
    ]


@pytest.fixture
def structure_set(tmp_path: Path) -> Path:
    return write_rtstruct(
        tmp_path / "rs.dcm",
        {"Liver": sphere(30.0, 2.5), "GTV": sphere(8.0, 2.5, (20.0, 0.0, 0.0))},
    )


def test_ctv_inside_liver_without_ct(structure_set: Path) -> None:
    node = margin_expression("gtv", Margins.isotropic(10.0), within="LIVER")
    result = derive_structure(structure_set, node, "CTV")
    assert result.structure.interpreted_type == "CTV"
    assert result.structure.number == 3
    assert result.grid.spacing_mm == pytest.approx((2.5, 1.0, 1.0))
    # a GTV of r = 8 mm at 20 mm from the centre of a r = 30 mm liver, grown by 10 mm: the
    # r = 18 mm ball is cut by the liver surface; the result is smaller than the full ball
    full_ball = 4 / 3 * np.pi * 18**3 / 1000
    assert 0.6 * full_ball < result.volume_cc < full_ball
    assert result.volume_cc_polygons == pytest.approx(result.volume_cc, rel=0.02)
    liver_max_x = 30.0
    assert result.structure.all_points_mm()[:, 0].max() <= liver_max_x + 0.6


def test_normal_liver_on_the_ct_grid(tmp_path: Path, structure_set: Path) -> None:
    write_ct_series(
        tmp_path / "ct",
        [(-40.0, -40.0, z) for z in np.arange(-35.0, 35.1, 2.5)],
        shape=(81, 81),
        pixel_spacing=(1.0, 1.0),
    )
    table = structure_table(structure_set, tmp_path / "ct")
    liver, gtv = table.structures
    result = derive_structure(structure_set, "Liver - GTV", "Liver-GTV", ct_dir=tmp_path / "ct")
    assert result.structure.interpreted_type == "ORGAN"
    # the work grid is the part of the CT grid around the structures, on the CT's voxels
    assert result.grid.shape == (29, 69, 69)
    assert result.grid.spacing_mm == pytest.approx((2.5, 1.0, 1.0))
    assert np.allclose(result.grid.origin_mm, (-34.0, -34.0, -35.0))
    assert liver.volume_cc_mask is not None
    assert gtv.volume_cc_mask is not None
    assert result.volume_cc == pytest.approx(liver.volume_cc_mask - gtv.volume_cc_mask, rel=1e-4)


def test_names_types_and_reach(structure_set: Path) -> None:
    rs = read_rtstruct(structure_set)
    with pytest.raises(InputError, match="already exists"):
        check_new_name("liver", rs)
    assert check_new_name("PTV_High", rs) == []
    assert "not TG-263 style" in check_new_name("PTV 60 Gy boost", rs)[0]
    assert interpreted_type_for("PTV_60", "GTV") == "PTV"
    assert interpreted_type_for("z_Ring", "PTV") == "CONTROL"
    assert interpreted_type_for("Liver-GTV", "ORGAN") == "ORGAN"
    assert reach_mm(parse_expression("expand(expand(GTV, 5), 3) & ring(L, 2, 7)")) == 8.0
    with pytest.raises(InputError, match="structure=Spleen: not in the structure set"):
        derive_structure(structure_set, "Spleen - GTV", "X")


def test_derived_contours_survive_a_dicom_write_read_round_trip(
    tmp_path: Path, structure_set: Path
) -> None:
    result = derive_structure(structure_set, "expand(GTV, 5,5,5,5,10,10)", "PTV")
    rois = {"PTV": [("CLOSED_PLANAR", c.points_mm) for c in result.structure.contours]}
    written = write_rtstruct(tmp_path / "ptv.dcm", rois)
    back = read_rtstruct(written).get("PTV")
    volume = structure_volume_cc_from_polygons(back)
    assert volume == pytest.approx(result.volume_cc_polygons, rel=1e-4)
    assert volume == pytest.approx(result.volume_cc, rel=0.01)
