"""Planar contours of a structure (the geometry of an RTSTRUCT ROI), in LPS mm.

A structure is a set of closed planar polygons; on one plane, polygons nested inside others are
holes (even-odd rule: a point is inside the structure when it lies inside an odd number of
polygons of that plane). This is the common interchange object between the DICOM reader, the
rasteriser, the margin tools, the DVH engine and the phantom writer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]

_PLANARITY_TOLERANCE_MM = 0.01


def _allclose(first: list[float], second: list[float]) -> bool:
    """``numpy.allclose(first, second)`` (rtol 1e-5, atol 1e-8) for two short vectors.

    The same comparisons without numpy's array machinery (a reader builds thousands of
    contours): finite values within ``1e-8 + 1e-5 |b|``, infinities equal, NaN never close.
    """
    for a, b in zip(first, second, strict=True):
        if math.isfinite(a) and math.isfinite(b):
            if not abs(a - b) <= 1e-8 + 1e-5 * abs(b):
                return False
        elif a != b:
            return False
    return True


def _newell_unit_normal(centred: FloatArray) -> FloatArray:
    """Unit normal of a closed polygon with centred vertices (Newell's method).

    Robust for non-convex polygons; ``(0, 0, 1)`` for a degenerate one.
    """
    nxt = np.concatenate([centred[1:], centred[:1]])  # np.roll(centred, -1, axis=0)
    newell = np.array(
        [
            np.sum((centred[:, 1] - nxt[:, 1]) * (centred[:, 2] + nxt[:, 2])),
            np.sum((centred[:, 2] - nxt[:, 2]) * (centred[:, 0] + nxt[:, 0])),
            np.sum((centred[:, 0] - nxt[:, 0]) * (centred[:, 1] + nxt[:, 1])),
        ]
    )
    length = float(np.linalg.norm(newell))
    if length == 0.0:
        return np.array([0.0, 0.0, 1.0])
    result: FloatArray = newell / length
    return result


@dataclass(frozen=True)
class PlanarContour:
    """One closed polygon lying in a plane.

    Parameters
    ----------
    points_mm
        ``(N, 3)`` vertices in LPS mm, N >= 3; the polygon closes from the last to the first
        vertex (do not repeat the first point).
    """

    points_mm: FloatArray = field(repr=False)

    def __post_init__(self) -> None:
        points = np.array(self.points_mm, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 3:
            raise InputError(
                "points_mm", "must be an (N, 3) array of LPS positions", points.shape, "reshape"
            )
        if points.shape[0] >= 2 and _allclose(points[0].tolist(), points[-1].tolist()):
            points = points[:-1]
        if points.shape[0] < 3:
            raise InputError(
                "points_mm",
                "a closed contour needs at least 3 distinct points",
                points.shape[0],
                "drop point/line contours or mark them as POINT/OPEN_PLANAR",
            )
        if not np.all(np.isfinite(points)):
            raise InputError("points_mm", "must be finite", "NaN/inf", "check the contour data")
        points.setflags(write=False)
        object.__setattr__(self, "points_mm", points)

    @property
    def normal(self) -> FloatArray:
        """Unit normal of the best-fit plane (sign follows the vertex order)."""
        return _newell_unit_normal(self.points_mm - self.points_mm.mean(axis=0))

    @property
    def area_mm2(self) -> float:
        """Enclosed area in mm² (Newell's vector area; valid for any plane orientation)."""
        centred = self.points_mm - self.points_mm.mean(axis=0)
        cross = np.cross(centred, np.roll(centred, -1, axis=0)).sum(axis=0)
        return float(np.linalg.norm(cross) / 2.0)

    def is_planar(self, tolerance_mm: float = _PLANARITY_TOLERANCE_MM) -> bool:
        """True when every vertex lies within ``tolerance_mm`` of the best-fit plane."""
        centred = self.points_mm - self.points_mm.mean(axis=0)
        offsets = centred @ _newell_unit_normal(centred)
        return bool(np.max(np.abs(offsets)) <= tolerance_mm)


@dataclass(frozen=True)
class StructureContours:
    """All closed planar contours of one ROI.

    Parameters
    ----------
    name
        ROI name as stored (e.g. ``"Liver"``).
    number
        ROI number (ROINumber), unique within its RTSTRUCT.
    frame_of_reference_uid
        Frame of Reference of the contour coordinates.
    contours
        The closed polygons (possibly none, for an empty ROI).
    color_rgb
        Display colour, 0-255 per channel.
    interpreted_type
        RTROIInterpretedType (``"ORGAN"``, ``"GTV"``, ``"PTV"``, ``"EXTERNAL"``, ...).
    """

    name: str
    number: int
    frame_of_reference_uid: str
    contours: tuple[PlanarContour, ...] = ()
    color_rgb: tuple[int, int, int] = (255, 0, 0)
    interpreted_type: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("name", "an ROI needs a name", self.name, "give the ROI a name")
        if self.number < 0:
            raise InputError("number", "ROI numbers are >= 0", self.number, "renumber the ROI")
        if any(not 0 <= c <= 255 for c in self.color_rgb) or len(self.color_rgb) != 3:
            raise InputError(
                "color_rgb", "three values in 0-255", self.color_rgb, "use an RGB triplet"
            )
        object.__setattr__(self, "contours", tuple(self.contours))

    @property
    def is_empty(self) -> bool:
        """True when the ROI has no closed contour."""
        return not self.contours

    def all_points_mm(self) -> FloatArray:
        """``(N, 3)`` array of every vertex of every contour (empty ``(0, 3)`` if none)."""
        if not self.contours:
            return np.zeros((0, 3))
        return np.concatenate([c.points_mm for c in self.contours])
