"""Exact-in-mm margins on voxel masks: isotropic or per direction (R, L, A, P, S, I).

Construction
------------
An expansion is the Minkowski sum of the structure with a structuring element ``E``. For
per-direction margins, ``E`` is the union of eight ellipsoid octants, the octant towards
(Left or Right, Posterior or Anterior, Superior or Inferior) having the margins of those three
directions as semi-axes. Equivalently ``E = {v : sum_a c_a(v_a) <= 1}`` with the one-sided
quadratic cost ``c_a(t) = (t / m_a+)^2`` for ``t >= 0`` and ``(t / m_a-)^2`` for ``t < 0``.
Because that cost is a sum of per-axis terms, the squared gauge distance
``D(x) = min_{p on the surface} sum_a c_a(x_a - p_a)`` separates into 1-D passes along the grid
axes (:mod:`hccrt.geometry.surface_distance`). The surface points are placed with sub-voxel
accuracy: along each grid axis, between an inside and an outside voxel, from their partial
volumes; between two contoured slices, by interpolating the in-plane signed distance
(shape-based interpolation). A voxel centre belongs to the expanded structure when ``D <= 1``.
This is exact in mm for any voxel spacing: no voxel-cube kernel, no rounding of the margin to
whole voxels. Isotropic margins use the same construction (a ball). Contraction is the dual
(``X (-) E = complement(complement(X) (+) -E)``), with everything outside the grid counting as
outside the structure.

Directions follow DICOM LPS: +x = patient Left, +y = Posterior, +z = Superior. Per-direction
margins need a grid whose axes run along the patient axes (any order and sign, e.g. HFS, FFS,
prone); isotropic margins work on any grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid
from hccrt.geometry.surface_distance import surface_distance

BoolMask = npt.NDArray[np.bool_]

DIRECTIONS = ("R", "L", "A", "P", "S", "I")
MAX_MARGIN_MM = 100.0
MAX_GAUGE_SCALE = 3.0
"""The gauge is computed out to this multiple of the margin (for the sub-voxel ramp only)."""
MARGIN_RESOLUTION_MM = 1e-3
"""Margins below 1 micrometre count as 0 mm."""
_ON_SURFACE = np.float32(1.0 + 1e-6)
"""Gauge of the result's surface; the tolerance keeps voxel centres exactly at the margin in."""


@dataclass(frozen=True)
class Margins:
    """Margins in mm towards the patient's Right, Left, Anterior, Posterior, Superior, Inferior."""

    right_mm: float
    left_mm: float
    anterior_mm: float
    posterior_mm: float
    superior_mm: float
    inferior_mm: float

    def __post_init__(self) -> None:
        fields = (
            "right_mm",
            "left_mm",
            "anterior_mm",
            "posterior_mm",
            "superior_mm",
            "inferior_mm",
        )
        for name, field, value in zip(DIRECTIONS, fields, self.as_tuple(), strict=True):
            if not np.isfinite(value) or not 0.0 <= value <= MAX_MARGIN_MM:
                raise InputError(
                    f"margin {name}",
                    f"must be 0-{MAX_MARGIN_MM:g} mm (use contraction for shrinking)",
                    value,
                    "give margins in mm, e.g. 5 or 5,5,5,5,10,10",
                )
            # margins are resolved to MARGIN_RESOLUTION_MM: anything smaller is no margin
            object.__setattr__(self, field, float(value) if value >= MARGIN_RESOLUTION_MM else 0.0)

    @classmethod
    def isotropic(cls, margin_mm: float) -> Margins:
        """The same margin in all six directions."""
        return cls(*([float(margin_mm)] * 6))

    @classmethod
    def parse(cls, text: str) -> Margins:
        """Parse ``"M"`` or ``"R,L,A,P,S,I"`` (mm)."""
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError as error:
            raise InputError(
                "margins_mm", "must be numbers in mm", text, "write e.g. 5 or 5,5,7,7,10,10"
            ) from error
        if len(values) == 1:
            return cls.isotropic(values[0])
        if len(values) != 6:
            raise InputError(
                "margins_mm",
                "needs 1 value or 6 values in the order R,L,A,P,S,I",
                text,
                "write e.g. 5,5,7,7,10,10",
            )
        return cls(*values)

    def as_tuple(self) -> tuple[float, float, float, float, float, float]:
        """``(R, L, A, P, S, I)`` in mm."""
        return (
            self.right_mm,
            self.left_mm,
            self.anterior_mm,
            self.posterior_mm,
            self.superior_mm,
            self.inferior_mm,
        )

    @property
    def is_isotropic(self) -> bool:
        """True when all six margins are equal."""
        return len(set(self.as_tuple())) == 1

    @property
    def is_zero(self) -> bool:
        """True when every margin is 0 mm."""
        return max(self.as_tuple()) == 0.0

    def reflected(self) -> Margins:
        """The point-reflected element (R<->L, A<->P, S<->I), used for contraction."""
        return Margins(
            self.left_mm,
            self.right_mm,
            self.posterior_mm,
            self.anterior_mm,
            self.inferior_mm,
            self.superior_mm,
        )

    def towards(self, patient_axis: int, positive: bool) -> float:
        """Margin along LPS axis 0/1/2 (x/y/z) towards + (L/P/S) or - (R/A/I)."""
        plus = (self.left_mm, self.posterior_mm, self.superior_mm)
        minus = (self.right_mm, self.anterior_mm, self.inferior_mm)
        return (plus if positive else minus)[patient_axis]


