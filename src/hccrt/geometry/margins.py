"""Exact-in-mm margins on voxel masks: isotropic or per direction (R, L, A, P, S, I).

Construction
------------
An expansion is the Minkowski sum of the structure with a structuring element ``E``. For
per-direction margins, ``E`` is the union of eight ellipsoid octants, the octant towards
(Left or Right, Posterior or Anterior, Superior or Inferior) having the margins of those three
directions as semi-axes. Equivalently ``E = {v : sum_a c_a(v_a) <= 1}`` with the one-sided
quadratic cost ``c_a(t) = (t / m_a+)^2`` for ``t >= 0`` and ``(t / m_a-)^2`` for ``t < 0``.
Because that cost is a sum of per-axis terms, the lattice minimum
``D(x) = min_{y in X} sum_a c_a(x_a - y_a)`` separates into three 1-D passes (one per grid axis,
each a windowed minimum over the voxels within the margin). A voxel centre belongs to the
expanded structure when ``D <= 1``. This is exact on the voxel lattice for any voxel spacing: no
voxel-cube kernel, no rounding of the margin to whole voxels. Isotropic margins use the same
construction (a ball). Contraction is the dual: ``X (-) E = complement(complement(X) (+) -E)``,
with everything outside the grid counting as outside the structure.

Directions follow DICOM LPS: +x = patient Left, +y = Posterior, +z = Superior. Per-direction
margins need a grid whose axes run along the patient axes (any order and sign, e.g. HFS, FFS,
prone); isotropic margins work on any grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from hccrt.errors import InputError
from hccrt.geometry.grid import Grid

BoolMask = npt.NDArray[np.bool_]

DIRECTIONS = ("R", "L", "A", "P", "S", "I")
MAX_MARGIN_MM = 100.0


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
        for name, value in zip(DIRECTIONS, self.as_tuple(), strict=True):
            if not np.isfinite(value) or not 0.0 <= value <= MAX_MARGIN_MM:
                raise InputError(
                    f"margin {name}",
                    f"must be 0-{MAX_MARGIN_MM:g} mm (use contraction for shrinking)",
                    value,
                    "give margins in mm, e.g. 5 or 5,5,5,5,10,10",
                )

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


_INF = np.float32(np.inf)


def _shift_slices(axis: int, t: int, length: int) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """Index pairs (target, source) with target = source + t along ``axis``."""
    target = [slice(None)] * 3
    source = [slice(None)] * 3
    if t >= 0:
        target[axis], source[axis] = slice(t, None), slice(None, length - t)
    else:
        target[axis], source[axis] = slice(None, length + t), slice(-t, None)
    return tuple(target), tuple(source)


def _lattice_pass(
    distance: npt.NDArray[np.float32], axis: int, step_mm: float, up_mm: float, down_mm: float
) -> npt.NDArray[np.float32]:
    """``out(x) = min_t distance(x - t) + c(t h)`` along ``axis`` (one separable pass)."""
    out = distance.copy()
    length = distance.shape[axis]
    for sign, margin in ((1, up_mm), (-1, down_mm)):
        if margin <= 0.0:
            continue
        reach = min(int(np.floor(margin / step_mm + 1e-9)), length - 1)
        for t in range(1, reach + 1):
            target, source = _shift_slices(axis, sign * t, length)
            view = out[target]
            cost = np.float32((t * step_mm / margin) ** 2)
            np.minimum(view, distance[source] + cost, out=view)
    return out


def _seed_pass(
    offsets_mm: npt.NDArray[np.float32],
    axis: int,
    step_mm: float,
    up_mm: float,
    down_mm: float,
    toward: int,
    away: int,
    out: npt.NDArray[np.float32],
) -> None:
    """Spread costs from sub-voxel surface points at ``y + offset`` to centres ``y + t h``.

    ``toward`` is +1 or -1: the side of the seed voxel the costs are spread to; ``away`` is -1 when
    the surface point lies on that side of the seed voxel (dilation), +1 when it lies on the
    other side (erosion). Works on the sparse seed voxels only and lowers ``out`` in place.
    """
    seeds = np.nonzero(np.isfinite(offsets_mm))
    if seeds[0].size == 0:
        return
    offsets = offsets_mm[seeds]
    length = offsets_mm.shape[axis]
    margin_to = up_mm if toward > 0 else down_mm
    margin_back = down_mm if toward > 0 else up_mm
    reach = min(int(np.floor(max(up_mm, down_mm) / step_mm)) + 1, length - 1)
    flat = out.reshape(-1)
    for t in range(reach + 1):
        position = seeds[axis] + toward * t
        valid = (position >= 0) & (position < length)
        # signed distance along ``toward`` from the surface point to the voxel centre
        gap = np.float32(t * step_mm) + np.float32(away) * offsets
        cost = np.full(gap.shape, _INF, dtype=np.float32)
        if margin_to > 0:
            ahead = gap >= 0
            cost[ahead] = (gap[ahead] / np.float32(margin_to)) ** 2
        else:
            cost[gap == 0] = 0.0
        if margin_back > 0:
            behind = gap < 0
            cost[behind] = (gap[behind] / np.float32(margin_back)) ** 2
        keep = valid & (cost <= 1.0 + 1e-6)
        if not np.any(keep):
            continue
        index = [seeds[0][keep], seeds[1][keep], seeds[2][keep]]
        index[axis] = position[keep]
        np.minimum.at(flat, np.ravel_multi_index(tuple(index), out.shape), cost[keep])


def _crossings(
    occupancy: npt.NDArray[np.float32], axis: int, step_mm: float
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Sub-voxel surface offsets (mm) from inside voxels towards + and - along ``axis``.

    The surface position follows from the partial volumes of the two voxels on either side of it
    (exact for a face perpendicular to the axis; beyond the array the occupancy is 0). ``inf``
    where there is no crossing.
    """
    padded = np.pad(occupancy, [(1, 1) if a == axis else (0, 0) for a in range(3)])
    n = occupancy.shape[axis]
    centre = occupancy
    result = []
    for shift in (1, -1):
        neighbour = np.take(padded, np.arange(1 + shift, n + 1 + shift), axis=axis)
        edge = (centre >= 0.5) & (neighbour < 0.5)
        # partial-volume position of a face crossing the line: inside voxel y (f_y >= 0.5) and
        # outside neighbour (f_n < 0.5) put the surface f_y + f_n - 0.5 voxels beyond y's centre
        fraction = centre + neighbour - np.float32(0.5)
        offsets = np.where(edge, np.clip(fraction, 0.0, 1.0) * np.float32(step_mm), _INF)
        result.append(offsets.astype(np.float32))
    return result[0], result[1]


