"""Constructive solid geometry on signed fields: union, intersection, difference, offset.

Unions, intersections and differences are the min / max of the fields, which keeps them
1-Lipschitz (see :mod:`hccrt.phantom.shapes`). ``inside`` short-circuits: each solid is
evaluated only at the points whose answer is still open and that lie in its bounding box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hccrt.phantom.shapes import BoolArray, FloatArray, Shape


def _all_inside(
    parts: Sequence[Shape], cuts: Sequence[Shape], x: FloatArray, y: FloatArray, z: FloatArray
) -> BoolArray:
    """Inside every part and outside every cut, evaluating each solid only where still needed."""
    result = np.ones(np.shape(x), dtype=bool)
    for solid, keep_inside in [(p, True) for p in parts] + [(c, False) for c in cuts]:
        todo = np.flatnonzero(result)
        if todo.size == 0:
            break
        in_box = _in_box(solid.bounds(), x[todo], y[todo], z[todo])
        if keep_inside:
            result[todo[~in_box]] = False
        todo = todo[in_box]
        hit = solid.inside(x[todo], y[todo], z[todo])
        result[todo] = hit if keep_inside else ~hit
    return result


def _in_box(box: FloatArray, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
    result: BoolArray = (
        (x >= box[0, 0])
        & (x <= box[1, 0])
        & (y >= box[0, 1])
        & (y <= box[1, 1])
        & (z >= box[0, 2])
        & (z <= box[1, 2])
    )
    return result


@dataclass(frozen=True)
class Union(Shape):
    """Points inside any of the parts."""

    parts: tuple[Shape, ...]

    @property
    def z_invariant(self) -> bool:
        return all(part.z_invariant for part in self.parts)

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        result = self.parts[0].field(x, y, z)
        for part in self.parts[1:]:
            result = np.minimum(result, part.field(x, y, z))
        return result

    def inside(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        result = np.zeros(np.shape(x), dtype=bool)
        for part in self.parts:
            todo = np.flatnonzero(~result)
            todo = todo[_in_box(part.bounds(), x[todo], y[todo], z[todo])]
            if todo.size == 0:
                continue
            result[todo] = part.inside(x[todo], y[todo], z[todo])
        return result

    def _compute_bounds(self) -> FloatArray:
        boxes = np.stack([part.bounds() for part in self.parts])
        return np.stack([boxes[:, 0].min(axis=0), boxes[:, 1].max(axis=0)])


@dataclass(frozen=True)
class Intersection(Shape):
    """Points inside all of the parts."""

    parts: tuple[Shape, ...]

    @property
    def z_invariant(self) -> bool:
        return all(part.z_invariant for part in self.parts)

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        result = self.parts[0].field(x, y, z)
        for part in self.parts[1:]:
            result = np.maximum(result, part.field(x, y, z))
        return result

    def inside(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        return _all_inside(self.parts, (), x, y, z)

    def _compute_bounds(self) -> FloatArray:
        boxes = np.stack([part.bounds() for part in self.parts])
        return np.stack([boxes[:, 0].max(axis=0), boxes[:, 1].min(axis=0)])


@dataclass(frozen=True)
class Difference(Shape):
    """Points inside ``base`` and outside every shape of ``minus``."""

    base: Shape
    minus: tuple[Shape, ...]

    @property
    def z_invariant(self) -> bool:
        return self.base.z_invariant and all(cut.z_invariant for cut in self.minus)

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        result = self.base.field(x, y, z)
        for cut in self.minus:
            result = np.maximum(result, -cut.field(x, y, z))
        return result

    def inside(self, x: FloatArray, y: FloatArray, z: FloatArray) -> BoolArray:
        return _all_inside((self.base,), self.minus, x, y, z)

    def _compute_bounds(self) -> FloatArray:
        return self.base.bounds()


@dataclass(frozen=True)
class Offset(Shape):
    """``shape`` grown by ``distance_mm`` (contains every point within that distance).

    A grown solid is clipped to the bounding box of ``shape`` grown by the same distance:
    because the field may underestimate distances, ``field < d`` alone could reach further.
    """

    shape: Shape
    distance_mm: float

    @property
    def z_invariant(self) -> bool:
        return self.shape.z_invariant

    def field(self, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        grown = self.shape.field(x, y, z) - self.distance_mm
        if self.distance_mm <= 0:
            return grown
        return np.maximum(grown, _box_field(self.bounds(), x, y, z))

    def _compute_bounds(self) -> FloatArray:
        box = self.shape.bounds()
        return np.stack([box[0] - self.distance_mm, box[1] + self.distance_mm])


def _box_field(box: FloatArray, x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
    """Signed distance to an axis-aligned box (infinite sides allowed)."""
    with np.errstate(invalid="ignore"):
        q = [np.maximum(box[0, a] - c, c - box[1, a]) for a, c in enumerate((x, y, z))]
    outside = np.sqrt(sum(np.maximum(qa, 0.0) ** 2 for qa in q))
    inside = np.minimum(np.maximum(np.maximum(q[0], q[1]), q[2]), 0.0)
    result: FloatArray = outside + inside
    return result
