"""Multileaf collimator: leaf geometry, conformal apertures and beamlet open fractions.

The default MLC is a 120-leaf design: 60 leaf pairs, 40 central pairs of 5 mm and 10 pairs of
10 mm on each side (40 cm x 40 cm at the isocentre plane), leaves travelling along the
beam-limiting-device X axis (``u``). Beamlets are 5 mm squares aligned with the leaf
boundaries, so every central leaf pair opens exactly one row of beamlets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.ndimage import binary_closing, binary_dilation

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class MlcModel:
    """Leaf-pair boundaries along ``v`` (mm, isocentre plane), the leaf travel limit and the
    minimum gap between the two leaves of a pair (mm; 0.5 mm by default: a generic value,
    UNCONFIRMED for any given MLC)."""

    name: str
    boundaries_mm: FloatArray = field(repr=False)
    max_travel_mm: float = 200.0
    min_leaf_gap_mm: float = 0.5

    def __post_init__(self) -> None:
        if np.any(np.diff(self.boundaries_mm) <= 0):
            raise InputError("boundaries_mm", "must increase", self.boundaries_mm[:5], "")

    @property
    def pairs(self) -> int:
        """Number of leaf pairs."""
        return int(self.boundaries_mm.size - 1)

    @property
    def widths_mm(self) -> FloatArray:
        """Width of each leaf pair (mm)."""
        result: FloatArray = np.diff(self.boundaries_mm)
        return result

    def pair_of(self, v_mm: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index of the leaf pair covering each ``v`` (-1 outside the MLC)."""
        v = np.asarray(v_mm, dtype=np.float64)
        idx = np.searchsorted(self.boundaries_mm, v, side="right") - 1
        idx = np.where((v < self.boundaries_mm[0]) | (v >= self.boundaries_mm[-1]), -1, idx)
        return idx.astype(np.int64)


def millennium_like_mlc() -> MlcModel:
    """60 leaf pairs: 10 x 10 mm, 40 x 5 mm, 10 x 10 mm (boundaries -200 to 200 mm)."""
    edges = np.concatenate(
        [
            np.arange(-200.0, -100.0, 10.0),
            np.arange(-100.0, 100.0, 5.0),
            np.arange(100.0, 201.0, 10.0),
        ]
    )
    return MlcModel("MLC 120 (5/10 mm)", edges)


@dataclass(frozen=True, eq=False)
class Aperture:
    """Leaf positions ``(pairs, 2)`` (left, right) in mm at the isocentre plane; closed = equal."""

    leaves_mm: FloatArray = field(repr=False)

    @property
    def open_pairs(self) -> npt.NDArray[np.int64]:
        """Indices of leaf pairs with a gap."""
        result: npt.NDArray[np.int64] = np.flatnonzero(
            self.leaves_mm[:, 1] - self.leaves_mm[:, 0] > 1e-6
        )
        return result


def conformal_aperture(
    mlc: MlcModel, bev_points_mm: FloatArray, margin_mm: float, resolution_mm: float = 1.0
) -> Aperture:
    """Leaves fitted to the BEV outline of a target plus a margin.

    Each leaf pair opens from the leftmost to the rightmost point of the dilated projection
    within its band (leaf edge placed on the outline: "outside" fitting, no under-coverage).
    """
    if bev_points_mm.shape[0] == 0:
        raise InputError("target", "has no voxels in the beam's eye view", 0, "check the PTV")
    h = resolution_mm
    pad = int(np.ceil(margin_mm / h)) + 4
    lo = np.floor(bev_points_mm.min(axis=0) / h).astype(int) - pad
    hi = np.ceil(bev_points_mm.max(axis=0) / h).astype(int) + pad
    mask = np.zeros((hi[0] - lo[0] + 1, hi[1] - lo[1] + 1), dtype=bool)
    cells = np.rint(bev_points_mm / h).astype(int) - lo
    mask[cells[:, 0], cells[:, 1]] = True
    # Close the sampling gaps of the voxel projection, then grow by the margin.
    mask = binary_closing(mask, iterations=2)
    r = int(np.ceil(margin_mm / h))
    if r > 0:
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        mask = binary_dilation(mask, structure=xx**2 + yy**2 <= r * r)
    u_cells = (np.arange(mask.shape[0]) + lo[0]) * h
    v_cells = (np.arange(mask.shape[1]) + lo[1]) * h
    leaves = np.zeros((mlc.pairs, 2))
    pair = mlc.pair_of(v_cells)
    for p in np.unique(pair[pair >= 0]):
        columns = mask[:, pair == p].any(axis=1)
        if columns.any():
            hit = np.flatnonzero(columns)
            left = max(u_cells[hit[0]] - h / 2, -mlc.max_travel_mm)
            right = min(u_cells[hit[-1]] + h / 2, mlc.max_travel_mm)
            leaves[p] = (left, right)
    return Aperture(leaves)


def open_fractions(
    mlc: MlcModel, aperture: Aperture, u_mm: FloatArray, v_mm: FloatArray, bixel_mm: float
) -> FloatArray:
    """Open fraction (0-1) of each square beamlet under an aperture (area weighted)."""
    result = np.zeros(u_mm.size)
    half = bixel_mm / 2
    for p in aperture.open_pairs:
        lo_v, hi_v = mlc.boundaries_mm[p], mlc.boundaries_mm[p + 1]
        overlap_v = np.clip(np.minimum(v_mm + half, hi_v) - np.maximum(v_mm - half, lo_v), 0, None)
        left, right = aperture.leaves_mm[p]
        overlap_u = np.clip(np.minimum(u_mm + half, right) - np.maximum(u_mm - half, left), 0, None)
        result += overlap_u * overlap_v / bixel_mm**2
    return np.clip(result, 0.0, 1.0)
