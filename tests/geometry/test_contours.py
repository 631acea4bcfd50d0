import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.geometry import PlanarContour, StructureContours


def square(z: float, side: float = 10.0) -> np.ndarray:
    return np.array([[0, 0, z], [side, 0, z], [side, side, z], [0, side, z]], dtype=float)


def test_area_normal_and_closing_point_dropped() -> None:
    points = np.vstack([square(5.0), square(5.0)[:1]])
    contour = PlanarContour(points)
    assert contour.points_mm.shape == (4, 3)
    assert contour.area_mm2 == pytest.approx(100.0)
    assert np.allclose(np.abs(contour.normal), [0, 0, 1])
    assert contour.is_planar()


def test_rejects_degenerate_contours() -> None:
    with pytest.raises(InputError, match="at least 3 distinct points"):
        PlanarContour(np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))
    with pytest.raises(InputError, match=r"\(N, 3\)"):
        PlanarContour(np.zeros((4, 2)))


def test_structure_validation_and_points() -> None:
    structure = StructureContours("GTV", 3, "1.2", (PlanarContour(square(0.0)),))
    assert structure.all_points_mm().shape == (4, 3)
    assert not structure.is_empty
    assert StructureContours("Empty", 4, "1.2").all_points_mm().shape == (0, 3)
    with pytest.raises(InputError, match="color_rgb"):
        StructureContours("GTV", 3, "1.2", color_rgb=(0, 0, 300))
