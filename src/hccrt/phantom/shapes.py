"""Analytic solids described by a signed field, for exact phantom anatomy.

Every shape has a field ``f(x, y, z)`` in mm that is negative inside, zero on the surface and
positive outside, and that changes by at most 1 mm per mm (1-Lipschitz). The field is therefore
a lower bound of the true distance to the surface, which makes two operations safe:

* ``Offset(shape, d)`` contains every point within ``d`` mm of ``shape`` (used for fat planes
  between organs that must not touch);
* the zero level set is smooth, so marching squares on a sub-millimetre in-plane sampling traces
  the exact intersection of the surface with a slice plane to well below 0.05 mm.

Unions, intersections and differences are the min / max of the fields (constructive solid
geometry), which keeps the Lipschitz bound. Coordinates are DICOM patient LPS in mm.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_INF = float("inf")


def _rotation(angles_deg: Sequence[float]) -> FloatArray:
    """Rotation matrix R = Rz @ Ry @ Rx for angles (about z, about y, about x) in degrees."""
    az, ay, ax = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    cz, sz, cy, sy, cx, sx = np.cos(az), np.sin(az), np.cos(ay), np.sin(ay), np.cos(ax), np.sin(ax)
    rz = np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]])
    result: FloatArray = rz @ ry @ rx
    return result


class Shape(ABC):
    """A solid given by a 1-Lipschitz signed field (mm; negative inside)."""

    @abstractmethod
    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        """Signed field at LPS positions (broadcast arrays, mm)."""

    @abstractmethod
    def _compute_bounds(self) -> FloatArray:
        """``(2, 3)`` min/max LPS corner of a box that contains the solid (may be infinite)."""

    def bounds(self) -> FloatArray:
        """``(2, 3)`` min/max LPS corner of a box that contains the solid (may be infinite)."""
        cached: FloatArray | None = self.__dict__.get("_bounds_cache")
        if cached is None:
            cached = np.array(self._compute_bounds(), dtype=np.float64)
            cached.setflags(write=False)
            object.__setattr__(self, "_bounds_cache", cached)
        return cached

    @property
    def z_invariant(self) -> bool:
        """True when every axial cross-section is the same (an infinite axial prism)."""
        return False

    def inside(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        """``field < 0`` for 1-D coordinate arrays of equal length (CSG nodes short-circuit)."""
        result: BoolArray = self.field(x, y, z) < 0.0
        return result

    def contains(self, points_mm: npt.ArrayLike) -> BoolArray:
        """True for ``(..., 3)`` LPS points strictly inside the solid."""
        pts = np.asarray(points_mm, dtype=np.float64)
        flat = pts.reshape(-1, 3)
        return self.inside(flat[:, 0], flat[:, 1], flat[:, 2]).reshape(pts.shape[:-1])


@dataclass(frozen=True)
class Ellipsoid(Shape):
    """Super-ellipsoid ``(|u/a|^p + |v/b|^p + |w/c|^p)^(1/p) <= 1`` in a rotated local frame.

    Parameters
    ----------
    center_mm
        Centre in LPS mm.
    semi_axes_mm
        Semi-axes (a, b, c) along the local axes, mm.
    rotation_deg
        Rotation of the local frame (about z, then y, then x), degrees.
    exponent
        2 for an ellipsoid; larger values give a boxier solid (must be >= 2 to keep the field
        1-Lipschitz).
    """

    center_mm: tuple[float, float, float]
    semi_axes_mm: tuple[float, float, float]
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    exponent: float = 2.0
    _rot: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if min(self.semi_axes_mm) <= 0:
            raise InputError("semi_axes_mm", "must be > 0 mm", self.semi_axes_mm, "fix the shape")
        if self.exponent < 2:
            raise InputError("exponent", "must be >= 2", self.exponent, "use 2 for an ellipsoid")
        object.__setattr__(self, "_rot", _rotation(self.rotation_deg))

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        dx, dy, dz = x - self.center_mm[0], y - self.center_mm[1], z - self.center_mm[2]
        r = self._rot  # local = R^T (p - c)
        p = self.exponent
        total = np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(dy), np.shape(dz)))
        for axis in range(3):
            local = r[0, axis] * dx + r[1, axis] * dy + r[2, axis] * dz
            total = total + np.abs(local / self.semi_axes_mm[axis]) ** p
        result: FloatArray = (total ** (1.0 / p) - 1.0) * min(self.semi_axes_mm)
        return result

    def _compute_bounds(self) -> FloatArray:
        # Half-extent of the rotated box that holds the (super-)ellipsoid.
        half = np.abs(self._rot) @ np.asarray(self.semi_axes_mm, dtype=np.float64)
        centre = np.asarray(self.center_mm, dtype=np.float64)
        return np.stack([centre - half, centre + half])


@dataclass(frozen=True)
class EllipticCylinder(Shape):
    """Axial (z-parallel) super-elliptic cylinder between ``z_min_mm`` and ``z_max_mm``.

    The semi-axes may vary linearly with z (``semi_axes_top_mm`` at ``z_max_mm``) to model
    tapering muscles.
    """

    center_xy_mm: tuple[float, float]
    semi_axes_mm: tuple[float, float]
    z_min_mm: float = -_INF
    z_max_mm: float = _INF
    exponent: float = 2.0
    semi_axes_top_mm: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if min(self.semi_axes_mm) <= 0 or self.z_max_mm <= self.z_min_mm:
            raise InputError(
                "EllipticCylinder",
                "semi-axes must be > 0 mm and z_max > z_min",
                (self.semi_axes_mm, self.z_min_mm, self.z_max_mm),
                "fix the shape",
            )
        if self.semi_axes_top_mm is not None and not np.isfinite(self.z_max_mm - self.z_min_mm):
            raise InputError("semi_axes_top_mm", "needs finite z limits", None, "set z limits")

    @property
    def z_invariant(self) -> bool:
        return self.semi_axes_top_mm is None and not np.isfinite(self.z_min_mm + self.z_max_mm)

    def _semi(self, z: FloatArray) -> tuple[FloatArray | float, FloatArray | float]:
        a, b = self.semi_axes_mm
        if self.semi_axes_top_mm is None:
            return a, b
        t = np.clip((z - self.z_min_mm) / (self.z_max_mm - self.z_min_mm), 0.0, 1.0)
        return a + t * (self.semi_axes_top_mm[0] - a), b + t * (self.semi_axes_top_mm[1] - b)

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        a, b = self._semi(z)
        p = self.exponent
        dx = np.abs(x - self.center_xy_mm[0]) / a
        dy = np.abs(y - self.center_xy_mm[1]) / b
        radial = ((dx**p + dy**p) ** (1.0 / p) - 1.0) * np.minimum(a, b)
        result: FloatArray = np.maximum(radial, np.maximum(self.z_min_mm - z, z - self.z_max_mm))
        return result

    def _compute_bounds(self) -> FloatArray:
        a, b = self.semi_axes_mm
        if self.semi_axes_top_mm is not None:
            a, b = max(a, self.semi_axes_top_mm[0]), max(b, self.semi_axes_top_mm[1])
        cx, cy = self.center_xy_mm
        return np.array([[cx - a, cy - b, self.z_min_mm], [cx + a, cy + b, self.z_max_mm]])


@dataclass(frozen=True)
class Capsule(Shape):
    """Tube of ``radius_mm`` around the segment from ``start_mm`` to ``end_mm`` (exact distance)."""

    start_mm: tuple[float, float, float]
    end_mm: tuple[float, float, float]
    radius_mm: float

    def __post_init__(self) -> None:
        if self.radius_mm <= 0:
            raise InputError("radius_mm", "must be > 0 mm", self.radius_mm, "fix the shape")

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        a = np.asarray(self.start_mm, dtype=np.float64)
        axis = np.asarray(self.end_mm, dtype=np.float64) - a
        length2 = float(axis @ axis)
        px, py, pz = x - a[0], y - a[1], z - a[2]
        t = (px * axis[0] + py * axis[1] + pz * axis[2]) / length2 if length2 > 0 else 0.0 * px
        t = np.clip(t, 0.0, 1.0)
        dist = np.sqrt((px - t * axis[0]) ** 2 + (py - t * axis[1]) ** 2 + (pz - t * axis[2]) ** 2)
        result: FloatArray = dist - self.radius_mm
        return result

    def _compute_bounds(self) -> FloatArray:
        ends = np.array([self.start_mm, self.end_mm], dtype=np.float64)
        return np.stack([ends.min(axis=0) - self.radius_mm, ends.max(axis=0) + self.radius_mm])


@dataclass(frozen=True)
class Sphere(Shape):
    """Ball of ``radius_mm`` around ``center_mm`` (exact distance field)."""

    center_mm: tuple[float, float, float]
    radius_mm: float

    def __post_init__(self) -> None:
        if self.radius_mm <= 0:
            raise InputError("radius_mm", "must be > 0 mm", self.radius_mm, "fix the shape")

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        cx, cy, cz = self.center_mm
        result: FloatArray = np.sqrt((x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2)
        return result - self.radius_mm

    def _compute_bounds(self) -> FloatArray:
        centre = np.asarray(self.center_mm, dtype=np.float64)
        return np.stack([centre - self.radius_mm, centre + self.radius_mm])


@dataclass(frozen=True)
class HalfSpace(Shape):
    """Points with coordinate ``axis`` (0 = x, 1 = y, 2 = z) below (or above) ``value_mm``."""

    axis: int
    value_mm: float
    below: bool = True

    def __post_init__(self) -> None:
        if self.axis not in (0, 1, 2):
            raise InputError("axis", "must be 0 (x), 1 (y) or 2 (z)", self.axis, "fix the shape")

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        coordinate = (x, y, z)[self.axis]
        value = coordinate - self.value_mm if self.below else self.value_mm - coordinate
        result: FloatArray = value + 0.0 * x + 0.0 * y + 0.0 * z
        return result

    def _compute_bounds(self) -> FloatArray:
        box = np.array([[-_INF] * 3, [_INF] * 3])
        box[1 if self.below else 0, self.axis] = self.value_mm
        return box


@dataclass(frozen=True)
class PeriodicBands(Shape):
    """Axial bands of ``thickness_mm`` repeating every ``period_mm`` (ribs, intervertebral discs).

    A band's height drops by ``drop_mm`` from the posterior (+y) side of ``center_xy_mm`` to the
    anterior side, as ribs do; bands are kept within ``max_angle_deg`` of the posterior
    direction and between the band centres ``first_mm`` and ``last_mm`` (posterior heights).
    Used only for CT texture: the field is not a distance.
    """

    center_xy_mm: tuple[float, float]
    period_mm: float
    thickness_mm: float
    first_mm: float
    last_mm: float
    drop_mm: float = 0.0
    max_angle_deg: float = 180.0

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        angle = np.abs(np.arctan2(x - self.center_xy_mm[0], y - self.center_xy_mm[1]))
        height = z + self.drop_mm * angle / np.pi
        clipped = np.clip(height, self.first_mm, self.last_mm)
        phase = np.mod(clipped - self.first_mm, self.period_mm)
        nearest = clipped - phase + np.where(phase > self.period_mm / 2, self.period_mm, 0.0)
        nearest = np.minimum(nearest, self.last_mm)
        band = np.abs(height - nearest) - self.thickness_mm / 2
        outside_angle = (angle - np.deg2rad(self.max_angle_deg)) * 100.0
        result: FloatArray = np.maximum(band, outside_angle)
        return result

    def _compute_bounds(self) -> FloatArray:
        low = self.first_mm - self.drop_mm - self.thickness_mm
        high = self.last_mm + self.thickness_mm
        return np.array([[-_INF, -_INF, low], [_INF, _INF, high]])
