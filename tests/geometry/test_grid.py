import numpy as np
import pytest

from hccrt.errors import GeometryMismatchError, InputError
from hccrt.geometry import Grid, require_overlap, require_same_frame


def make_grid(uid: str = "1.2.3", origin: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Grid:
    return Grid.from_spacing((10, 20, 30), (2.5, 1.0, 0.5), origin, uid)


def test_spacing_volume_and_axis_coordinates() -> None:
    grid = make_grid(origin=(-10.0, -20.0, 5.0))
    assert grid.spacing_mm == pytest.approx((2.5, 1.0, 0.5))
    assert grid.voxel_volume_cc == pytest.approx(2.5 * 1.0 * 0.5 / 1000)
    z, y, x = grid.axis_coordinates_mm()
    assert z[0] == pytest.approx(5.0)
    assert z[-1] == pytest.approx(5.0 + 9 * 2.5)
    assert y[1] == pytest.approx(-19.0)
    assert x[2] == pytest.approx(-9.0)
    assert grid.is_axis_aligned


def test_index_world_round_trip() -> None:
    grid = Grid.from_spacing(
        (4, 5, 6),
        (3.0, 0.8, 0.8),
        (1.0, 2.0, 3.0),
        "1.2",
        row_direction=(0.0, 1.0, 0.0),
        column_direction=(0.0, 0.0, -1.0),
    )
    rng = np.random.default_rng(7)
    idx = rng.uniform(0, 4, size=(50, 3))
    assert np.allclose(grid.world_to_index(grid.index_to_world(idx)), idx)
    assert not grid.is_axis_aligned
    with pytest.raises(InputError, match="axis-aligned"):
        grid.axis_coordinates_mm()


def test_bounds_cover_half_voxels() -> None:
    bounds = make_grid().bounds_mm()
    assert bounds[0] == pytest.approx([-0.25, -0.5, -1.25])
    assert bounds[1] == pytest.approx([14.75, 19.5, 23.75])


def test_rejects_sheared_affine() -> None:
    affine = np.eye(4)
    affine[0, 1] = 0.3
    with pytest.raises(InputError, match="orthogonal"):
        Grid((2, 2, 2), affine, "1.2")


def test_rejects_bad_shape_and_uid() -> None:
    with pytest.raises(InputError, match="shape"):
        Grid((0, 2, 2), np.eye(4), "1.2")
    with pytest.raises(InputError, match="frame_of_reference_uid"):
        Grid((1, 2, 2), np.eye(4), "")


def test_affine_is_read_only() -> None:
    grid = make_grid()
    with pytest.raises(ValueError, match="read-only"):
        grid.affine[0, 0] = 5.0


def test_frame_mismatch_is_detected() -> None:
    with pytest.raises(GeometryMismatchError, match=r"1\.2\.3 vs 9\.9"):
        require_same_frame("1.2.3", "9.9", "dose with structures")
    require_same_frame("1.2.3", "1.2.3", "dose with structures")
    assert not make_grid("1.2.3").same_geometry(make_grid("9.9"))


def test_overlap_is_required() -> None:
    require_overlap(make_grid(), make_grid(origin=(10.0, 0.0, 0.0)), "dose with CT")
    with pytest.raises(GeometryMismatchError, match="do not overlap"):
        require_overlap(make_grid(), make_grid(origin=(500.0, 0.0, 0.0)), "dose with CT")
