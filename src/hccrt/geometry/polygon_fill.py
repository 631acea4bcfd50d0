"""Planar polygons in continuous grid indices: areas, even-odd nesting and scan-line fill.

Helpers of the rasteriser (:mod:`hccrt.geometry.rasterize`): polygon vertices are ``(j, i)``
(row, column) index pairs on one plane. :func:`plane_fraction` integrates the even-odd inside
intervals of every scan line exactly over each voxel column (``subsamples`` scan lines a row).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def next_vertex(values: FloatArray) -> FloatArray:
    """The following vertex of every vertex of a closed polygon (``np.roll(values, -1)``)."""
    return np.concatenate([values[1:], values[:1]])


def _signed_area(xy: FloatArray) -> float:
    x, y = xy[:, 0], xy[:, 1]
    return float(0.5 * (np.dot(x, next_vertex(y)) - np.dot(y, next_vertex(x))))


def newell_normal(points: FloatArray) -> FloatArray:
    """Unit normal of a closed 3-D polygon (Newell's method, as ``PlanarContour.normal``)."""
    centred = points - points.mean(axis=0)
    nxt = next_vertex(centred)
    summed = centred + nxt
    diff = centred - nxt
    newell = np.array(
        [
            np.dot(diff[:, 1], summed[:, 2]),
            np.dot(diff[:, 2], summed[:, 0]),
            np.dot(diff[:, 0], summed[:, 1]),
        ]
    )
    length = float(np.linalg.norm(newell))
    return newell / length if length > 0.0 else np.array([0.0, 0.0, 1.0])


def _point_in_polygon(point: FloatArray, polygon: FloatArray) -> bool:
    x, y = point
    x0, y0 = polygon[:, 0], polygon[:, 1]
    x1, y1 = next_vertex(x0), next_vertex(y0)
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(crosses & (xs > x)) % 2)


def even_odd_area(polygons: list[FloatArray]) -> float:
    """Area of polygons combined by the even-odd rule, assuming they do not cross each other.

    Each polygon counts positively at even nesting depth and negatively at odd depth (a hole);
    the depth of a polygon is the number of other polygons containing its first vertex.
    """
    total = 0.0
    if len(polygons) == 1:
        return abs(_signed_area(polygons[0]))
    for n, polygon in enumerate(polygons):
        depth = sum(
            _point_in_polygon(polygon[0], other) for m, other in enumerate(polygons) if m != n
        )
        total += abs(_signed_area(polygon)) * (-1.0 if depth % 2 else 1.0)
    return total


