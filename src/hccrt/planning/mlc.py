"""Multileaf collimator: leaf geometry, conformal apertures and beamlet open fractions.

The default MLC is a 120-leaf design: 60 leaf pairs, 40 central pairs of 5 mm and 10 pairs of
10 mm on each side (40 cm x 40 cm at the isocentre plane), leaves travelling along the
beam-limiting-device X axis (``u``). Beamlets are 5 mm squares aligned with the leaf
boundaries, so every central leaf pair opens exactly one row of beamlets.

Each model says whether it allows *interdigitation* (a leaf passing the opposing leaf of the
neighbouring pair). Sources of the per-model values (leaf widths and interdigitation):

* Varian Millennium 120: 60 pairs, 40 x 5 mm central and 20 x 10 mm outer leaves;
  interdigitation allowed (Varian Millennium MLC specification; LoSasso, Chui, Ling, Med Phys
  1998;25:1919, "Physical and dosimetric aspects of a multileaf collimation system used in the
  dynamic mode for IMRT", on the Varian MLC).
* Elekta MLCi / MLCi2: 40 pairs of 10 mm; *no* interdigitation (the leaves of neighbouring
  pairs cannot pass each other: Elekta, "MLCi2 Information for Treatment Planning Systems";
  Cutright et al., AAPM 2013 SU-E-T-261, comparing MLCi2 and Agility, calls the Agility's
  leaves "inter-digitating" in contrast).
* Elekta Agility: 80 pairs of 5 mm (160 leaves), interdigitating (Elekta "Agility and
  Integrity R4.0 Information for Treatment Planning Systems", document 1533781_02, 2019;
  Cutright et al. 2013).

These manufacturer documents and abstracts were not opened here: the per-model values are
UNCONFIRMED and a clinic must check them against its machine's TPS information document.
The minimum gap between the two leaves of a pair is a generic 0.5 mm for every model
(UNCONFIRMED for any given MLC: take the value of the machine's TPS information document).
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
    """Leaf-pair boundaries along ``v`` (mm, isocentre plane), the leaf travel limit, the
    minimum gap between the two leaves of a pair (mm; 0.5 mm by default: a generic value,
    UNCONFIRMED for any given MLC) and whether a leaf may pass the opposing leaf of a
    neighbouring pair (``interdigitation``; see the module docstring for the per-model values)."""

    name: str
    boundaries_mm: FloatArray = field(repr=False)
    max_travel_mm: float = 200.0
    min_leaf_gap_mm: float = 0.5
    interdigitation: bool = True

    def __post_init__(self) -> None:
        if np.any(np.diff(self.boundaries_mm) <= 0):
            raise InputError("boundaries_mm", "must increase", self.boundaries_mm[:5], "")
        if not (np.isfinite(self.min_leaf_gap_mm) and 0.0 <= self.min_leaf_gap_mm <= 10.0):
            raise InputError("min_leaf_gap_mm", "must be 0-10 mm", self.min_leaf_gap_mm, "e.g. 0.5")

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
    return MlcModel("MLC 120 (5/10 mm)", edges, interdigitation=True)


def elekta_mlci2_like_mlc() -> MlcModel:
    """40 pairs of 10 mm (boundaries -200 to 200 mm), no interdigitation (Elekta MLCi/MLCi2)."""
    return MlcModel("MLCi2 80 (10 mm)", np.arange(-200.0, 201.0, 10.0), interdigitation=False)


def agility_like_mlc() -> MlcModel:
    """80 pairs of 5 mm (boundaries -200 to 200 mm), interdigitating (Elekta Agility)."""
    return MlcModel("Agility 160 (5 mm)", np.arange(-200.0, 201.0, 5.0), interdigitation=True)


MLC_MODELS = {
    "millennium120": millennium_like_mlc,
    "mlci2": elekta_mlci2_like_mlc,
    "agility": agility_like_mlc,
}
"""The MLC models by name (leaf widths and interdigitation sourced in the module docstring)."""


def interdigitation_violations(mlc: MlcModel, leaves_mm: FloatArray) -> npt.NDArray[np.int64]:
    """Indices ``p`` where pairs ``p`` and ``p + 1`` interdigitate (a leaf within
    ``mlc.min_leaf_gap_mm`` of, or past, the opposing leaf of the neighbouring pair).

    Parameters
    ----------
    mlc
        The collimator (its minimum leaf gap).
    leaves_mm
        ``(pairs, 2)`` left and right leaf positions (mm, isocentre plane).

    Returns
    -------
    numpy.ndarray
        The lower pair index of every offending neighbour pair (empty: none).
    """
    left, right = leaves_mm[:, 0], leaves_mm[:, 1]
    gap = mlc.min_leaf_gap_mm - 1e-6
    bad = (right[1:] - left[:-1] < gap) | (right[:-1] - left[1:] < gap)
    result: npt.NDArray[np.int64] = np.flatnonzero(bad).astype(np.int64)
    return result


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