def _axis_margins(grid: Grid, margins: Margins) -> list[tuple[float, float]]:
    """For each grid axis, the margins (mm) towards increasing and decreasing index."""
    directions = grid.directions
    result = []
    for axis in range(3):
        direction = directions[axis]
        patient_axis = int(np.argmax(np.abs(direction)))
        aligned = abs(abs(direction[patient_axis]) - 1.0) < 1e-6
        if not aligned:
            if margins.is_isotropic:
                value = margins.right_mm
                result.append((value, value))
                continue
            raise InputError(
                "margins",
                "per-direction margins need a grid aligned with the patient axes",
                np.round(directions, 3).tolist(),
                "use an isotropic margin or resample onto an axial grid",
            )
        increasing_is_plus = direction[patient_axis] > 0
        result.append(
            (
                margins.towards(patient_axis, increasing_is_plus),
                margins.towards(patient_axis, not increasing_is_plus),
            )
        )
    return result


def _crop_box(inside: BoolMask, pads: list[int]) -> tuple[tuple[slice, ...], list[tuple[int, int]]]:
    """Bounding box of ``inside`` grown by ``pads``, and the zero-padding needed past the grid."""
    where = [
        np.nonzero(inside.any(axis=tuple(a for a in range(3) if a != axis)))[0] for axis in range(3)
    ]
    box = []
    extra = []
    for idx, pad, n in zip(where, pads, inside.shape, strict=True):
        low, high = int(idx.min()) - pad, int(idx.max()) + pad + 1
        box.append(slice(max(low, 0), min(high, n)))
        extra.append((max(-low, 0), max(high - n, 0)))
    return tuple(box), extra