def plane_fraction(
    polygons: tuple[FloatArray, ...], rows: int, cols: int, subsamples: int
) -> tuple[tuple[int, int, int, int], npt.NDArray[np.float32]] | None:
    """In-plane area fraction of the even-odd union of polygons within the bounding box.

    Each voxel row is cut by ``subsamples`` scan lines; along a scan line the even-odd inside
    intervals (sorted edge crossings, paired) are integrated exactly over every voxel, so the
    column direction is exact and the row direction is sampled.
    """
    stacked = np.concatenate(polygons)
    j0 = max(int(np.floor(stacked[:, 0].min() + 0.5)), 0)
    j1 = min(int(np.floor(stacked[:, 0].max() + 0.5)) + 1, rows)
    i0 = max(int(np.floor(stacked[:, 1].min() + 0.5)), 0)
    i1 = min(int(np.floor(stacked[:, 1].max() + 0.5)) + 1, cols)
    if j1 <= j0 or i1 <= i0:
        return None
    s = subsamples
    nrows, ncols = (j1 - j0) * s, i1 - i0
    # Edges of all polygons at once: vertex -> next vertex of the same polygon.
    following = np.concatenate([next_vertex(polygon) for polygon in polygons])
    # scan line r sits at Y = r; voxel column c covers X in [c, c + 1)
    ya = (stacked[:, 0] - j0 + 0.5) * s - 0.5
    xa = stacked[:, 1] - i0 + 0.5
    yb = (following[:, 0] - j0 + 0.5) * s - 0.5
    xb = following[:, 1] - i0 + 0.5
    first = np.clip(np.ceil(np.minimum(ya, yb)), 0, nrows).astype(np.int64)
    last = np.clip(np.ceil(np.maximum(ya, yb)), 0, nrows).astype(np.int64)  # half-open
    counts = last - first
    keep = counts > 0
    if not np.any(keep):
        return None
    counts = counts[keep]
    edge = np.repeat(np.nonzero(keep)[0], counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    row = np.repeat(first[keep], counts) + offsets
    t = (row - ya[edge]) / (yb[edge] - ya[edge])
    cross = np.clip(xa[edge] + t * (xb[edge] - xa[edge]), 0.0, float(ncols))
    order = np.lexsort((cross, row))
    row, cross = row[order], cross[order]
    # even-odd: after sorting, crossings pair up (enter, leave) within each scan line
    enter, leave, line = cross[0::2], cross[1::2], row[0::2]
    lo, hi = np.floor(enter).astype(np.int64), np.floor(leave).astype(np.int64)
    width = ncols + 1
    size = nrows * width
    at_lo, at_hi = line * width + lo, line * width + hi
    ones = np.bincount(at_lo, minlength=size) - np.bincount(at_hi, minlength=size)
    part = np.bincount(at_hi, weights=leave - hi, minlength=size) - np.bincount(
        at_lo, weights=enter - lo, minlength=size
    )
    coverage = (
        np.cumsum(ones.reshape(nrows, width), axis=1)[:, :ncols]
        + part.reshape(nrows, width)[:, :ncols]
    )
    fraction = coverage.reshape(j1 - j0, s, ncols).mean(axis=1).astype(np.float32)
    return (j0, j1, i0, i1), fraction


PlaneFraction = tuple[tuple[int, int, int, int], npt.NDArray[np.float32]] | None


def plane_fractions(
    planes: list[tuple[FloatArray, ...]], rows: int, cols: int, subsamples: int
) -> list[PlaneFraction]:
    """:func:`plane_fraction` of every plane, the edge crossings of all planes computed at once.

    The same float operations on the same values as one call per plane, so the fractions are
    bit for bit those of :func:`plane_fraction`; a structure of hundreds of planes needs a few
    array passes instead of a few dozen calls per plane. Falls back to one call per plane if a
    scan line has an odd number of crossings (where pairing would differ).
    """
    if len(planes) < 2:
        return [plane_fraction(polygons, rows, cols, subsamples) for polygons in planes]
    s = subsamples
    per_plane = [np.concatenate(polygons) for polygons in planes]
    sizes = np.array([len(points) for points in per_plane])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    stacked = np.concatenate(per_plane)
    following = np.concatenate([next_vertex(p) for polygons in planes for p in polygons])
    j0 = np.maximum(np.floor(np.minimum.reduceat(stacked[:, 0], starts) + 0.5).astype(np.int64), 0)
    j1 = np.minimum(
        np.floor(np.maximum.reduceat(stacked[:, 0], starts) + 0.5).astype(np.int64) + 1, rows
    )
    i0 = np.maximum(np.floor(np.minimum.reduceat(stacked[:, 1], starts) + 0.5).astype(np.int64), 0)
    i1 = np.minimum(
        np.floor(np.maximum.reduceat(stacked[:, 1], starts) + 0.5).astype(np.int64) + 1, cols
    )
    empty = (j1 <= j0) | (i1 <= i0)
    nrows, ncols = (j1 - j0) * s, i1 - i0
    plane = np.repeat(np.arange(len(planes)), sizes)
    ya = (stacked[:, 0] - j0[plane] + 0.5) * s - 0.5
    xa = stacked[:, 1] - i0[plane] + 0.5
    yb = (following[:, 0] - j0[plane] + 0.5) * s - 0.5
    xb = following[:, 1] - i0[plane] + 0.5
    top = nrows[plane]
    first = np.clip(np.ceil(np.minimum(ya, yb)), 0, top).astype(np.int64)
    last = np.clip(np.ceil(np.maximum(ya, yb)), 0, top).astype(np.int64)  # half-open
    counts = last - first
    keep = (counts > 0) & ~empty[plane]
    counts = counts[keep]
    edge = np.repeat(np.nonzero(keep)[0], counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    row = np.repeat(first[keep], counts) + offsets
    t = (row - ya[edge]) / (yb[edge] - ya[edge])
    edge_plane = plane[edge]
    cross = np.clip(xa[edge] + t * (xb[edge] - xa[edge]), 0.0, ncols[edge_plane].astype(np.float64))
    order = np.lexsort((cross, row, edge_plane))
    row, cross, edge_plane = row[order], cross[order], edge_plane[order]
    width = ncols + 1
    line = row * width[edge_plane]  # scan-line start within the plane's array
    changes = np.flatnonzero(np.diff(edge_plane * (int(line.max(initial=0)) + 1) + line)) + 1
    if np.any(np.diff(np.concatenate([[0], changes, [line.size]])) % 2):
        return [plane_fraction(polygons, rows, cols, subsamples) for polygons in planes]
    enter, leave, line, pair_plane = cross[0::2], cross[1::2], line[0::2], edge_plane[0::2]
    lo, hi = np.floor(enter).astype(np.int64), np.floor(leave).astype(np.int64)
    at_lo, at_hi = line + lo, line + hi
    from_lo, from_hi = enter - lo, leave - hi
    bounds = np.searchsorted(pair_plane, np.arange(len(planes) + 1))
    results: list[PlaneFraction] = []
    # per plane: the bin arrays of one plane stay in cache (all planes at once would not)
    for n in range(len(planes)):
        a, b = int(bounds[n]), int(bounds[n + 1])
        if empty[n] or a == b:
            results.append(None)
            continue
        r, c, w = int(nrows[n]), int(ncols[n]), int(width[n])
        size = r * w
        ones = np.bincount(at_lo[a:b], minlength=size) - np.bincount(at_hi[a:b], minlength=size)
        part = np.bincount(at_hi[a:b], weights=from_hi[a:b], minlength=size) - np.bincount(
            at_lo[a:b], weights=from_lo[a:b], minlength=size
        )
        coverage = np.cumsum(ones.reshape(r, w), axis=1)[:, :c] + part.reshape(r, w)[:, :c]
        fraction = coverage.reshape(r // s, s, c).mean(axis=1).astype(np.float32)
        results.append(((int(j0[n]), int(j1[n]), int(i0[n]), int(i1[n])), fraction))
    return results