def _shape_based_slice_crossings(
    occupancy: npt.NDArray[np.float32],
    spacing: tuple[float, float, float],
    plus: npt.NDArray[np.float32],
    minus: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Place the surface between two non-empty slices by interpolating in-plane signed distances.

    Between two contoured slices the structure's outline is interpolated linearly (shape-based
    interpolation), which removes the staircase of the slab model from the margin; towards an
    empty slice the half-slice end cap (occupancy crossing) is kept.
    """
    inside = occupancy >= 0.5
    huge = 1e6 * max(spacing)
    sampling = (huge, spacing[1], spacing[2])  # a huge slice step makes the transform 2-D
    outside_distance = ndimage.distance_transform_edt(~inside, sampling=sampling)
    inside_distance = ndimage.distance_transform_edt(inside, sampling=sampling)
    half = 0.5 * min(spacing[1], spacing[2])
    signed = np.where(inside, half - inside_distance, outside_distance - half).astype(np.float32)
    filled = inside.any(axis=(1, 2))
    result = []
    for offsets, shift in ((plus, 1), (minus, -1)):
        neighbour = np.roll(signed, -shift, axis=0)
        neighbour_filled = np.roll(filled, -shift)
        if shift > 0:
            neighbour_filled[-1] = False
        else:
            neighbour_filled[0] = False
        usable = np.isfinite(offsets) & neighbour_filled[:, None, None] & (neighbour < huge / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = -signed / (neighbour - signed)
        shaped = np.clip(ratio, 0.0, 1.0) * np.float32(spacing[0])
        result.append(np.where(usable, shaped, offsets).astype(np.float32))
    return result[0], result[1]


def _surface_distance(
    occupancy: npt.NDArray[np.float32],
    grid_spacing: tuple[float, float, float],
    per_axis: list[tuple[float, float]],
    outward: bool,
    interpolate_slices: bool,
) -> npt.NDArray[np.float32]:
    """Squared gauge distance from each voxel centre to the sub-voxel surface samples.

    Surface samples found along axis ``a`` enter with their sub-voxel offset in a sparse pass
    along ``a``, then spread over the lattice along the two other axes:
    ``D = T1 T2 P0 + T0 T2 P1 + T0 T1 P2``, evaluated as ``T2 (T1 P0 + T0 P1) + T0 T1 P2``
    (min-plus passes along different axes commute). ``outward`` spreads costs from the surface
    to the outside (dilation), otherwise to the inside (erosion, where ``per_axis`` already
    holds the reflected element).
    """
    seeded = []
    for axis in range(3):
        up, down = per_axis[axis]
        plus, minus = _crossings(occupancy, axis, grid_spacing[axis])
        if axis == 0 and interpolate_slices and occupancy.shape[0] > 1:
            plus, minus = _shape_based_slice_crossings(occupancy, grid_spacing, plus, minus)
        first = np.full(occupancy.shape, _INF, dtype=np.float32)
        away = -1 if outward else 1
        _seed_pass(plus, axis, grid_spacing[axis], up, down, 1 if outward else -1, away, first)
        _seed_pass(minus, axis, grid_spacing[axis], up, down, -1 if outward else 1, away, first)
        seeded.append(first)

    def lattice(values: npt.NDArray[np.float32], axis: int) -> npt.NDArray[np.float32]:
        up, down = per_axis[axis]
        return _lattice_pass(values, axis, grid_spacing[axis], up, down)

    pair = np.minimum(lattice(seeded[0], 1), lattice(seeded[1], 0))
    total = lattice(pair, 2)
    np.minimum(total, lattice(lattice(seeded[2], 0), 1), out=total)
    return total


def _pads(grid: Grid, margins: Margins) -> tuple[list[tuple[float, float]], list[int]]:
    per_axis = _axis_margins(grid, margins)
    pads = [
        int(np.floor(max(up, down) / step + 1e-9)) + 2
        for (up, down), step in zip(per_axis, grid.spacing_mm, strict=True)
    ]
    return per_axis, pads


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
) -> BoolMask:
    inside = occupancy >= 0.5
    if margins.is_zero or not inside.any():
        return inside
    element = margins if dilate else margins.reflected()
    per_axis, pads = _pads(grid, element)
    box, extra = _crop_box(inside, pads)
    local = np.pad(occupancy[box], extra) if not dilate else occupancy[box]
    distance = _surface_distance(
        local, grid.spacing_mm, per_axis, outward=dilate, interpolate_slices=interpolate_slices
    )
    if dilate:
        grown = inside[box] | (distance <= 1.0 + 1e-6)
        result = np.zeros_like(inside)
        result[box] = grown
        return result
    kept = (local >= 0.5) & (distance > 1.0 + 1e-6)
    core = tuple(slice(a, kept.shape[i] - b) for i, (a, b) in enumerate(extra))
    result = np.zeros_like(inside)
    result[box] = kept[core]
    return result


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
    element = margins if isinstance(margins, Margins) else Margins.isotropic(margins)
    occupancy = _as_occupancy(mask, grid)
    return _morphology(occupancy, grid, element, True, interpolate_slices)


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
    element = margins if isinstance(margins, Margins) else Margins.isotropic(margins)
    occupancy = _as_occupancy(mask, grid)
    return _morphology(occupancy, grid, element, False, interpolate_slices)


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
