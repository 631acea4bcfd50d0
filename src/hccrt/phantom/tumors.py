"""Tumour placement in the phantom liver: Couinaud segments, exact size, strictly inside.

Each tumour is a sphere of the requested diameter. Segments are tried in a seed-dependent order
(right-lobe segments first more often, as HCC is commoner there); inside a segment the centre
starts at the segment's anchor point and moves over an 8 mm search lattice until the sphere lies
at least ``MARGIN_MM`` inside the liver (failing that, inside the space the liver may grow
into), its centre in that segment, ``GAP_MM`` from the other tumours and clear of the
portal-vein tumour thrombus. The segment is classified from the final
centre with simplified Couinaud planes (the middle hepatic vein plane at x = -38 mm, the
umbilical fissure at x = 5 mm, the right portal plane at z = -65 mm and the right hepatic vein
plane at y = 5 mm), so the recorded segment is the one the tumour is in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import distance_transform_edt

from hccrt.errors import InputError
from hccrt.phantom.shapes import Capsule, HalfSpace, Shape, Sphere

FloatArray = npt.NDArray[np.float64]

MARGIN_MM = 2.0
"""Least distance between a tumour surface and the liver surface."""

GAP_MM = 5.0
"""Least distance between two tumours (a tumour may touch, not overlap, the thrombus)."""

SEGMENT_ANCHORS_MM: dict[int, tuple[float, float, float]] = {
    8: (-75.0, -15.0, -30.0),
    7: (-100.0, 40.0, -35.0),
    6: (-105.0, 30.0, -95.0),
    5: (-70.0, -35.0, -95.0),
    4: (-18.0, -45.0, -55.0),
    2: (22.0, -35.0, -38.0),
    3: (35.0, -50.0, -55.0),
}
"""Starting centre per Couinaud segment (LPS mm)."""

_STEPS = range(-48, 49, 8)
_EVERYWHERE = HalfSpace(2, float("inf"))
_SEGMENT_WEIGHTS = {8: 3.0, 7: 2.5, 6: 2.5, 5: 2.5, 4: 1.5, 2: 1.0, 3: 1.0}

PORTAL_VEIN_THROMBUS = Capsule((-33.0, 0.0, -87.5), (-66.0, 4.0, -81.0), 6.5)
"""Tumour thrombus filling the right portal vein from the hilar bifurcation (LPS mm)."""


@dataclass(frozen=True)
class PlacedTumor:
    """A spherical tumour placed in the liver.

    Attributes
    ----------
    name
        ROI name (``GTV``, ``GTV_2``, ...).
    center_mm
        Centre, LPS mm.
    diameter_mm
        Diameter in mm.
    segment
        Couinaud segment (1-8) containing the centre.
    """

    name: str
    center_mm: tuple[float, float, float]
    diameter_mm: float
    segment: int

    @property
    def shape(self) -> Sphere:
        """The tumour solid."""
        return Sphere(self.center_mm, self.diameter_mm / 2.0)


def couinaud_segments(points_mm: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Couinaud segment of each ``(N, 3)`` point of the phantom liver (simplified planes)."""
    pts = np.atleast_2d(np.asarray(points_mm, dtype=np.float64))
    x, y, z = pts[:, 0], pts[:, 1], pts[:, 2]
    right = np.where(y < 5.0, np.where(z > -65.0, 8, 5), np.where(z > -65.0, 7, 6))
    medial = np.where(y > 15.0, 1, 4)
    left = np.where(z > -45.0, 2, 3)
    result: npt.NDArray[np.int64] = np.where(
        x >= 5.0, left, np.where(x >= -38.0, medial, right)
    ).astype(np.int64)
    return result


def couinaud_segment(center_mm: Sequence[float]) -> int:
    """Couinaud segment of one point of the phantom liver (simplified planes, module docstring)."""
    return int(couinaud_segments([center_mm])[0])


def sphere_points(center: FloatArray, radius_mm: float, count: int = 400) -> FloatArray:
    """Fibonacci lattice on a sphere (near-uniform test points)."""
    index = np.arange(count) + 0.5
    polar = np.arccos(1.0 - 2.0 * index / count)
    azimuth = np.pi * (1.0 + 5.0**0.5) * index
    unit = np.column_stack(
        [np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)]
    )
    result: FloatArray = center + radius_mm * unit
    return result


def fits(
    space: Shape, center: FloatArray, radius_mm: float, avoid: Sequence[tuple[Shape, float]]
) -> bool:
    """True when the sphere lies ``MARGIN_MM`` inside ``space`` and clear of ``avoid``.

    ``avoid`` holds ``(solid, gap_mm)`` pairs: the sphere must stay ``gap_mm`` from the solid.
    """
    for count in (48, 400):  # a coarse shell rejects most candidates quickly
        if not np.all(space.contains(sphere_points(center, radius_mm + MARGIN_MM, count))):
            return False
    for other, gap_mm in avoid:
        if other.field(*(np.array([v]) for v in center))[0] < radius_mm + gap_mm:
            return False
    return True