def _morphology(
    occupancy: npt.NDArray[np.float32],
    grid: Grid,
    margins: Margins,
    dilate: bool,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Fractional result: 1 inside, 0 outside, a linear ramp in the gauge across the surface.

    The gauge ``g`` (1 on the result's surface) is computed with an element enlarged by
    ``scale`` so that the voxels up to one voxel beyond the surface get their value; the ramp
    ``0.5 + (1 - g) k`` (expansion) or ``0.5 + (g - 1) k`` (contraction) is >= 0.5 exactly where
    the voxel centre is in the result, and lets marching squares place the surface between voxel
    centres.
    """
    inside = occupancy >= 0.5
    if margins.is_zero or not inside.any():
        return inside.astype(np.float32)
    element = margins if dilate else margins.reflected()
    positive = [m for m in element.as_tuple() if m > 0]
    # contours are drawn in-plane: the ramp spans about one in-plane voxel for a typical margin
    spacing = max(grid.spacing_mm[1], grid.spacing_mm[2])
    typical = float(np.median(positive))
    scale = min(1.0 + 1.05 * spacing / typical, MAX_GAUGE_SCALE)
    slope = np.float32(0.5 * typical / spacing)
    per_axis = [(up * scale, down * scale) for up, down in _axis_margins(grid, element)]
    pads = _pad_list(grid, per_axis)
    box, extra = _crop_box(inside, pads)
    local = np.pad(occupancy[box], extra) if not dilate else occupancy[box]
    distance = surface_distance(
        local, grid.spacing_mm, per_axis, outward=dilate, interpolate_slices=interpolate_slices
    )
    gauge = np.float32(scale) * np.sqrt(distance)
    result = np.zeros(inside.shape, dtype=np.float32)
    if dilate:
        ramp = np.clip(np.float32(0.5) + (_ON_SURFACE - gauge) * slope, 0.0, 1.0)
        ramp[inside[box]] = 1.0
        result[box] = _snap_off_plane(ramp)
        return result
    with np.errstate(invalid="ignore"):
        ramp = np.clip(np.float32(0.5) + (gauge - _ON_SURFACE) * slope, 0.0, 1.0)
    ramp[local < 0.5] = 0.0
    core = tuple(slice(a, ramp.shape[i] - b) for i, (a, b) in enumerate(extra))
    result[box] = _snap_off_plane(ramp[core])
    return result


def _snap_off_plane(ramp: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Keep ramp values only next to an in-plane neighbour across 0.5; snap the others to 0/1.

    Contours are drawn per slice, so only in-plane neighbours place the surface; a ramp value
    with no in-plane neighbour on the other side of 0.5 (the surface lies between two slices)
    is snapped so that the occupancy sums to the volume of the contours.
    """
    above = ramp >= 0.5
    padded = np.pad(above, ((0, 0), (1, 1), (1, 1)), mode="edge")
    neighbours = [
        padded[:, :-2, 1:-1],
        padded[:, 2:, 1:-1],
        padded[:, 1:-1, :-2],
        padded[:, 1:-1, 2:],
    ]
    mixed = np.zeros_like(above)
    for neighbour in neighbours:
        mixed |= neighbour != above
    return np.where(mixed, ramp, above.astype(np.float32))


def _pad_list(grid: Grid, per_axis: list[tuple[float, float]]) -> list[int]:
    return [
        int(np.floor(max(up, down) / step + 1e-9)) + 2
        for (up, down), step in zip(per_axis, grid.spacing_mm, strict=True)
    ]


def _as_occupancy(mask: npt.ArrayLike, grid: Grid) -> npt.NDArray[np.float32]:
    array = np.asarray(mask)
    if array.shape != grid.shape:
        raise InputError("mask", f"shape must equal the grid shape {grid.shape}", array.shape, "")
    return np.asarray(array, dtype=np.float32)


def expand_mask(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> BoolMask:
    """Expand a structure by isotropic or per-direction margins (mm).

    Parameters
    ----------
    mask
        Fractional occupancy in [0, 1] (e.g. from
        :func:`~hccrt.geometry.rasterize.structure_occupancy`) or a boolean mask, shaped like
        ``grid``. Voxels >= 0.5 are inside; the surface is placed where the occupancy,
        interpolated linearly between neighbouring voxel centres, crosses 0.5 (sub-voxel).
    grid
        Geometry of the mask (voxel spacing and axis directions are used).
    margins
        A :class:`Margins` or an isotropic margin in mm.
    interpolate_slices
        Place the surface between two contoured slices by shape-based interpolation (default);
        ``False`` keeps the slab (staircase) model of the contours, surface half-way between
        slices.

    Returns
    -------
    numpy.ndarray
        Boolean mask: voxel centres within the Minkowski sum of the structure and the element.
    """
    return expand_occupancy(mask, grid, margins, interpolate_slices=interpolate_slices) >= 0.5


def contract_mask(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> BoolMask:
    """Contract (erode) a structure by isotropic or per-direction margins (mm).

    A voxel centre stays when the element placed on it lies entirely inside the structure
    (``right_mm`` shrinks the structure from its right side, and so on). Everything outside the
    grid counts as outside the structure.
    """
    return contract_occupancy(mask, grid, margins, interpolate_slices=interpolate_slices) >= 0.5


def expand_occupancy(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Like :func:`expand_mask`, as a float32 map whose 0.5 level is the expanded surface.

    Voxels inside are 1, voxels far outside 0; across the surface the value ramps linearly in
    the element's gauge, so contours extracted at 0.5 fall between voxel centres where the exact
    surface is (sub-voxel), and ``>= 0.5`` gives exactly :func:`expand_mask`.
    """
    element = margins if isinstance(margins, Margins) else Margins.isotropic(margins)
    return _morphology(_as_occupancy(mask, grid), grid, element, True, interpolate_slices)


def contract_occupancy(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    interpolate_slices: bool = True,
) -> npt.NDArray[np.float32]:
    """Like :func:`contract_mask`, as a float32 map whose 0.5 level is the contracted surface."""
    element = margins if isinstance(margins, Margins) else Margins.isotropic(margins)
    return _morphology(_as_occupancy(mask, grid), grid, element, False, interpolate_slices)


def _check(mask: npt.ArrayLike, grid: Grid) -> BoolMask:
    return _as_occupancy(mask, grid) >= 0.5


def apply_margin(
    mask: npt.ArrayLike,
    grid: Grid,
    margins: Margins | float,
    *,
    contract: bool = False,
    within: npt.ArrayLike | None = None,
    subtract: npt.ArrayLike | None = None,
) -> BoolMask:
    """Expand (or contract) a mask, then keep it inside ``within`` and remove ``subtract``.

    Typical use: CTV = expand(GTV, 5 mm) within Liver; ring structures; PTV minus OAR.
    """
    result = contract_mask(mask, grid, margins) if contract else expand_mask(mask, grid, margins)
    if within is not None:
        result &= _check(within, grid)
    if subtract is not None:
        result &= ~_check(subtract, grid)
    return result