class _DepthMap:
    """Distance from each point of a coarse lattice to the outside of a solid (fast pruning)."""

    STEP_MM = 4.0
    ERROR_MM = 2.0 * STEP_MM
    """Upper bound of the lattice error (nearest node plus boundary discretisation)."""

    def __init__(self, solid: Shape, box: FloatArray, pad_mm: float = 60.0) -> None:
        self.origin = box[0] - pad_mm
        axes = [np.arange(box[0, a] - pad_mm, box[1, a] + pad_mm, self.STEP_MM) for a in range(3)]
        gx, gy, gz = np.meshgrid(*axes, indexing="ij")
        inside = solid.inside(gx.ravel(), gy.ravel(), gz.ravel()).reshape(gx.shape)
        self.depth_mm = distance_transform_edt(inside, sampling=self.STEP_MM)

    def at(self, points: FloatArray) -> FloatArray:
        """Depth (mm) at the lattice node nearest to each ``(N, 3)`` point (0 outside)."""
        index = np.rint((points - self.origin) / self.STEP_MM).astype(int)
        valid = np.all((index >= 0) & (index < np.asarray(self.depth_mm.shape)), axis=1)
        result = np.zeros(len(points))
        result[valid] = self.depth_mm[tuple(index[valid].T)]
        return result


def _place_in(
    space: Shape,
    liver: Shape,
    order: Sequence[int],
    count: int,
    diameter_mm: float,
    avoid: Sequence[Shape],
    slice_z_mm: Sequence[float] | npt.NDArray[np.float64] | None,
) -> list[PlacedTumor]:
    radius = diameter_mm / 2.0
    offsets = np.array(
        [(dx, dy, dz) for dx in _STEPS for dy in _STEPS for dz in _STEPS], dtype=np.float64
    )
    offsets = offsets[np.argsort(np.linalg.norm(offsets, axis=1), kind="stable")]
    depth = _DepthMap(space, liver.bounds())
    placed: list[PlacedTumor] = []
    blockers = [(solid, 0.0) for solid in avoid]
    room: dict[tuple[int, int], bool] = {}
    for _ in range(2):  # a second pass allows two tumours in one segment
        for segment in order:
            if len(placed) == count:
                break
            centers = np.asarray(SEGMENT_ANCHORS_MM[segment]) + offsets
            if slice_z_mm is not None:
                planes = np.asarray(slice_z_mm, dtype=np.float64)
                nearest = np.argmin(np.abs(planes[np.newaxis] - centers[:, 2:3]), axis=1)
                centers[:, 2] = planes[nearest]
            candidates = centers[
                (couinaud_segments(centers) == segment)
                & (depth.at(centers) >= radius + MARGIN_MM - _DepthMap.ERROR_MM)
                & liver.contains(centers)
            ]
            for index, center in enumerate(candidates):
                key = (segment, index)
                if key not in room:  # the space test does not depend on other tumours
                    room[key] = fits(space, center, radius, [])
                if not room[key] or not fits(_EVERYWHERE, center, radius, blockers):
                    continue
                name = "GTV" if not placed else f"GTV_{len(placed) + 1}"
                tumor = PlacedTumor(name, (center[0], center[1], center[2]), diameter_mm, segment)
                placed.append(tumor)
                blockers.append((tumor.shape, GAP_MM))
                break
    return placed


def place_tumors(
    liver: Shape,
    envelope: Shape,
    count: int,
    diameter_mm: float,
    rng: np.random.Generator,
    avoid: Sequence[Shape] = (),
    slice_z_mm: Sequence[float] | npt.NDArray[np.float64] | None = None,
    first_segment: int | None = None,
) -> tuple[PlacedTumor, ...]:
    """Place ``count`` spheres of ``diameter_mm`` with their centres in the liver.

    Each sphere must lie inside ``envelope`` (the space the liver may occupy); where it reaches
    beyond ``liver`` the caller grows the liver around it (see
    :func:`hccrt.phantom.anatomy.build_anatomy`). Candidates nearest the segment anchor come
    first, so small tumours lie deep in the parenchyma.

    With ``slice_z_mm``, centres are moved onto the nearest slice plane so that the largest
    contour of each tumour shows its full diameter. With ``first_segment`` the first tumour
    (``GTV``) is placed in that Couinaud segment (e.g. 8: dome, 2/3: left lobe, 4 and 3 near the
    stomach, 5/6 near the duodenum and colon).

    Raises
    ------
    InputError
        When the tumours cannot all fit (too many or too large for the phantom liver), or the
        first cannot be placed in ``first_segment``.
    """
    segments = list(SEGMENT_ANCHORS_MM)
    weights = np.array([_SEGMENT_WEIGHTS[s] for s in segments])
    order = [
        int(s)
        for s in rng.choice(segments, len(segments), replace=False, p=weights / weights.sum())
    ]
    if first_segment is not None:
        if first_segment not in SEGMENT_ANCHORS_MM:
            raise InputError(
                "--tumor-segment",
                "must be a Couinaud segment of the phantom liver",
                first_segment,
                f"use one of {sorted(SEGMENT_ANCHORS_MM)} (the caudate, 1, is not modelled)",
            )
        order = [first_segment, *(s for s in order if s != first_segment)]
    placed: list[PlacedTumor] = []
    for space in (liver, envelope):  # wholly intrahepatic first, exophytic growth second
        placed = _place_in(space, liver, order, count, diameter_mm, avoid, slice_z_mm)
        if len(placed) == count:
            break
    if first_segment is not None and placed and placed[0].segment != first_segment:
        raise InputError(
            "--tumor-segment",
            f"a {diameter_mm / 10:g} cm tumour does not fit in this segment of the phantom liver",
            first_segment,
            "choose a smaller tumour or another segment",
        )
    if len(placed) < count:
        raise InputError(
            "tumor_count/tumor_diameter_cm",
            f"only {len(placed)} tumour(s) of {diameter_mm / 10:g} cm fit in the phantom liver "
            f"({MARGIN_MM:g} mm inside it, {GAP_MM:g} mm apart)",
            f"{count} x {diameter_mm / 10:g} cm",
            "ask for fewer or smaller tumours",
        )
    return tuple(placed)
